/**
 * Every configuration key the firmware reads, once: its name, its form, its default and
 * the protocols it applies to. The reader (config-reader.ts) checks values against this
 * table, the manifest's "config" holds these defaults and the README's tables are written
 * from it (tools/config-table.ts); host-tests/static/config-table.test.ts fails when they
 * drift. What each key means lives beside the generator (tools/config-docs.ts), not here:
 * this table is in the device's flash, so it carries only what parsing needs.
 *
 * A key without a default is unset when absent or empty (its section decides what that
 * means: required, generated, derived from other keys). A `contextual` key has a default
 * that other keys can change (the mode, staticIp), so the manifest leaves it empty.
 * A name may have one row per protocol when its form or default differs there.
 */
import { DEFAULT_PARAMETERS } from "../coap/parameters";
import { COAP_PORT } from "../coap/uri";
import { N_RETRY, T_RETRY, T_WAIT } from "../mqttsn/session";

/** The protocols a row applies to, as bits (PROTOCOL_BITS in config-reader.ts maps names to them). */
export const MQTT = 1;
export const MQTTSN = 2;
export const COAP = 4;
export const ANY = 7;

interface Row {
	readonly name: string;
	readonly on: number;
	/** Never echoed, never defaulted to anything but empty. */
	readonly secret?: true;
	readonly contextual?: true;
}
export interface IntegerRow extends Row {
	readonly kind: "integer";
	readonly default: number;
	readonly min: number;
	readonly max: number;
}
export interface BooleanRow extends Row {
	readonly kind: "boolean";
	readonly default: boolean;
}
export interface ChoiceRow extends Row {
	readonly kind: "choice";
	readonly default: string;
	readonly choices: readonly string[];
}
/**
 * string: any text up to `max` characters; topic: an MQTT topic name; ipv4: a dotted quad;
 * clientId: printable ASCII without spaces, up to `max`; uri and topics: text whose form
 * the protocol's section parses (a URI, a "name=id" list).
 */
export interface TextRow extends Row {
	readonly kind: "string" | "topic" | "ipv4" | "clientId" | "uri" | "topics";
	readonly default?: string;
	readonly max?: number;
}
export type KeyRow = IntegerRow | BooleanRow | ChoiceRow | TextRow;

export const KEYS = [
	// Wi-Fi and the station's address (config-network.ts); the boards join with ssid, password, sntp.
	{ name: "ssid", on: ANY, kind: "string", max: 32 },
	{ name: "password", on: ANY, kind: "string", max: 64, secret: true },
	{ name: "sntp", on: ANY, kind: "string", max: 253, default: "pool.ntp.org" },
	{ name: "staticIp", on: ANY, kind: "ipv4" },
	{ name: "gatewayIp", on: ANY, kind: "ipv4" },
	{ name: "netmask", on: ANY, kind: "ipv4", default: "255.255.255.0", contextual: true },
	{ name: "dns", on: ANY, kind: "ipv4", contextual: true },
	{ name: "protocol", on: ANY, kind: "choice", choices: ["mqtt", "mqttsn", "coap"], default: "mqtt" },
	// MQTT (config-mqtt.ts); cleanSession and the backoff apply to MQTT-SN too.
	{ name: "broker", on: MQTT, kind: "uri" },
	{ name: "brokerCa", on: MQTT, kind: "string" },
	// 3.1.3.1: servers must accept 1-23 characters of [0-9a-zA-Z]; most accept far more.
	{ name: "clientId", on: MQTT, kind: "clientId", max: 64 },
	{ name: "brokerUsername", on: MQTT, kind: "string" },
	{ name: "brokerPassword", on: MQTT, kind: "string", secret: true },
	{ name: "keepAlive", on: MQTT, kind: "integer", default: 60, min: 0, max: 65535 },
	{ name: "cleanSession", on: MQTT | MQTTSN, kind: "boolean", default: true },
	{ name: "qos", on: MQTT, kind: "integer", default: 1, min: 0, max: 2 },
	{ name: "reconnectBase", on: MQTT | MQTTSN, kind: "integer", default: 1000, min: 10, max: 3_600_000 },
	{ name: "reconnectCap", on: MQTT | MQTTSN, kind: "integer", default: 60_000, min: 10, max: 86_400_000 },
	{ name: "maxPacketSize", on: MQTT, kind: "integer", default: 8192, min: 128, max: 268_435_460 },
	{ name: "inflightWindow", on: MQTT, kind: "integer", default: 16, min: 1, max: 65535 },
	// The lamp (config.ts).
	{ name: "lampTopic", on: ANY, kind: "topic", default: "home/office/lamp" },
	{ name: "stateTopic", on: ANY, kind: "topic", contextual: true },
	{ name: "statusTopic", on: ANY, kind: "topic", contextual: true },
	{ name: "lampPin", on: ANY, kind: "integer", default: 2, min: 0, max: 48 },
	{ name: "lampActive", on: ANY, kind: "choice", choices: ["high", "low"], default: "high" },
	// Mode, DHT22, telemetry, button (config-device.ts); times in seconds unless named ms.
	{ name: "mode", on: ANY, kind: "choice", choices: ["always-on", "sleepy"], default: "always-on" },
	{ name: "sleepInterval", on: ANY, kind: "integer", default: 300, min: 1, max: 86_400 },
	{ name: "maxAwake", on: ANY, kind: "integer", default: 30, min: 1, max: 600 },
	{ name: "networkDeadline", on: ANY, kind: "integer", default: 10, min: 1, max: 600 },
	{ name: "readingInterval", on: ANY, kind: "integer", default: 60, min: 2, max: 86_400 },
	{ name: "dht22Pin", on: ANY, kind: "integer", default: 4, min: -1, max: 48 },
	{ name: "telemetryTopic", on: ANY, kind: "topic", default: "home/office/dht22" },
	{ name: "buttonPin", on: ANY, kind: "integer", default: 0, min: -1, max: 48 },
	{ name: "buttonActive", on: ANY, kind: "choice", choices: ["high", "low"], default: "low" },
	{ name: "debounceMs", on: ANY, kind: "integer", default: 30, min: 1, max: 1000 },
	{ name: "longPressMs", on: ANY, kind: "integer", default: 1000, min: 0, max: 60_000 },
	{ name: "longPress", on: ANY, kind: "choice", choices: ["none", "reading"], default: "reading" },
	// MQTT-SN (config-mqttsn.ts): the keys it shares with MQTT have their own forms and defaults here.
	// MQTT-SN 5.3.1: a ClientId has 1 to 23 characters.
	{ name: "clientId", on: MQTTSN, kind: "clientId", max: 23 },
	{ name: "keepAlive", on: MQTTSN, kind: "integer", default: 60, min: 0, max: 65535, contextual: true },
	{ name: "qos", on: MQTTSN, kind: "integer", default: 1, min: -1, max: 2 },
	{ name: "maxPacketSize", on: MQTTSN, kind: "integer", default: 1024, min: 16, max: 65535 },
	{ name: "gateway", on: MQTTSN, kind: "uri" },
	// MQTT-SN has no registered port; 1883 is what most gateways and clients use over UDP.
	{ name: "gatewaySearch", on: MQTTSN, kind: "uri", default: "udp://255.255.255.255:1883" },
	{ name: "searchRadius", on: MQTTSN, kind: "integer", default: 1, min: 0, max: 255 },
	{ name: "mqttsnPort", on: MQTTSN, kind: "integer", default: 0, min: 0, max: 65535, contextual: true },
	{ name: "predefinedTopics", on: MQTTSN, kind: "topics" },
	{ name: "tRetry", on: MQTTSN, kind: "integer", default: T_RETRY, min: 10, max: 3_600_000, contextual: true },
	{ name: "nRetry", on: MQTTSN, kind: "integer", default: N_RETRY, min: 0, max: 100 },
	{ name: "tWait", on: MQTTSN, kind: "integer", default: T_WAIT, min: 10, max: 86_400_000 },
	// CoAP (config-coap.ts); the transmission parameters default to RFC 7252 4.8's.
	{ name: "coapPort", on: COAP, kind: "integer", default: COAP_PORT, min: 0, max: 65535 },
	{ name: "collector", on: COAP, kind: "uri" },
	{ name: "coapType", on: COAP, kind: "choice", choices: ["con", "non"], default: "con" },
	{ name: "ackTimeout", on: COAP, kind: "integer", default: DEFAULT_PARAMETERS.ackTimeout, min: 10, max: 600_000 },
	{ name: "ackRandomFactorTenths", on: COAP, kind: "integer", default: DEFAULT_PARAMETERS.ackRandomFactor * 10, min: 10, max: 100 },
	{ name: "maxRetransmit", on: COAP, kind: "integer", default: DEFAULT_PARAMETERS.maxRetransmit, min: 0, max: 20 },
	{ name: "nstart", on: COAP, kind: "integer", default: DEFAULT_PARAMETERS.nstart, min: 1, max: 16 },
	// RFC 7959 2.2: a power of two from 16 (SZX 0) to 1024 (SZX 6).
	{ name: "blockSize", on: COAP, kind: "integer", default: 1024, min: 16, max: 1024 },
] as const satisfies readonly KeyRow[];

type Rows = (typeof KEYS)[number];
export type KeyName = Rows["name"];
export type IntegerKey = Extract<Rows, { kind: "integer" }>["name"];
export type BooleanKey = Extract<Rows, { kind: "boolean" }>["name"];
export type ChoiceKey = Extract<Rows, { kind: "choice" }>["name"];
export type TextKey<K extends TextRow["kind"]> = Extract<Rows, { kind: K }>["name"];
export type ChoiceOf<N extends ChoiceKey> = Extract<Rows, { name: N; kind: "choice" }>["choices"][number];
