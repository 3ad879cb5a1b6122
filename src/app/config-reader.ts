/**
 * Typed reads of the firmware's configuration (the manifest's "config", possibly
 * overridden on the command line, where every value arrives as a string), checked
 * against the rows of keys (config-keys.ts's, and the protocol section's): its form, its
 * range, its default. An empty
 * value is an absent one. A value that cannot be used is a ConfigError naming the key
 * and the form expected; the value itself is never echoed, since it may be a password.
 * After the reader, the two sections every protocol reads with it: the device's keys and
 * the station's static address (one module: a module costs its own symbol table).
 */
import type { StaticAddress } from "../common/board";
import { ConfigError } from "../common/errors";
import { ipv4Octets, isCanonicalDecimal, isDecimal, isPrintableAscii } from "../common/text";
import { validateTopicName } from "../mqtt/topic";
import * as keys from "./config-keys";
import * as rules from "./config-rules";
import type { BooleanKey, BooleanRow, ChoiceKey, ChoiceOf, ChoiceRow, CommonRows, IntegerKey, IntegerRow, KeyName, KeyRow, Lines, TextKey, TextKind, TextRow } from "./config-keys";

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

/** A reader of the common keys and of the protocol section whose rows are `S` (its KEYS). */
export type SectionReader<S extends string> = ConfigReader<CommonRows | Lines<S>>;

/** `R`: the rows this reader reads (config-keys.ts), as types; the common ones until a section gives its own (rows). */
export class ConfigReader<R extends string = CommonRows> {
	/** The values as given; plain fields, not #private: XS reads those slower and stores more for them. */
	declare readonly raw: RawConfig;
	/**
	 * The protocol section's rows (its KEYS), which the section sets before reading its keys
	 * and then reads through a SectionReader; "" before. A field, not a method: 41 bytes less.
	 */
	declare rows: string;
	declare readonly protocol: Protocol;

	constructor(raw: RawConfig) {
		this.raw = raw;
		this.rows = "";
		this.protocol = (this as ConfigReader).choice("protocol");
	}

	/** Whether the key has a value (neither absent nor empty). */
	given(name: KeyName<R>): boolean {
		const value = this.raw[name];
		return value !== void 0 && value !== "";
	}

	/**
	 * Text keys: the value, the table's default, or undefined. A dotted quad is checked by
	 * parseStaticAddress below; topics and client ids are read with topic() and clientId() below.
	 */
	string(name: TextKey<R, TextKind>): string | undefined {
		const row = this.row(name) as TextRow;
		const value = this.raw[name];
		if (value === void 0 || value === "") return row.default;
		if (typeof value !== "string") throw new ConfigError(name, "a string");
		if (row.max !== void 0 && value.length > row.max) throw new ConfigError(name, "a string of at most " + row.max + " characters");
		return value;
	}

	/** A key without which the firmware cannot start. */
	required(name: TextKey<R, "string" | "uri">): string {
		const value = this.string(name as TextKey<R, TextKind>);
		if (value === void 0) throw new ConfigError(name, "a non-empty string (missing or empty)");
		return value;
	}

	/** An MQTT topic name; `derived` stands in for a contextual key's default. */
	topic(name: TextKey<R, "topic">, derived?: string): string {
		const topic = this.string(name as TextKey<R, TextKind>) ?? derived ?? "";
		try {
			validateTopicName(topic);
		} catch {
			// Not the codec's reason: it quotes the topic, and a ConfigError never echoes a value.
			throw new ConfigError(name, "an MQTT topic name (no + # U+0000)");
		}
		return topic;
	}

	/** Printable ASCII without spaces, up to the row's length; "" when unset (the session generates one). */
	clientId(name: TextKey<R, "clientId">): string {
		const id = this.string(name as TextKey<R, TextKind>) ?? "";
		const max = (this.row(name) as TextRow).max ?? 0;
		if (!isPrintableAscii(id, max)) throw new ConfigError(name, "up to " + max + " printable ASCII, no spaces");
		return id;
	}

	/** `derived` stands in for a contextual key's default. */
	integer(name: IntegerKey<R>, derived?: number): number {
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

	boolean(name: BooleanKey<R>): boolean {
		const value = this.raw[name];
		if (value === void 0 || value === "") return (this.row(name) as BooleanRow).default;
		if (value === true || value === "true" || value === 1 || value === "1") return true;
		if (value === false || value === "false" || value === 0 || value === "0") return false;
		throw new ConfigError(name, "true or false");
	}

	choice<N extends ChoiceKey<R>>(name: N): ChoiceOf<N, R> {
		const row = this.row(name) as ChoiceRow;
		const value = this.raw[name];
		if (value === void 0 || value === "") return row.default as ChoiceOf<N, R>;
		const choices = row.choices;
		if (choices.indexOf(value as string) < 0) throw new ConfigError(name, 'one of "' + choices.join('", "') + '"');
		return value as ChoiceOf<N, R>;
	}

	/**
	 * The row of `name`: the common table's, else the section's. A name in neither (a key of
	 * another protocol, or read before its section gave its rows) is the firmware's bug, not the config's.
	 */
	row(name: KeyName<R>): KeyRow {
		const line = "\n" + name + " ";
		let rows: string = keys.KEYS;
		let at = rows.indexOf(line);
		if (at < 0) at = (rows = this.rows).indexOf(line);
		if (at < 0) throw new Error("no config key " + name + " for this protocol");
		return keys.parseRow(rows.slice(at + 1, rows.indexOf("\n", at + 1)));
	}
}

/**
 * The device: power mode, wake cycle, DHT22, telemetry and button keys (see the README's
 * "Mode, pins, DHT22 and sleep" section). Read before the protocol's section, whose rules
 * and defaults depend on the mode and on discovery (firmware.ts).
 */

/** The table's `mode` choices. */
export type Mode = ChoiceOf<"mode">;

export interface DeviceConfig {
	readonly mode: Mode;
	/** Sleepy: time between wakes, ms. */
	readonly sleepInterval: number;
	/** Sleepy: a wake ends after this long whatever is left undone, ms. */
	readonly maxAwake: number;
	/** Sleepy: a wake without a connection by then goes back to sleep, ms. */
	readonly networkDeadline: number;
	/** Always-on: time between readings, ms. */
	readonly readingInterval: number;
	/** The DHT22's data pin; undefined without a sensor. */
	readonly dht22Pin?: number;
	readonly telemetryTopic: string;
	readonly button?: ButtonConfig;
	/** Home Assistant's discovery prefix; undefined when discovery is off (home-assistant.ts). */
	readonly discovery?: string;
	/** Always-on: time between health reports, ms; 0 for on connect only (home-assistant.ts). */
	readonly healthInterval: number;
	/** Always-on: the lamp at power-on. */
	readonly powerOn: ChoiceOf<"powerOn">;
	/** The firmware's version, from the build. */
	readonly swVersion: string;
}

export interface ButtonConfig {
	readonly pin: number;
	readonly activeLow: boolean;
	readonly debounceMs: number;
	readonly longPressMs: number;
	/** What a long press does: nothing, or publish a fresh reading at once. */
	readonly longPress: ChoiceOf<"longPress">;
}

/** Home Assistant's prefix when discovery is on; read either way, so a bad one is refused either way. */
function discoveryPrefix(config: ConfigReader): string | undefined {
	const prefix = config.topic("discoveryPrefix");
	return config.boolean("homeAssistant") ? prefix : void 0;
}

export function parseDeviceConfig(config: ConfigReader): DeviceConfig {
	const maxAwake = config.integer("maxAwake") * 1000;
	const networkDeadline = config.integer("networkDeadline") * 1000;
	rules.deadlineWithinWake(networkDeadline, maxAwake);
	const dht22Pin = config.integer("dht22Pin");
	const buttonPin = config.integer("buttonPin");
	return {
		mode: config.choice("mode"),
		sleepInterval: config.integer("sleepInterval") * 1000,
		maxAwake,
		networkDeadline,
		readingInterval: config.integer("readingInterval") * 1000,
		dht22Pin: dht22Pin < 0 ? void 0 : dht22Pin,
		telemetryTopic: config.topic("telemetryTopic"),
		discovery: discoveryPrefix(config),
		healthInterval: config.integer("healthInterval") * 1000,
		powerOn: config.choice("powerOn"),
		swVersion: config.string("swVersion") ?? "unknown",
		button:
			buttonPin < 0
				? void 0
				: {
						pin: buttonPin,
						activeLow: config.choice("buttonActive") === "low",
						debounceMs: config.integer("debounceMs"),
						longPressMs: config.integer("longPressMs"),
						longPress: config.choice("longPress"),
					},
	};
}

/**
 * The station's static IPv4 configuration (README "Wi-Fi"): `staticIp`, `gatewayIp`,
 * `netmask` (the table's 255.255.255.0) and `dns` (the gateway). All empty, the default, is DHCP.
 * Used in both modes; it matters most to a sleepy device, whose every wake would
 * otherwise wait for a DHCP exchange. Checked here, so a typo is a ConfigError at start,
 * not a device that joins and then cannot reach anything.
 */
const DOTTED_QUAD = "an IPv4 address a.b.c.d";

/** `a.b.c.d` as a 32-bit number, or undefined; leading zeros refused (some stacks read them as octal). */
export function ipv4Number(text: string): number | undefined {
	const octets = ipv4Octets(text);
	if (!octets || !text.split(".").every((part) => isCanonicalDecimal(part, 3))) return void 0;
	return ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
}

function address(config: ConfigReader, key: "staticIp" | "gatewayIp" | "netmask" | "dns"): number | undefined {
	const text = config.string(key);
	if (text === void 0) return void 0;
	const value = ipv4Number(text);
	if (value === void 0) throw new ConfigError(key, DOTTED_QUAD);
	return value;
}

/*
 * Addresses are uint32 handled with 32-bit integer operators (`>>> 0` makes a result
 * unsigned), never `**` or a floating `%`: on the ESP8266 those link libm's pow and fmod.
 */

/** Prefix length of a contiguous mask (ones then zeros), or undefined. */
function prefixLength(mask: number): number | undefined {
	for (let bits = 0; bits <= 32; bits++) if (mask === (bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0)) return bits;
	return void 0;
}

/** A unicast host address: not 0.0.0.0/8, loopback, multicast or reserved. */
function unicast(value: number): boolean {
	const first = value >>> 24;
	return first !== 0 && first !== 127 && first < 224;
}

export function parseStaticAddress(config: ConfigReader): StaticAddress | undefined {
	// Every key is read, so that a gateway or DNS server given without staticIp is caught.
	const ip = address(config, "staticIp");
	const gateway = address(config, "gatewayIp");
	// The table's default applies, so whether it was given is asked of the reader.
	const mask = address(config, "netmask") as number;
	const dns = address(config, "dns");
	if (ip === void 0) {
		if (gateway !== void 0 || config.given("netmask") || dns !== void 0)
			throw new ConfigError("staticIp", "set with gatewayIp, netmask or dns");
		return void 0;
	}
	if (gateway === void 0) throw new ConfigError("gatewayIp", DOTTED_QUAD + " whenever staticIp is set");
	const bits = prefixLength(mask);
	// A /31 or /32 leaves no room for the station and a gateway beside it.
	if (bits === void 0 || bits < 1 || bits > 30) throw new ConfigError("netmask", "a netmask /1 to /30");
	const hostMask = ~mask >>> 0;
	const host = (ip & hostMask) >>> 0;
	if (!unicast(ip) || host === 0 || host === hostMask)
		throw new ConfigError("staticIp", DOTTED_QUAD + ": a host address in its subnet");
	if (!unicast(gateway) || (gateway & mask) >>> 0 !== (ip & mask) >>> 0 || gateway === ip)
		throw new ConfigError("gatewayIp", DOTTED_QUAD + " in staticIp's subnet, not staticIp");
	if (dns !== void 0 && !unicast(dns)) throw new ConfigError("dns", DOTTED_QUAD + ": a unicast address");
	return { ip: quad(ip), gateway: quad(gateway), netmask: quad(mask), dns: quad(dns ?? gateway) };
}

function quad(value: number): string {
	return (value >>> 24) + "." + ((value >>> 16) & 0xff) + "." + ((value >>> 8) & 0xff) + "." + (value & 0xff);
}
