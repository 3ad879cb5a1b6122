/**
 * Every configuration key the firmware reads, once: its name, its form, its default and
 * the protocols it applies to. The reader (config-reader.ts) checks values against this
 * table, the manifest's "config" holds these defaults and the README's tables are written
 * from it (tools/config-table.ts); host-tests/static/config-table.test.ts fails when they
 * drift. What each key means lives beside the generator (tools/config-docs.ts), not here.
 *
 * A row is one line of words: `name kind default ...` then the kind's fields, then the
 * protocols it applies to (none: all) and its flags. "-" is none.
 *   integer  default min max
 *   boolean  default
 *   choice   a|b|c                  the first is the default
 *   string   default max            any text up to max characters
 *   clientId - max                  printable ASCII without spaces, up to max
 *   ipv4, topic, uri, topics  default -   a dotted quad, an MQTT topic name; a URI or a
 *                                   "name=id" list, whose form the protocol's section parses
 * Flags: "contextual", a default other keys change (the mode, staticIp), so the manifest
 * leaves the key empty; "secret", never echoed, never given a default. A name has one row
 * per protocol where its form or default differs there. A key without a default is unset
 * when absent or empty, and its section says what that means (required, generated, derived).
 *
 * Rows are strings, not objects: the table lives in the device's flash, where 57 row
 * objects took 462 preloaded heap slots (7.4 KB at 16 bytes) besides 4 KB of bytecode; as
 * strings the module is 4.1 KB of bytecode and about 100 slots (the index below). The rows
 * are one string, split at load: 67 string literals in an array literal took 670 bytes more.
 *
 * The protocols' own defaults (MQTT-SN 7.2's timers, RFC 7252 4.8's parameters, CoAP's
 * port) are written out, not imported: every image carries this table, and an import
 * would carry those protocols' modules into images without them.
 * host-tests/static/config-table.test.ts fails when a number here leaves the protocol's.
 */

/**
 * The rows, one a line, in sections:
 * - Wi-Fi and the station's address (config-reader.ts); the boards join with ssid, password, sntp.
 * - MQTT (config-mqtt.ts); cleanSession and the backoff apply to MQTT-SN too. clientId: servers
 *   must accept 1-23 characters of [0-9a-zA-Z] (3.1.3.1); most accept far more.
 * - The lamp (config.ts).
 * - Mode, DHT22, telemetry, button (config.ts); times in seconds unless named ms.
 * - Home Assistant discovery, health, power-on state (config.ts); swVersion is the build's
 *   (package.json's, written into the manifest).
 * - MQTT-SN (config-mqttsn.ts): the keys it shares with MQTT have their own forms and defaults
 *   here. A ClientId has 1 to 23 characters (MQTT-SN 5.3.1). MQTT-SN has no registered port;
 *   1883 is what most gateways and clients use over UDP.
 * - CoAP (config-coap.ts); the transmission parameters default to RFC 7252 4.8's. coaps (DTLS,
 *   RFC 7252 9.1.3.1 PSK mode): the key is hex, up to 64 bytes. blockSize: a power of two from
 *   16 (SZX 0) to 1024 (SZX 6), RFC 7959 2.2.
 */
const TABLE = `ssid string - 32
password string - 64 secret
sntp string pool.ntp.org 253
staticIp ipv4 - -
gatewayIp ipv4 - -
netmask ipv4 255.255.255.0 - contextual
dns ipv4 - - contextual
protocol choice mqtt|mqttsn|coap
broker uri - - mqtt
mqttVersion choice 3.1.1|5 mqtt
brokerCa string - - mqtt
brokerCert string - - mqtt
brokerKey string - - mqtt secret
clientId clientId - 64 mqtt
brokerUsername string - - mqtt
brokerPassword string - - mqtt secret
keepAlive integer 60 0 65535 mqtt
cleanSession boolean true mqtt mqttsn
qos integer 1 0 2 mqtt
reconnectBase integer 1000 10 3600000 mqtt mqttsn
reconnectCap integer 60000 10 86400000 mqtt mqttsn
maxPacketSize integer 8192 128 268435460 mqtt
inflightWindow integer 16 1 65535 mqtt
lampTopic topic home/office/lamp -
stateTopic topic - - contextual
statusTopic topic - - contextual
lampPin integer 2 0 48
lampActive choice high|low
mode choice always-on|sleepy
sleepInterval integer 300 1 86400
maxAwake integer 30 1 600
networkDeadline integer 10 1 600
readingInterval integer 60 2 86400
dht22Pin integer 4 -1 48
telemetryTopic topic home/office/dht22 -
buttonPin integer 0 -1 48
buttonActive choice low|high
debounceMs integer 30 1 1000
longPressMs integer 1000 0 60000
longPress choice reading|none
homeAssistant boolean false
discoveryPrefix topic homeassistant -
healthInterval integer 300 0 86400
powerOn choice off|on|restore
swVersion string - 32
clientId clientId - 23 mqttsn
keepAlive integer 60 0 65535 mqttsn contextual
qos integer 1 -1 2 mqttsn
maxPacketSize integer 1024 16 65535 mqttsn
gateway uri - - mqttsn
gatewaySearch uri udp://255.255.255.255:1883 - mqttsn
searchRadius integer 1 0 255 mqttsn
mqttsnPort integer 0 0 65535 mqttsn contextual
predefinedTopics topics - - mqttsn
tRetry integer 10000 10 3600000 mqttsn contextual
nRetry integer 5 0 100 mqttsn
tWait integer 300000 10 86400000 mqttsn
coapPort integer 5683 0 65535 coap contextual
collector uri - - coap
coapPskIdentity string - 128 coap
coapPsk string - 128 coap secret
coapType choice con|non coap
ackTimeout integer 2000 10 600000 coap
ackRandomFactorTenths integer 15 10 100 coap
maxRetransmit integer 4 0 20 coap
nstart integer 1 1 16 coap
blockSize integer 1024 16 1024 coap`;

/** The table's rows, split once when the module loads (at preload, on the device, so in flash). */
export const KEYS = TABLE.split("\n") as readonly Rows[];


/**
 * The index of each name's first row: built once, when the module loads (at preload, on
 * the device, so it is in flash), so that a lookup does not scan the table.
 */
export const FIRST_ROW: Readonly<Record<string, number>> = indexRows();

function indexRows(): Record<string, number> {
	const index: Record<string, number> = {};
	for (let i = KEYS.length - 1; i >= 0; i--) index[KEYS[i].slice(0, KEYS[i].indexOf(" "))] = i;
	return index;
}

/** The protocols a row applies to, as bits. */
export const MQTT = 1;
export const MQTTSN = 2;
export const COAP = 4;
export const ANY = 7;
export const PROTOCOL_BITS: Readonly<Record<string, number>> = { mqtt: MQTT, mqttsn: MQTTSN, coap: COAP };
export const CONTEXTUAL = 1;
export const SECRET = 2;

interface Row {
	readonly name: string;
	readonly on: number;
	readonly flags: number;
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
export type TextKind = "string" | "clientId" | "ipv4" | "topic" | "uri" | "topics";
export interface TextRow extends Row {
	readonly kind: TextKind;
	readonly default?: string;
	readonly max?: number;
}
export type KeyRow = IntegerRow | BooleanRow | ChoiceRow | TextRow;

/**
 * A row's words as a row; run per lookup (config-reader.ts), so nothing of it stays in the
 * heap. One object literal for every kind (a field the kind lacks is undefined): four
 * literals took ~300 bytes more bytecode.
 */
export function parseRow(text: string): KeyRow {
	const words = text.split(" ");
	const kind = words[1];
	const integer = kind === "integer";
	const fields = integer ? 5 : kind === "boolean" || kind === "choice" ? 3 : 4;
	let on = 0;
	let flags = 0;
	for (let i = fields; i < words.length; i++) {
		const word = words[i];
		if (word === "contextual") flags |= CONTEXTUAL;
		else if (word === "secret") flags |= SECRET;
		else on |= PROTOCOL_BITS[word];
	}
	const fallback = words[2] === "-" ? void 0 : words[2];
	const choices = kind === "choice" ? words[2].split("|") : void 0;
	return {
		name: words[0],
		kind,
		on: on || ANY,
		flags,
		default: integer ? Number(fallback) : kind === "boolean" ? fallback === "true" : choices ? choices[0] : fallback,
		min: integer ? Number(words[3]) : void 0,
		max: integer ? Number(words[4]) : fields === 4 && words[3] !== "-" ? Number(words[3]) : void 0,
		choices,
	} as KeyRow;
}

/** The lines of TABLE, as types: each row's words name its key, kind and choices for the reader's signatures. */
type Lines<S extends string, R = never> = S extends `${infer L}\n${infer T}` ? Lines<T, R | L> : R | S;
type Rows = Lines<typeof TABLE>;
type NameOf<R> = R extends `${infer N} ${string}` ? N : never;
type OfKind<K extends string> = Extract<Rows, `${string} ${K} ${string}`>;
type FirstWord<T extends string> = T extends `${infer W} ${string}` ? W : T;
type Split<T extends string> = T extends `${infer A}|${infer B}` ? A | Split<B> : T;
export type KeyName = NameOf<Rows>;
export type IntegerKey = NameOf<OfKind<"integer">>;
export type BooleanKey = NameOf<OfKind<"boolean">>;
export type ChoiceKey = NameOf<Extract<Rows, `${string} choice ${string}`>>;
export type TextKey<K extends TextKind> = NameOf<OfKind<K>>;
export type ChoiceOf<N extends ChoiceKey> = Extract<Rows, `${N} choice ${string}`> extends `${N} choice ${infer C}` ? Split<FirstWord<C>> : never;
