/**
 * The rules between keys (src/app/config-rules.ts), one test each, through parseConfig:
 * the rule refuses what it says, names the key to change, and lets the valid side pass.
 * Then the secrets: no ConfigError ever carries a secret's value, whatever is wrong.
 */
import { ConfigError } from "../../src/common/errors";
import type { ParseOptions } from "../../src/app/config";
import { parseConfig } from "../../src/app/firmware";
import type { RawConfig } from "../../src/app/config-reader";
import { KEYS, parseRow } from "../../src/app/config-keys";
import { KEYS as COAP_KEYS } from "../../src/app/config-coap";
import { KEYS as MQTT_KEYS } from "../../src/app/config-mqtt";
import { KEYS as MQTTSN_KEYS } from "../../src/app/config-mqttsn";
import { expectConfigError } from "./errors";
import { check, describe, it } from "./test-api";

const HOST: ParseOptions = { wifi: false };
const MQTT: RawConfig = { broker: "mqtt://127.0.0.1" };
const MQTTSN: RawConfig = { protocol: "mqttsn", gateway: "udp://127.0.0.1:1884" };
const SLEEPY_SN: RawConfig = { ...MQTTSN, mode: "sleepy", clientId: "sensor-1" };
const CONNECTIONLESS: RawConfig = { ...SLEEPY_SN, qos: -1, predefinedTopics: "home/office/dht22=1" };
const parse = (raw: RawConfig, options: ParseOptions = HOST) => parseConfig(raw, options);

describe("config rules", () => {
	it("joiningNeedsSsid: a board that joins needs ssid; the host does not", () => {
		expectConfigError(() => parse(MQTT, { wifi: true }), "ssid");
		check(parse(MQTT).protocol).toBe("mqtt");
		check(parse({ ...MQTT, ssid: "net" }, { wifi: true }).protocol).toBe("mqtt");
	});

	it("persistentSessionNeedsClientId: cleanSession false or sleepy needs a client id, over MQTT and MQTT-SN alike", () => {
		for (const base of [MQTT, MQTTSN]) {
			expectConfigError(() => parse({ ...base, cleanSession: false }), "clientId");
			expectConfigError(() => parse({ ...base, mode: "sleepy" }), "clientId");
			check(parse({ ...base, cleanSession: false, clientId: "lamp-1" }).protocol).toBe(base === MQTT ? "mqtt" : "mqttsn");
			check(parse({ ...base, mode: "sleepy", clientId: "lamp-1" }).device.mode).toBe("sleepy");
		}
		// CoAP keeps no session: it needs no client id in sleepy mode.
		check(parse({ protocol: "coap", mode: "sleepy" }).protocol).toBe("coap");
	});

	it("passwordNeedsUsername: brokerPassword alone is refused, naming brokerUsername", () => {
		expectConfigError(() => parse({ ...MQTT, brokerPassword: "pw" }), "brokerUsername");
		check(parse({ ...MQTT, brokerUsername: "u", brokerPassword: "pw" }).protocol).toBe("mqtt");
	});

	it("caNeedsMqtts: brokerCa only with an mqtts:// broker", () => {
		expectConfigError(() => parse({ ...MQTT, brokerCa: "ca.der" }), "brokerCa");
		const config = parse({ broker: "mqtts://broker.example", brokerCa: "ca.der" });
		check(config.protocol === "mqtt" && config.mqtt.broker.tls?.ca).toBe("ca.der");
	});

	it("clientCertificateNeedsTls: brokerCert and brokerKey together, and only to a TLS broker", () => {
		const TLS: RawConfig = { broker: "wss://broker.example" };
		expectConfigError(() => parse({ ...TLS, brokerCert: "client.der" }), "brokerCert");
		expectConfigError(() => parse({ ...TLS, brokerKey: "client.key" }), "brokerKey");
		expectConfigError(() => parse({ ...MQTT, brokerCert: "client.der", brokerKey: "client.key" }), "brokerCert");
		expectConfigError(() => parse({ broker: "ws://broker.example", brokerCert: "client.der", brokerKey: "client.key" }), "brokerCert");
		const config = parse({ ...TLS, brokerCert: "client.der", brokerKey: "client.key" });
		check(config.protocol === "mqtt" && config.mqtt.broker.tls).toEqual({ ca: undefined, cert: "client.der", key: "client.key" });
	});

	it("brokerSchemeInImage: an image without TLS refuses mqtts:// and wss://, one without WebSocket ws:// and wss://, at start", () => {
		expectConfigError(() => parse({ broker: "mqtts://broker.example" }, { wifi: false, tls: false }), "broker");
		expectConfigError(() => parse({ broker: "wss://broker.example" }, { wifi: false, tls: false }), "broker");
		check(parse({ broker: "mqtt://broker.example" }, { wifi: false, tls: false }).protocol).toBe("mqtt");
		check(parse({ broker: "mqtts://broker.example" }, { wifi: false, tls: true }).protocol).toBe("mqtt");
		expectConfigError(() => parse({ broker: "ws://broker.example" }, { wifi: false, websocket: false }), "broker");
		expectConfigError(() => parse({ broker: "wss://broker.example" }, { wifi: false, tls: true, websocket: false }), "broker");
		check(parse({ broker: "mqtts://broker.example" }, { wifi: false, tls: true, websocket: false }).protocol).toBe("mqtt");
		check(parse({ broker: "ws://broker.example" }, { wifi: false, websocket: true }).protocol).toBe("mqtt");
	});

	it("deadlineWithinWake: networkDeadline at most maxAwake", () => {
		expectConfigError(() => parse({ ...MQTT, maxAwake: 20, networkDeadline: 21 }), "networkDeadline");
		check(parse({ ...MQTT, maxAwake: 20, networkDeadline: 20 }).device.networkDeadline).toBe(20_000);
	});

	it("capAtLeastBase: reconnectCap at least reconnectBase, over MQTT and MQTT-SN", () => {
		for (const base of [MQTT, MQTTSN]) {
			expectConfigError(() => parse({ ...base, reconnectBase: 5000, reconnectCap: 4999 }), "reconnectCap");
			check(parse({ ...base, reconnectBase: 5000, reconnectCap: 5000 }).protocol).toBe(base === MQTT ? "mqtt" : "mqttsn");
		}
	});

	it("keepAliveOutlastsSleep: a sleepy MQTT-SN keep-alive is 0, 65535 or longer than a cycle", () => {
		expectConfigError(() => parse({ ...SLEEPY_SN, sleepInterval: 300, maxAwake: 30, keepAlive: 330 }), "keepAlive");
		for (const keepAlive of [0, 331, 65535]) {
			const config = parse({ ...SLEEPY_SN, sleepInterval: 300, maxAwake: 30, keepAlive });
			check(config.protocol === "mqttsn" && config.mqttsn.keepAlive).toBe(keepAlive);
		}
		// Derived when unset: over the cycle by construction. Always-on and QoS -1 are not held to it.
		const derived = parse(SLEEPY_SN);
		check(derived.protocol === "mqttsn" && derived.mqttsn.keepAlive).toBe(443);
		check(parse({ ...MQTTSN, keepAlive: 60 }).protocol).toBe("mqttsn");
		check(parse({ ...CONNECTIONLESS, keepAlive: 60 }).protocol).toBe("mqttsn");
	});

	it("retryWithinDeadline: a sleepy MQTT-SN Tretry at most a third of networkDeadline", () => {
		expectConfigError(() => parse({ ...SLEEPY_SN, networkDeadline: 9, tRetry: 3001 }), "tRetry");
		const config = parse({ ...SLEEPY_SN, networkDeadline: 9, tRetry: 3000 });
		check(config.protocol === "mqttsn" && config.mqttsn.tRetry).toBe(3000);
		check(parse({ ...MQTTSN, tRetry: 10_000 }).protocol).toBe("mqttsn");
	});

	it("connectionlessNeedsSleepy: qos -1 only with mode=sleepy", () => {
		expectConfigError(() => parse({ ...CONNECTIONLESS, mode: "always-on" }), "qos");
		const config = parse(CONNECTIONLESS);
		check(config.protocol === "mqttsn" && config.mqttsn.connectionless).toBe(true);
	});

	it("connectionlessNeedsGateway: qos -1 needs a configured gateway", () => {
		expectConfigError(() => parse({ ...CONNECTIONLESS, gateway: "" }), "gateway");
	});

	it("connectionlessNeedsFixedTopic: qos -1 needs the telemetry topic predefined, or two characters long", () => {
		expectConfigError(() => parse({ ...CONNECTIONLESS, predefinedTopics: "other=3" }), "predefinedTopics");
		check(parse({ ...CONNECTIONLESS, predefinedTopics: "", telemetryTopic: "t1" }).protocol).toBe("mqttsn");
	});

	it("blockSizePowerOfTwo: blockSize a power of two within the table's range", () => {
		for (const blockSize of [48, 100, 1000]) expectConfigError(() => parse({ protocol: "coap", blockSize }), "blockSize");
		for (const blockSize of [16, 64, 1024]) {
			const config = parse({ protocol: "coap", blockSize });
			check(config.protocol === "coap" && config.coap.blockSize).toBe(blockSize);
		}
	});
});

/** Every way a secret's value can be wrong, on every protocol it applies to. */
function secretMistakes(secret: string, value: unknown): RawConfig[] {
	return [
		{ ...MQTT, [secret]: value },
		{ ...MQTT, brokerUsername: "u", [secret]: value },
		{ ...MQTT, brokerUsername: "u", [secret]: value, brokerCa: "ca.der" },
		{ ...MQTT, brokerUsername: "u", [secret]: value, keepAlive: -1 },
		{ ...MQTTSN, [secret]: value, cleanSession: false },
	];
}

describe("config secrets", () => {
	// The rows flagged secret, common and every protocol's (each table is "\n" + rows + "\n"; a flag is a word after the kind's fields).
	const rows = [KEYS, MQTT_KEYS, MQTTSN_KEYS, COAP_KEYS].flatMap((table) => table.slice(1, -1).split("\n")).filter((line) => line.split(" ").slice(3).includes("secret")).map(parseRow);
	const secrets = rows.map((row) => row.name);

	it("are the Wi-Fi and broker passwords, the client key and the CoAP pre-shared key, and have no default", () => {
		check([...secrets].sort()).toEqual(["brokerKey", "brokerPassword", "coapPsk", "password"]);
		for (const row of rows) check(row.default).toBe(undefined);
	});

	for (const secret of secrets) {
		it(`never echoes "${secret}" in a ConfigError, whatever is wrong`, () => {
			const values: unknown[] = ["s3cret-Value-42", `${"long-s3cret-".repeat(6)}`, 987_654_321, ["s3cret-in-array"]];
			let refusals = 0;
			for (const value of values)
				for (const raw of secretMistakes(secret, value)) {
					for (const wifi of [false, true]) {
						try {
							parseConfig({ ssid: "net", ...raw }, { wifi });
						} catch (error) {
							check(error).toBeInstanceOf(ConfigError);
							const { message, expected } = error as ConfigError;
							const shown = Array.isArray(value) ? String(value[0]) : String(value);
							check(message.includes(shown)).toBe(false);
							check(expected.includes(shown)).toBe(false);
							refusals++;
						}
					}
				}
			// Most of those configs are refused (some for the secret itself): the check above ran.
			check(refusals > 10).toBe(true);
		});
	}
});
