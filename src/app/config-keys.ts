/**
 * The configuration keys every image reads, once: their names, forms and defaults. Each
 * protocol's keys are in its section's module (config-mqtt.ts, config-mqttsn.ts,
 * config-coap.ts: KEYS), in the same form, so an image carries the rows of its protocols
 * only; the reader (config-reader.ts) checks values against these rows and the section's.
 * The manifest's "config" holds their defaults and the README's tables are written from
 * all of them (tools/config-table.ts); host-tests/static/config-table.test.ts fails when
 * they drift. What each key means lives beside the generator (tools/config-docs.ts), not here.
 *
 * A row is one line of words: `name kind default ...` then the kind's fields, then its
 * flags. "-" is none.
 *   integer  default min max
 *   boolean  default
 *   choice   a|b|c                  the first is the default
 *   string   default max            any text up to max characters
 *   clientId - max                  printable ASCII without spaces, up to max
 *   ipv4, topic, uri, topics  default -   a dotted quad, an MQTT topic name; a URI or a
 *                                   "name=id" list, whose form the protocol's section parses
 * Flags, which the tools read (the device has no use for them): "contextual", a default
 * other keys change (the mode, staticIp), so the manifest leaves the key empty; "secret",
 * never echoed, never given a default. A protocol's own row of a name (MQTT-SN's clientId)
 * has that protocol's form and default; a name is in these rows or in a protocol's, never
 * both. A key without a default is unset when absent or empty, and its section says what
 * that means (required, generated, derived).
 *
 * Rows are lines of one string, not objects: the table lives in the device's flash, where
 * 57 row objects took 462 preloaded heap slots (7.4 KB at 16 bytes) besides 4 KB of
 * bytecode. A lookup finds the name's line in the string (config-reader.ts), so the
 * table needs no index nor array in the heap. Each table starts and ends with a newline,
 * so every row is "\n" + name + " " ... "\n".
 *
 * The rows, in sections:
 * - Wi-Fi and the station's address (config-reader.ts); the boards join with ssid, password, sntp.
 * - The protocol, whose section gives the reader its own rows (config-reader.ts rows).
 * - The lamp (config.ts).
 * - Mode, DHT22, telemetry, button (config.ts); times in seconds unless named ms.
 * - Home Assistant discovery, health, power-on state (config.ts); swVersion is the build's
 *   (package.json's, written into the manifest).
 */
export const KEYS = `
ssid string - 32
password string - 64 secret
sntp string pool.ntp.org 253
staticIp ipv4 - -
gatewayIp ipv4 - -
netmask ipv4 255.255.255.0 - contextual
dns ipv4 - - contextual
protocol choice mqtt|mqttsn|coap
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
`;

/** The row's words but its flags, which the tools read (tools/config-table.ts): the device has no use for them. */
interface Row {
	readonly name: string;
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
	const fallback = words[2] === "-" ? void 0 : words[2];
	const choices = kind === "choice" ? words[2].split("|") : void 0;
	return {
		name: words[0],
		kind,
		default: integer ? Number(fallback) : kind === "boolean" ? fallback === "true" : choices ? choices[0] : fallback,
		min: integer ? Number(words[3]) : void 0,
		max: integer ? Number(words[4]) : fields === 4 && words[3] !== "-" ? Number(words[3]) : void 0,
		choices,
	} as KeyRow;
}

/**
 * A table's lines, as types: each row's words name its key, kind and choices for the
 * reader's signatures. `R`, below, is the rows a reader reads: these, and once its section
 * has given them, its protocol's (config-reader.ts rows).
 */
export type Lines<S extends string, R = never> = S extends `${infer L}\n${infer T}` ? Lines<T, R | L> : R | S;
export type CommonRows = Lines<typeof KEYS>;
type NameOf<R> = R extends `${infer N} ${string}` ? N : never;
type OfKind<R, K extends string> = Extract<R, `${string} ${K} ${string}`>;
type FirstWord<T extends string> = T extends `${infer W} ${string}` ? W : T;
type Split<T extends string> = T extends `${infer A}|${infer B}` ? A | Split<B> : T;
export type KeyName<R> = NameOf<R>;
export type IntegerKey<R> = NameOf<OfKind<R, "integer">>;
export type BooleanKey<R> = NameOf<OfKind<R, "boolean">>;
export type ChoiceKey<R> = NameOf<OfKind<R, "choice">>;
export type TextKey<R, K extends TextKind> = NameOf<OfKind<R, K>>;
export type ChoiceOf<N extends string, R = CommonRows> = Extract<R, `${N} choice ${string}`> extends `${N} choice ${infer C}` ? Split<FirstWord<C>> : never;
