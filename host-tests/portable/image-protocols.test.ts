/**
 * An image built with fewer protocols (manifest_tls.json: MQTT only) refuses a config
 * naming one it lacks with a ConfigError naming `protocol`, from its table of uplinks.
 */
import { describe, it, check } from "./test-api";
import { expectConfigError } from "./errors";
import { parseConfig } from "../../src/app/config";
import { checkIncluded } from "../../src/app/uplink";
import { UPLINKS as ALL } from "../../src/app/uplinks/table";
import { UPLINKS as MQTT_ONLY } from "../../src/app/uplinks/mqtt";

describe("Images with fewer protocols", () => {
	it("the full image includes all three; the TLS image MQTT only", () => {
		check([ALL.mqtt !== undefined, ALL.mqttsn !== undefined, ALL.coap !== undefined]).toEqual([true, true, true]);
		check([MQTT_ONLY.mqtt !== undefined, MQTT_ONLY.mqttsn, MQTT_ONLY.coap]).toEqual([true, undefined, undefined]);
	});
	it("a protocol the image lacks is a ConfigError naming protocol", () => {
		const mqttsn = parseConfig({ protocol: "mqttsn", gateway: "udp://127.0.0.1:10000" }, { wifi: false });
		const coap = parseConfig({ protocol: "coap" }, { wifi: false });
		checkIncluded(ALL, mqttsn);
		checkIncluded(MQTT_ONLY, parseConfig({ broker: "mqtts://broker.local" }, { wifi: false }));
		check(expectConfigError(() => checkIncluded(MQTT_ONLY, mqttsn), "protocol").expected).toBe("one of the protocols this image includes: mqtt");
		expectConfigError(() => checkIncluded(MQTT_ONLY, coap), "protocol");
	});
	it("the full image includes MQTT 5; the TLS image refuses mqttVersion 5 with a ConfigError naming mqttVersion", () => {
		const five = parseConfig({ broker: "mqtt://broker.local", mqttVersion: "5" }, { wifi: false });
		check([ALL.mqtt5 !== undefined, MQTT_ONLY.mqtt5]).toEqual([true, undefined]);
		checkIncluded(ALL, five);
		checkIncluded(MQTT_ONLY, parseConfig({ broker: "mqtt://broker.local", mqttVersion: "3.1.1" }, { wifi: false }));
		check(expectConfigError(() => checkIncluded(MQTT_ONLY, five), "mqttVersion").expected).toBe("3.1.1, the only MQTT version this image includes");
	});
});
