/**
 * An image built with fewer protocols refuses, at start and naming the key, a config that
 * asks for what it lacks: a protocol (`protocol`), MQTT 5 (`mqttVersion`), coaps (a coaps://
 * `collector`, or `coapPsk`), from its table of uplinks. The images: manifest.json (table.ts
 * on ESP32 and the simulator, mqtt.ts on ESP8266), manifest_tls.json (mqtt.ts),
 * manifest_mqttsn.json (mqttsn.ts), manifest_coap.json (coap.ts), manifest_coaps.json (coaps.ts).
 * An image's config sections (config-sections/*.ts, mapped beside its uplinks) refuse another
 * protocol already at parse, and leave its keys unread.
 */
import { describe, it, check } from "./test-api";
import { expectConfigError } from "./errors";
import { parseConfig } from "../../src/app/config";
import { coapUplink } from "../../src/app/adapters/coap";
import type { CoapFirmwareConfig } from "../../src/app/config";
import { checkIncluded, type UplinkEvents } from "../../src/app/uplink";
import { UPLINKS as ALL } from "../../src/app/uplinks/table";
import { UPLINKS as MQTTSN_ONLY } from "../../src/app/uplinks/mqttsn";
import { UPLINKS as MQTT_ONLY } from "../../src/app/uplinks/mqtt";
import { UPLINKS as COAP_PLAIN } from "../../src/app/uplinks/coap";
import { UPLINKS as COAPS } from "../../src/app/uplinks/coaps";
import { SECTIONS as ALL_SECTIONS } from "../../src/app/config-sections/table";
import { SECTIONS as MQTT_SECTIONS } from "../../src/app/config-sections/mqtt";
import { SECTIONS as MQTTSN_SECTIONS } from "../../src/app/config-sections/mqttsn";
import { SECTIONS as COAP_SECTIONS } from "../../src/app/config-sections/coap";
import { DeviceBoard } from "../../testkit/portable/device-board";

const PSK = { coapPskIdentity: "lamp", coapPsk: "00112233445566778899aabbccddeeff" };
const coapConfig = (keys: Record<string, string>) => parseConfig({ protocol: "coap", ...keys }, { wifi: false }) as CoapFirmwareConfig;
const events: UplinkEvents = { online: () => undefined, command: () => true, lampOn: () => false, report: () => undefined };

describe("Images with fewer protocols", () => {
	it("which protocols each table includes", () => {
		const has = (t: typeof ALL) => [t.mqtt !== undefined, t.mqtt5 !== undefined, t.mqttsn !== undefined, t.coap !== undefined, t.dtls !== undefined];
		check(has(ALL)).toEqual([true, true, true, true, true]);
		check(has(MQTTSN_ONLY)).toEqual([false, false, true, false, false]);
		check(has(MQTT_ONLY)).toEqual([true, false, false, false, false]);
		check(has(COAP_PLAIN)).toEqual([false, false, false, true, false]);
		check(has(COAPS)).toEqual([false, false, false, true, true]);
	});
	it("a protocol the image lacks is a ConfigError naming protocol", () => {
		const mqttsn = parseConfig({ protocol: "mqttsn", gateway: "udp://127.0.0.1:10000" }, { wifi: false });
		const coap = parseConfig({ protocol: "coap" }, { wifi: false });
		const mqtt = parseConfig({ broker: "mqtt://broker.local" }, { wifi: false });
		checkIncluded(ALL, mqttsn);
		checkIncluded(MQTTSN_ONLY, mqttsn);
		checkIncluded(MQTT_ONLY, parseConfig({ broker: "mqtts://broker.local" }, { wifi: false }));
		checkIncluded(COAPS, coap);
		check(expectConfigError(() => checkIncluded(MQTT_ONLY, mqttsn), "protocol").expected).toBe("one of the protocols this image includes: mqtt");
		expectConfigError(() => checkIncluded(MQTT_ONLY, coap), "protocol");
		check(expectConfigError(() => checkIncluded(COAPS, mqtt), "protocol").expected).toBe("one of the protocols this image includes: coap");
		expectConfigError(() => checkIncluded(COAPS, mqttsn), "protocol");
		check(expectConfigError(() => checkIncluded(MQTTSN_ONLY, mqtt), "protocol").expected).toBe("one of the protocols this image includes: mqttsn");
		expectConfigError(() => checkIncluded(MQTTSN_ONLY, coap), "protocol");
	});
	it("an image's config sections refuse a protocol it lacks with a ConfigError naming protocol, and parse its own in full", () => {
		const raws = { mqtt: { broker: "mqtt://broker.local" }, mqttsn: { protocol: "mqttsn", gateway: "udp://127.0.0.1:10000" }, coap: { protocol: "coap" } };
		const images = [
			[ALL_SECTIONS, "mqtt, mqttsn, coap"],
			[MQTT_SECTIONS, "mqtt"],
			[MQTTSN_SECTIONS, "mqttsn"],
			[COAP_SECTIONS, "coap"],
		] as const;
		for (const [sections, includes] of images)
			for (const [protocol, raw] of Object.entries(raws)) {
				if (includes.split(", ").includes(protocol)) check(parseConfig(raw, { wifi: false }, sections)).toEqual(parseConfig(raw, { wifi: false }));
				else check(expectConfigError(() => parseConfig(raw, { wifi: false }, sections), "protocol").expected).toBe("one of the protocols this image includes: " + includes);
			}
		// Refused before the other keys are read: the image has no use for them.
		expectConfigError(() => parseConfig({ protocol: "coap", lampPin: "x" }, { wifi: true }, MQTT_SECTIONS), "protocol");
	});
	it("an image leaves the keys of protocols it lacks unread, bad values too, and refuses bad values of its own", () => {
		const others = { gateway: "tcp://x", tRetry: "soon", predefinedTopics: "=", collector: "http://x", blockSize: "17", coapPsk: "zz" };
		const mqtt = { broker: "mqtt://broker.local", ...others };
		check(parseConfig(mqtt, { wifi: false }, MQTT_SECTIONS)).toEqual(parseConfig(mqtt, { wifi: false }));
		expectConfigError(() => parseConfig({ ...mqtt, broker: "http://broker.local" }, { wifi: false }, MQTT_SECTIONS), "broker");
		expectConfigError(() => parseConfig({ ...mqtt, keepAlive: "-1" }, { wifi: false }, MQTT_SECTIONS), "keepAlive");
		const mqttsn = { protocol: "mqttsn", gateway: "udp://127.0.0.1:10000", broker: "http://x", brokerCa: "-", mqttVersion: "4", blockSize: "17", collector: "http://x" };
		check(parseConfig(mqttsn, { wifi: false }, MQTTSN_SECTIONS)).toEqual(parseConfig(mqttsn, { wifi: false }));
		expectConfigError(() => parseConfig({ ...mqttsn, gateway: "tcp://x" }, { wifi: false }, MQTTSN_SECTIONS), "gateway");
		const coap = { protocol: "coap", broker: "http://x", mqttVersion: "4", gateway: "tcp://x", tRetry: "soon" };
		check(parseConfig(coap, { wifi: false }, COAP_SECTIONS)).toEqual(parseConfig(coap, { wifi: false }));
		expectConfigError(() => parseConfig({ ...coap, blockSize: "17" }, { wifi: false }, COAP_SECTIONS), "blockSize");
	});
	it("the full image includes MQTT 5; the others refuse mqttVersion 5 with a ConfigError naming mqttVersion", () => {
		const five = parseConfig({ broker: "mqtt://broker.local", mqttVersion: "5" }, { wifi: false });
		checkIncluded(ALL, five);
		checkIncluded(MQTT_ONLY, parseConfig({ broker: "mqtt://broker.local", mqttVersion: "3.1.1" }, { wifi: false }));
		check(expectConfigError(() => checkIncluded(MQTT_ONLY, five), "mqttVersion").expected).toBe("3.1.1, the only MQTT version this image includes");
		expectConfigError(() => checkIncluded(MQTTSN_ONLY, five), "protocol");
	});
	it("an image without DTLS refuses a coaps:// collector (collector) and a server key (coapPsk); plain coap it runs", () => {
		const collector = coapConfig({ ...PSK, collector: "coaps://127.0.0.1/readings" });
		const server = coapConfig(PSK);
		const plainCollector = coapConfig({ ...PSK, collector: "coap://127.0.0.1/readings" });
		for (const table of [ALL, COAPS]) for (const config of [collector, server, plainCollector]) checkIncluded(table, config);
		checkIncluded(COAP_PLAIN, coapConfig({ collector: "coap://127.0.0.1/readings" }));
		check(expectConfigError(() => checkIncluded(COAP_PLAIN, collector), "collector").expected).toBe("a coap:// URI (this image has no DTLS: build with manifest_coaps.json for coaps://)");
		expectConfigError(() => checkIncluded(COAP_PLAIN, server), "coapPsk");
		// The key still makes the server coaps: never served as plain coap in its place.
		expectConfigError(() => checkIncluded(COAP_PLAIN, plainCollector), "coapPsk");
	});
	it("the CoAP adapter given no DTLS refuses coaps when the uplink opens, not at a request", () => {
		const board = new DeviceBoard();
		expectConfigError(() => coapUplink(board, coapConfig(PSK), events), "coapPsk");
		expectConfigError(() => coapUplink(board, coapConfig({ ...PSK, collector: "coaps://127.0.0.1/readings" }), events, { state: undefined, reconnectAttempt: 0, bootCount: 1 }), "collector");
		const plain = coapUplink(board, coapConfig({}), events);
		plain.stop();
	});
});
