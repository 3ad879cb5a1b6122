/**
 * An image built with fewer protocols refuses, when its config is parsed at start and
 * naming the key, a config that asks for what it lacks: a protocol (`protocol`), MQTT 5
 * (`mqttVersion`), coaps (a coaps:// `collector`, or `coapPsk`), from its one table of
 * protocols (protocols/*.ts: each entry a config section and an uplink). The images:
 * manifest.json (table.ts on ESP32 and the simulator, mqtt.ts on ESP8266), manifest_tls.json
 * (mqtt.ts), manifest_mqttsn.json (mqttsn.ts), manifest_coap.json (coap.ts),
 * manifest_coaps.json (coaps.ts). Another protocol's keys are left unread.
 */
import { describe, it, check } from "./test-api";
import { expectConfigError } from "./errors";
import { parseConfig } from "../../src/app/firmware";
import { coapUplink } from "../../src/app/adapters/coap";
import type { CoapFirmwareConfig, MqttFirmwareConfig } from "../../src/app/config";
import { openUplink, type ProtocolTable, type UplinkEvents } from "../../src/app/uplink";
import { PROTOCOLS as ALL } from "../../src/app/protocols/table";
import { PROTOCOLS as MQTTSN_ONLY } from "../../src/app/protocols/mqttsn";
import { PROTOCOLS as MQTT_ONLY } from "../../src/app/protocols/mqtt";
import { PROTOCOLS as COAP_PLAIN } from "../../src/app/protocols/coap";
import { PROTOCOLS as COAPS } from "../../src/app/protocols/coaps";
import { DeviceBoard } from "../../testkit/portable/device-board";

const PSK = { coapPskIdentity: "lamp", coapPsk: "00112233445566778899aabbccddeeff" };
const coap = (keys: Record<string, string>, image: ProtocolTable = ALL) => parseConfig({ protocol: "coap", ...keys }, { wifi: false }, image) as CoapFirmwareConfig;
const events: UplinkEvents = { online: () => undefined, command: () => true, lampOn: () => false, report: () => undefined };

describe("Images with fewer protocols", () => {
	it("which protocols each table includes, each with its section and its uplink", () => {
		const has = (t: ProtocolTable) => [t.mqtt, t.mqttsn, t.coap].map((entry) => entry !== undefined && typeof entry.section === "function" && typeof entry.uplink === "function");
		check(has(ALL)).toEqual([true, true, true]);
		check(has(MQTT_ONLY)).toEqual([true, false, false]);
		check(has(MQTTSN_ONLY)).toEqual([false, true, false]);
		check(has(COAP_PLAIN)).toEqual([false, false, true]);
		check(has(COAPS)).toEqual([false, false, true]);
	});
	it("an image refuses a protocol it lacks with a ConfigError naming protocol, and parses its own in full", () => {
		const raws = { mqtt: { broker: "mqtt://broker.local" }, mqttsn: { protocol: "mqttsn", gateway: "udp://127.0.0.1:10000" }, coap: { protocol: "coap" } };
		const images = [
			[ALL, "mqtt, mqttsn, coap"],
			[MQTT_ONLY, "mqtt"],
			[MQTTSN_ONLY, "mqttsn"],
			[COAP_PLAIN, "coap"],
			[COAPS, "coap"],
		] as const;
		for (const [image, includes] of images)
			for (const [protocol, raw] of Object.entries(raws)) {
				if (includes.split(", ").includes(protocol)) check(parseConfig(raw, { wifi: false }, image)).toEqual(parseConfig(raw, { wifi: false }));
				else check(expectConfigError(() => parseConfig(raw, { wifi: false }, image), "protocol").expected).toBe("one of the protocols this image includes: " + includes);
			}
		// Refused before the other keys are read: the image has no use for them.
		expectConfigError(() => parseConfig({ protocol: "coap", lampPin: "x" }, { wifi: true }, MQTT_ONLY), "protocol");
	});
	it("an image leaves the keys of protocols it lacks unread, bad values too, and refuses bad values of its own", () => {
		const others = { gateway: "tcp://x", tRetry: "soon", predefinedTopics: "=", collector: "http://x", blockSize: "17", coapPsk: "zz" };
		const mqtt = { broker: "mqtt://broker.local", ...others };
		check(parseConfig(mqtt, { wifi: false }, MQTT_ONLY)).toEqual(parseConfig(mqtt, { wifi: false }));
		expectConfigError(() => parseConfig({ ...mqtt, broker: "http://broker.local" }, { wifi: false }, MQTT_ONLY), "broker");
		expectConfigError(() => parseConfig({ ...mqtt, keepAlive: "-1" }, { wifi: false }, MQTT_ONLY), "keepAlive");
		const mqttsn = { protocol: "mqttsn", gateway: "udp://127.0.0.1:10000", broker: "http://x", brokerCa: "-", mqttVersion: "4", blockSize: "17", collector: "http://x" };
		check(parseConfig(mqttsn, { wifi: false }, MQTTSN_ONLY)).toEqual(parseConfig(mqttsn, { wifi: false }));
		expectConfigError(() => parseConfig({ ...mqttsn, gateway: "tcp://x" }, { wifi: false }, MQTTSN_ONLY), "gateway");
		const coap = { protocol: "coap", broker: "http://x", mqttVersion: "4", gateway: "tcp://x", tRetry: "soon" };
		for (const image of [COAP_PLAIN, COAPS]) {
			check(parseConfig(coap, { wifi: false }, image)).toEqual(parseConfig(coap, { wifi: false }));
			expectConfigError(() => parseConfig({ ...coap, blockSize: "17" }, { wifi: false }, image), "blockSize");
		}
	});
	it("the full image includes MQTT 5; the others refuse mqttVersion 5 at parse with a ConfigError naming mqttVersion", () => {
		const five = { broker: "mqtt://broker.local", mqttVersion: "5" };
		check((parseConfig(five, { wifi: false }, ALL) as MqttFirmwareConfig).mqtt.protocolVersion).toBe(5);
		check(parseConfig({ ...five, mqttVersion: "3.1.1" }, { wifi: false }, MQTT_ONLY)).toEqual(parseConfig({ ...five, mqttVersion: "3.1.1" }, { wifi: false }));
		check(expectConfigError(() => parseConfig(five, { wifi: false }, MQTT_ONLY), "mqttVersion").expected).toBe("3.1.1, the only MQTT version this image includes");
		check(expectConfigError(() => parseConfig({ ...five, broker: "mqtts://broker.local" }, { wifi: false }, MQTT_ONLY), "mqttVersion").expected).toBe("3.1.1, the only MQTT version this image includes");
		// The section's own keys come first: a bad one is named, not the version.
		expectConfigError(() => parseConfig({ ...five, keepAlive: "-1" }, { wifi: false }, MQTT_ONLY), "keepAlive");
		expectConfigError(() => parseConfig(five, { wifi: false }, MQTTSN_ONLY), "protocol");
	});
	it("an image without DTLS refuses at parse a coaps:// collector (collector) and a server key (coapPsk); plain coap it runs", () => {
		const collector = { ...PSK, collector: "coaps://127.0.0.1/readings" };
		const plainCollector = { ...PSK, collector: "coap://127.0.0.1/readings" };
		for (const image of [ALL, COAPS]) for (const keys of [collector, PSK, plainCollector]) check(coap(keys, image)).toEqual(coap(keys));
		check(coap({ collector: "coap://127.0.0.1/readings" }, COAP_PLAIN)).toEqual(coap({ collector: "coap://127.0.0.1/readings" }));
		check(expectConfigError(() => coap(collector, COAP_PLAIN), "collector").expected).toBe("coap://: no DTLS in this image (manifest_coaps.json has it)");
		check(expectConfigError(() => coap(PSK, COAP_PLAIN), "coapPsk").expected).toBe("none: no DTLS in this image (manifest_coaps.json has it)");
		// The key still makes the server coaps: never served as plain coap in its place.
		expectConfigError(() => coap(plainCollector, COAP_PLAIN), "coapPsk");
	});
	it("opens the uplink of the config's protocol, from the entry that parsed its section", () => {
		const board = new DeviceBoard();
		const opened: string[] = [];
		const real = coapUplink(board, coap({}), events);
		const wake = { state: undefined, reconnectAttempt: 0, bootCount: 3 };
		const retained = () => ({ state: undefined, room: 0, save: () => undefined });
		const entry = <K extends keyof typeof ALL>(name: K) => ({
			section: ALL[name]?.section,
			uplink: (_board: unknown, config: { protocol: string }, _events: unknown, w?: typeof wake, r?: typeof retained) => {
				opened.push(`${name}:${config.protocol}:${w === wake}:${r === retained}`);
				return real;
			},
		});
		const image = { mqtt: entry("mqtt"), mqttsn: entry("mqttsn"), coap: entry("coap") } as unknown as ProtocolTable;
		check(openUplink(image, board, parseConfig({ protocol: "mqttsn", gateway: "udp://127.0.0.1:10000" }, { wifi: false }, image), events, wake)).toBe(real);
		check(openUplink(image, board, coap({}, image), events, void 0, retained)).toBe(real);
		check(openUplink(image, board, parseConfig({ broker: "mqtt://broker.local" }, { wifi: false }, image), events)).toBe(real);
		check(opened).toEqual(["mqttsn:mqttsn:true:false", "coap:coap:false:true", "mqtt:mqtt:false:false"]);
		real.stop();
	});
	it("the CoAP adapter given no DTLS refuses coaps when the uplink opens, not at a request", () => {
		const board = new DeviceBoard();
		expectConfigError(() => coapUplink(board, coap(PSK), events), "coapPsk");
		expectConfigError(() => coapUplink(board, coap({ ...PSK, collector: "coaps://127.0.0.1/readings" }), events, { state: undefined, reconnectAttempt: 0, bootCount: 1 }), "collector");
		const plain = coapUplink(board, coap({}), events);
		plain.stop();
	});
});
