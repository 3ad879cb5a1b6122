/**
 * Typed reads of the firmware's configuration (the manifest's "config", possibly
 * overridden on the command line, where every value arrives as a string), checked
 * against the table of keys (config-keys.ts): its form, its range, its default. An empty
 * value is an absent one. A value that cannot be used is a ConfigError naming the key
 * and the form expected; the value itself is never echoed, since it may be a password.
 */
import { ConfigError } from "../common/errors";
import { isDecimal, isPrintableAscii } from "../common/text";
import { validateTopicName } from "../mqtt/topic";
import * as keys from "./config-keys";
import type { BooleanKey, BooleanRow, ChoiceKey, ChoiceOf, ChoiceRow, IntegerKey, IntegerRow, KeyName, KeyRow, TextKey, TextKind, TextRow } from "./config-keys";

export type RawConfig = Readonly<Record<string, unknown>>;

/** What the board and the image say about themselves, beside the config (firmware.ts parseConfig). */
export interface ParseOptions {
	/** The board joins Wi-Fi itself and so needs `ssid` (device boards, not the host). */
	readonly wifi: boolean;
	/** False on a build without TLS (the ESP8266's default image): an mqtts:// broker is refused at start. */
	readonly tls?: boolean;
	/** False on a build without the WebSocket client (the ESP8266's): a ws:// or wss:// broker is refused at start. */
	readonly websocket?: boolean;
}

/** The protocols the firmware speaks (the table's `protocol` choices); each brings its own config section. */
export type Protocol = ChoiceOf<"protocol">;

export class ConfigReader {
	/** The values as given; plain fields, not #private: XS reads those slower and stores more for them. */
	declare readonly raw: RawConfig;
	/** The bits of the rows that apply (config-keys.ts). */
	declare on: number;
	/** Which rows apply: the protocol is read first, since some keys differ per protocol. */
	declare readonly protocol: Protocol;

	constructor(raw: RawConfig) {
		this.raw = raw;
		this.on = keys.ANY;
		this.protocol = this.choice("protocol");
		this.on = keys.PROTOCOL_BITS[this.protocol];
	}

	/** Whether the key has a value (neither absent nor empty). */
	given(name: KeyName): boolean {
		const value = this.raw[name];
		return value !== void 0 && value !== "";
	}

	/**
	 * Text keys: the value, the table's default, or undefined. A dotted quad is checked by
	 * config-network.ts; topics and client ids are read with topic() and clientId() below.
	 */
	string(name: TextKey<TextKind>): string | undefined {
		const row = this.row(name) as TextRow;
		const value = this.raw[name];
		if (value === void 0 || value === "") return row.default;
		if (typeof value !== "string") throw new ConfigError(name, "a string");
		if (row.max !== void 0 && value.length > row.max) throw new ConfigError(name, "a string of at most " + row.max + " characters");
		return value;
	}

	/** A key without which the firmware cannot start. */
	required(name: TextKey<"string" | "uri">): string {
		const value = this.string(name);
		if (value === void 0) throw new ConfigError(name, "a non-empty string (missing or empty)");
		return value;
	}

	/** An MQTT topic name; `derived` stands in for a contextual key's default. */
	topic(name: TextKey<"topic">, derived?: string): string {
		const topic = this.string(name) ?? derived ?? "";
		try {
			validateTopicName(topic);
		} catch {
			// Not the codec's reason: it quotes the topic, and a ConfigError never echoes a value.
			throw new ConfigError(name, "an MQTT topic name (no + # U+0000)");
		}
		return topic;
	}

	/** Printable ASCII without spaces, up to the row's length; "" when unset (the session generates one). */
	clientId(name: TextKey<"clientId">): string {
		const id = this.string(name) ?? "";
		const max = (this.row(name) as TextRow).max ?? 0;
		if (!isPrintableAscii(id, max)) throw new ConfigError(name, "up to " + max + " printable ASCII, no spaces");
		return id;
	}

	/** `derived` stands in for a contextual key's default. */
	integer(name: IntegerKey, derived?: number): number {
		const row = this.row(name) as IntegerRow;
		const value = this.raw[name];
		if (value === void 0 || value === "") return derived ?? row.default;
		// Decimal digits with an optional minus sign.
		const text = typeof value === "string" ? value.trim() : "";
		const number = isDecimal(text[0] === "-" ? text.slice(1) : text) ? Number(value) : value;
		if (typeof number !== "number" || !Number.isInteger(number) || number < row.min || number > row.max)
			throw new ConfigError(name, "an integer from " + row.min + " to " + row.max);
		return number;
	}

	boolean(name: BooleanKey): boolean {
		const value = this.raw[name];
		if (value === void 0 || value === "") return (this.row(name) as BooleanRow).default;
		if (value === true || value === "true" || value === 1 || value === "1") return true;
		if (value === false || value === "false" || value === 0 || value === "0") return false;
		throw new ConfigError(name, "true or false");
	}

	choice<N extends ChoiceKey>(name: N): ChoiceOf<N> {
		const row = this.row(name) as ChoiceRow;
		const value = this.raw[name];
		if (value === void 0 || value === "") return row.default as ChoiceOf<N>;
		const choices = row.choices;
		if (choices.indexOf(value as string) < 0) throw new ConfigError(name, 'one of "' + choices.join('", "') + '"');
		return value as ChoiceOf<N>;
	}

	/** The row of `name` for this protocol; a name missing from the table is the firmware's bug, not the config's. */
	row(name: KeyName): KeyRow {
		const prefix = name + " ";
		// A name's further rows (one per protocol) come later in the table.
		for (let i = keys.FIRST_ROW[name] ?? keys.KEYS.length; i < keys.KEYS.length; i++) {
			const text: string = keys.KEYS[i];
			if (!text.startsWith(prefix)) continue;
			const row = keys.parseRow(text);
			if ((row.on & this.on) !== 0) return row;
		}
		throw new Error("no config key " + name + " for this protocol");
	}
}
