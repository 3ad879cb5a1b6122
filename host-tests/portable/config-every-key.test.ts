/**
 * Every configuration key the firmware reads is checked at start: a bad value is a
 * ConfigError that names the key and the form expected, and never the value. The set of
 * keys comes from watching what parseConfig reads, so a key added later without a row in
 * BAD_VALUES fails the first test here instead of going unchecked.
 */
import { ConfigError } from "../../src/common/errors";
import { parseConfig } from "../../src/app/firmware";
import { ConfigReader, type RawConfig, type SectionReader } from "../../src/app/config-reader";
import { KEYS, parseRow } from "../../src/app/config-keys";
import { KEYS as COAP_KEYS } from "../../src/app/config-coap";
import { KEYS as MQTT_KEYS } from "../../src/app/config-mqtt";
import { KEYS as MQTTSN_KEYS } from "../../src/app/config-mqttsn";
import { check, describe, it } from "./test-api";

const MQTT: RawConfig = { broker: "mqtt://127.0.0.1", buttonPin: 0, dht22Pin: 4 };
const MQTTS: RawConfig = { broker: "mqtts://broker.example", brokerCa: "ca.der", brokerUsername: "u", brokerPassword: "p" };
const MQTTSN: RawConfig = { protocol: "mqttsn", gateway: "udp://127.0.0.1:1885", predefinedTopics: "a/b=1", buttonPin: 0 };
const SLEEPY: RawConfig = { ...MQTT, mode: "sleepy", clientId: "lamp-1" };
const STATIC: RawConfig = { ...MQTT, staticIp: "192.168.1.50", gatewayIp: "192.168.1.1" };
const COAP: RawConfig = { protocol: "coap", collector: "coap://127.0.0.1/readings" };
const BASES: readonly RawConfig[] = [MQTT, MQTTS, MQTTSN, SLEEPY, STATIC, COAP];

/** The keys parseConfig reads for `raw`, on a device board (which also needs ssid). */
function keysRead(raw: RawConfig): Set<string> {
	const read = new Set<string>();
	const watched = new Proxy({ ssid: "net", ...raw }, {
		get(target, key) {
			if (typeof key === "string") read.add(key);
			return (target as Record<string, unknown>)[key as string];
		},
	});
	parseConfig(watched, { wifi: true });
	return read;
}

/** Per key: the config it is read under, and values that must be refused. */
const BAD_VALUES: Readonly<Record<string, { readonly base: RawConfig; readonly values: readonly unknown[] }>> = {
	ssid: { base: MQTT, values: ["", 5, "x".repeat(33)] },
	password: { base: MQTT, values: [12_345_678, "x".repeat(65)] },
	sntp: { base: MQTT, values: [123, "x".repeat(254)] },
	protocol: { base: MQTT, values: ["http", "MQTT", 1] },
	lampPin: { base: MQTT, values: [-1, 49, "GPIO5", 2.5, true] },
	lampActive: { base: MQTT, values: ["sometimes", 1] },
	lampTopic: { base: MQTT, values: ["home/+/lamp", "home/#", "a\u0000b", 7] },
	stateTopic: { base: MQTT, values: ["s/+", "a\u0000"] },
	statusTopic: { base: MQTT, values: ["s/#"] },
	mode: { base: MQTT, values: ["hibernate", 0] },
	sleepInterval: { base: MQTT, values: [0, 86_401, "5m"] },
	maxAwake: { base: MQTT, values: [0, 601] },
	networkDeadline: { base: MQTT, values: [0, 601, 31] },
	dht22Pin: { base: MQTT, values: [-2, 49, "four"] },
	buttonPin: { base: MQTT, values: [-2, 49] },
	readingInterval: { base: MQTT, values: [1, 86_401] },
	telemetryTopic: { base: MQTT, values: ["t/+"] },
	buttonActive: { base: MQTT, values: ["either"] },
	debounceMs: { base: MQTT, values: [0, 1001] },
	longPressMs: { base: MQTT, values: [-1, 60_001] },
	longPress: { base: MQTT, values: ["reboot"] },
	homeAssistant: { base: MQTT, values: ["yes", 2] },
	discoveryPrefix: { base: MQTT, values: ["ha/+", "#"] },
	healthInterval: { base: MQTT, values: [-1, 86_401, "5m"] },
	powerOn: { base: MQTT, values: ["last", 1] },
	swVersion: { base: MQTT, values: [1, "x".repeat(33)] },
	clientId: { base: MQTT, values: ["has space", "x".repeat(65), 5] },
	broker: { base: MQTT, values: [undefined, "", "http://x", "mqtt://host:0", "mqtt://host:65536", "mqtt://user:pw@host", 1883, "ws://host/a b", "wss://host/mqtt#x", "ws://host?x", "mqtt://host/mqtt"] },
	brokerCa: { base: MQTT, values: [42, "ca.der"] },
	// Each alone: a certificate goes with its key.
	brokerCert: { base: MQTTS, values: [42, "client.der"] },
	brokerKey: { base: MQTTS, values: [42, "client.key"] },
	brokerUsername: { base: MQTTS, values: [undefined, 1] },
	brokerPassword: { base: MQTTS, values: [1234] },
	keepAlive: { base: MQTT, values: [-1, 65_536, "1m"] },
	cleanSession: { base: MQTT, values: ["maybe", 2] },
	qos: { base: MQTT, values: [3, -1, "one"] },
	reconnectBase: { base: MQTT, values: [9, 3_600_001] },
	reconnectCap: { base: { ...MQTT, reconnectBase: 5000 }, values: [4999, 86_400_001] },
	maxPacketSize: { base: MQTT, values: [127, 268_435_461] },
	inflightWindow: { base: MQTT, values: [0, 65_536] },
	mqttVersion: { base: MQTT, values: ["4", "3.1", 5.1] },
	gateway: { base: MQTTSN, values: ["tcp://127.0.0.1", "udp://host:70000", 1] },
	gatewaySearch: { base: MQTTSN, values: ["udp://gateway.local", "broadcast"] },
	searchRadius: { base: MQTTSN, values: [-1, 256] },
	mqttsnPort: { base: MQTTSN, values: [-1, 65_536] },
	predefinedTopics: { base: MQTTSN, values: ["a/b", "a/b=0", "a/b=65535", "a=1,b=1", "a/+=1", "=1"] },
	tRetry: { base: MQTTSN, values: [9] },
	nRetry: { base: MQTTSN, values: [-1, 101] },
	tWait: { base: MQTTSN, values: [9] },
	// Absent with gatewayIp set; malformed; not a unicast host of its subnet.
	staticIp: { base: STATIC, values: [undefined, "", "192.168.1", "192.168.1.256", "192.168.01.50", "192.168.1.50.1", "lamp.local", " 192.168.1.50", 3232235826, "192.168.1.0", "192.168.1.255", "0.0.0.0", "127.0.0.1"] },
	gatewayIp: { base: STATIC, values: [undefined, "", "10.0.0.1", "192.168.1.50", "192.168.2.1", "192.168.1.x", 1] },
	netmask: { base: STATIC, values: ["255.0.255.0", "255.255.255.1", "0.0.0.0", "255.255.255.254", "255.255.255.255", "24", "/24"] },
	dns: { base: STATIC, values: ["8.8.8", "dns.google", "224.0.0.251", 53] },
	coapPort: { base: COAP, values: [-1, 65_536, "udp"] },
	// coaps:// without a key; a key alone, odd, not hex, over 64 bytes; an identity alone.
	collector: { base: COAP, values: ["http://host/path", "coap://host:0/x", "coap://host/a%zz", "coap://host/a#frag", 5, "coaps://host/x"] },
	coapPsk: { base: COAP, values: ["00112233", "abc", "zz", "00".repeat(65), 5] },
	coapPskIdentity: { base: COAP, values: ["lamp", "x".repeat(129)] },
	coapType: { base: COAP, values: ["confirmable", "CON", true] },
	ackTimeout: { base: COAP, values: [9, 600_001] },
	ackRandomFactorTenths: { base: COAP, values: [9, 101, "1.5"] },
	maxRetransmit: { base: COAP, values: [-1, 21] },
	nstart: { base: COAP, values: [0, 17] },
	blockSize: { base: COAP, values: [8, 2048, 100, 1000] },
};

describe("config: every key", () => {
	it("has a row of bad values for every key parseConfig reads", () => {
		const read = new Set<string>();
		for (const base of BASES) for (const key of keysRead(base)) read.add(key);
		check([...read].filter((key) => !(key in BAD_VALUES)).sort()).toEqual([]);
		check(Object.keys(BAD_VALUES).filter((key) => !read.has(key)).sort()).toEqual([]);
	});

	it("reads exactly the keys of the rows (config-keys.ts and the protocols' sections)", () => {
		const read = new Set<string>();
		for (const base of BASES) for (const key of keysRead(base)) read.add(key);
		// Each table is "\n" + rows + "\n".
		const rows = [KEYS, MQTT_KEYS, MQTTSN_KEYS, COAP_KEYS].flatMap((table) => table.slice(1, -1).split("\n"));
		check([...read].sort()).toEqual([...new Set(rows.map((row) => parseRow(row).name))].sort());
	});

	it("has no row for a key of another protocol, nor for a protocol's key before its section gives its rows", () => {
		const reader = new ConfigReader({ protocol: "coap", coapPort: 5000, keepAlive: 5 });
		const refusal = (read: () => unknown): string => {
			try {
				read();
			} catch (error) {
				// A read the firmware never makes (the reader's types refuse it): its bug, not the config's.
				check(error instanceof ConfigError).toBe(false);
				return (error as Error).message;
			}
			return "read";
		};
		check(refusal(() => reader.integer("coapPort" as never))).toBe("no config key coapPort for this protocol");
		reader.rows = COAP_KEYS;
		const coap = reader as SectionReader<typeof COAP_KEYS>;
		check(coap.integer("coapPort")).toBe(5000);
		check(refusal(() => coap.integer("keepAlive" as never))).toBe("no config key keepAlive for this protocol");
		check(refusal(() => coap.integer("noSuchKey" as never))).toBe("no config key noSuchKey for this protocol");
		// The common rows stay readable.
		check(coap.integer("lampPin")).toBe(2);
	});

	it("accepts every base config", () => {
		for (const base of BASES) check(parseConfig({ ssid: "net", ...base }, { wifi: true }).lamp.pin).toBe(2);
	});

	for (const key of Object.keys(BAD_VALUES)) {
		const { base, values } = BAD_VALUES[key];
		it(`refuses bad "${key}" values, naming the key and the expected form, never the value`, () => {
			for (const value of values) {
				let error: unknown;
				try {
					parseConfig({ ssid: "net", ...base, [key]: value }, { wifi: true });
				} catch (thrown) {
					error = thrown;
				}
				check(error).toBeInstanceOf(ConfigError);
				const configError = error as ConfigError;
				check(configError.key).toBe(key);
				check(configError.expected.length > 0).toBe(true);
				check(configError.message).toContain(`"${configError.key}"`);
				if (typeof value === "string" && value.length > 3) check(configError.message.includes(value)).toBe(false);
			}
		});
	}
});
