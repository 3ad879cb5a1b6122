/**
 * MQTT 5.0 properties (OASIS MQTT 5.0, 2.2.2): a Property Length, then identifier/value
 * pairs. One table gives each identifier its name, its data type (1.5), the packets it may
 * appear in, and the value rule the specification attaches to it; encoding, decoding and
 * every check are driven by it. A property not allowed in its packet is a Malformed
 * Packet; one appearing twice (other than User Property, and Subscription Identifier in a
 * PUBLISH) or with a value outside its rule is a Protocol Error (reason code 0x82).
 */
import type { ByteReader, ByteWriter } from "../../common/bytes";
import { ProtocolError } from "../../common/errors";
import { utf8Length } from "../../common/utf8";
// The Variable Byte Integer (1.5.5) is 3.1.1's Remaining Length: one piece of code sizes both.
import { varIntLength, violation } from "../codec";

/** A User Property (3.1.2.11.8): a name and a value, kept in order, names may repeat. */
export type UserProperty = readonly [name: string, value: string];

export interface Properties {
	payloadFormatIndicator?: number;
	messageExpiryInterval?: number;
	contentType?: string;
	responseTopic?: string;
	correlationData?: Uint8Array;
	/** In a PUBLISH from the server one per matching subscription; in SUBSCRIBE at most one. */
	subscriptionIdentifier?: number[];
	sessionExpiryInterval?: number;
	assignedClientIdentifier?: string;
	serverKeepAlive?: number;
	authenticationMethod?: string;
	authenticationData?: Uint8Array;
	requestProblemInformation?: number;
	willDelayInterval?: number;
	requestResponseInformation?: number;
	responseInformation?: string;
	serverReference?: string;
	reasonString?: string;
	receiveMaximum?: number;
	topicAliasMaximum?: number;
	topicAlias?: number;
	maximumQoS?: number;
	retainAvailable?: number;
	userProperties?: UserProperty[];
	maximumPacketSize?: number;
	wildcardSubscriptionAvailable?: number;
	subscriptionIdentifiersAvailable?: number;
	sharedSubscriptionAvailable?: number;
}

/** Data types, 1.5 (the digits of KINDS below; 7 is Binary Data). */
const BYTE = 1;
const TWO_BYTE = 2;
const FOUR_BYTE = 3;
const VARIABLE = 4;
const UTF8 = 5;
const PAIR = 6;

/** Value rules (0: none): a byte that is 0 or 1; an integer that must not be 0; a Topic Name (Response Topic). */
const FLAG = 1;
const NON_ZERO = 2;
const TOPIC = 3;

/** Where a property may appear: bit `1 << packet type`; bit 0 for the Will Properties (3.1.3.2). */
export const IN_WILL = 1;
const C = 1 << 1; // CONNECT
const CA = 1 << 2; // CONNACK
const P = 1 << 3; // PUBLISH
const ACKS = (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7);
const S = 1 << 8; // SUBSCRIBE
const SA = 1 << 9; // SUBACK
const UA = 1 << 11; // UNSUBACK
const D = 1 << 14; // DISCONNECT
const A = 1 << 15; // AUTH
const ALL = 0xfffe | IN_WILL;

type Name = keyof Properties;

/**
 * Table 2-4 as parallel lists, in its order (strings and flat arrays: a literal of
 * tuples costs XS several times the flash): the identifiers, one character each; the
 * names; per property its data type digit then its rule digit; where it may appear.
 */
const IDS = "\x01\x02\x03\x08\x09\x0b\x11\x12\x13\x15\x16\x17\x18\x19\x1a\x1c\x1f\x21\x22\x23\x24\x25\x26\x27\x28\x29\x2a";
const NAMES: readonly Name[] = [
	"payloadFormatIndicator",
	"messageExpiryInterval",
	"contentType",
	"responseTopic",
	"correlationData",
	"subscriptionIdentifier",
	"sessionExpiryInterval",
	"assignedClientIdentifier",
	"serverKeepAlive",
	"authenticationMethod",
	"authenticationData",
	"requestProblemInformation",
	"willDelayInterval",
	"requestResponseInformation",
	"responseInformation",
	"serverReference",
	"reasonString",
	"receiveMaximum",
	"topicAliasMaximum",
	"topicAlias",
	"maximumQoS",
	"retainAvailable",
	"userProperties",
	"maximumPacketSize",
	"wildcardSubscriptionAvailable",
	"subscriptionIdentifiersAvailable",
	"sharedSubscriptionAvailable",
];
const KINDS = "113050537042305020507011301150505022202211116032111111";
const WHERE: readonly number[] = [
	P | IN_WILL,
	P | IN_WILL,
	P | IN_WILL,
	P | IN_WILL,
	P | IN_WILL,
	P | S,
	C | CA | D,
	CA,
	CA,
	C | CA | A,
	C | CA | A,
	C,
	IN_WILL,
	C,
	CA,
	CA | D,
	CA | ACKS | SA | UA | D | A,
	C | CA,
	C | CA,
	P,
	CA,
	CA,
	ALL,
	C | CA,
	CA,
	CA,
	CA,
];

type Value = number | string | Uint8Array | number[] | UserProperty[];

/** Bytes of the properties' content (what the Property Length counts); checks each against `where`. */
export function propertiesLength(properties: Properties | undefined, where: number): number {
	if (!properties) return 0;
	const record = properties as Record<string, Value | undefined>;
	let length = 0;
	for (let i = 0; i < NAMES.length; i++) {
		const name = NAMES[i];
		const value = record[name];
		if (value === undefined) continue;
		if (!(WHERE[i] & where)) throw violation(`property ${name} not allowed here`);
		const type = digit(KINDS, 2 * i);
		const rule = digit(KINDS, 2 * i + 1);
		if (type === PAIR) {
			for (const [key, text] of value as UserProperty[]) length += 5 + stringLength(key) + stringLength(text);
		} else if (name === "subscriptionIdentifier") {
			const ids = value as number[];
			if (ids.length > 1 && where !== 1 << 3) throw violation("one Subscription Identifier at most");
			for (const n of ids) {
				checkValue(name, type, rule, n);
				length += 1 + varIntLength(n);
			}
		} else {
			checkValue(name, type, rule, value);
			length += 1 + valueLength(type, value);
		}
	}
	return length;
}

/** Writes the Property Length and the properties; `length` is propertiesLength's answer. */
export function writeProperties(w: ByteWriter, properties: Properties | undefined, length: number): void {
	writeVariable(w, length);
	if (!properties || length === 0) return;
	const record = properties as Record<string, Value | undefined>;
	for (let i = 0; i < NAMES.length; i++) {
		const value = record[NAMES[i]];
		if (value === undefined) continue;
		const id = code(IDS, i);
		const type = digit(KINDS, 2 * i);
		if (type === PAIR) {
			for (const [key, text] of value as UserProperty[]) {
				w.byte(id);
				string(w, key);
				string(w, text);
			}
		} else if (id === 0x0b) {
			for (const n of value as number[]) {
				w.byte(id);
				writeVariable(w, n);
			}
		} else {
			w.byte(id);
			writeValue(w, type, value);
		}
	}
}

/** Reads a Property Length and the properties it covers, checking every rule for a packet of kind `where`. */
export function readProperties(r: ByteReader, where: number): Properties {
	const length = readVariable(r);
	if (length === 0) return {};
	if (length > r.remaining) throw r.malformed("properties run past the packet");
	const end = r.offset + length;
	const result: Record<string, Value> = {};
	while (r.offset < end) {
		const id = readVariable(r);
		const i = id < 128 ? IDS.indexOf(String.fromCharCode(id)) : -1;
		if (i < 0 || !(WHERE[i] & where)) throw r.malformed(`property identifier ${id} not allowed here`);
		const name = NAMES[i];
		const type = digit(KINDS, 2 * i);
		const rule = digit(KINDS, 2 * i + 1);
		const seen = result[name];
		if (type === PAIR) {
			const pair: UserProperty = [readString(r), readString(r)];
			if (seen) (seen as UserProperty[]).push(pair);
			else result[name] = [pair];
			continue;
		}
		const value = readValue(r, type);
		checkValue(name, type, rule, value);
		if (id === 0x0b) {
			if (seen && where !== 1 << 3) throw violation("Subscription Identifier twice");
			if (seen) (seen as number[]).push(value as number);
			else result[name] = [value as number];
			continue;
		}
		if (seen !== undefined) throw violation(`property ${name} twice`);
		result[name] = value;
	}
	if (r.offset !== end) throw r.malformed("a property runs past the Property Length");
	return result as Properties;
}

export function writeVariable(w: ByteWriter, value: number): void {
	while (value > 127) {
		w.byte((value & 127) | 128);
		value >>= 7;
	}
	w.byte(value);
}

/** A Variable Byte Integer; a fifth byte or a non-minimal encoding is malformed (1.5.5). */
export function readVariable(r: ByteReader): number {
	let value = 0;
	let multiplier = 1;
	for (let i = 0; i < 4; i++) {
		const digit = r.byte();
		if (digit === 0 && i > 0) throw r.malformed("variable byte integer not in its shortest form");
		value += (digit & 127) * multiplier;
		if ((digit & 128) === 0) return value;
		multiplier *= 128;
	}
	throw r.malformed("variable byte integer over 4 bytes");
}

/** A UTF-8 string with its two-byte length (1.5.4). */
export function string(w: ByteWriter, text: string): void {
	const at = w.offset;
	w.offset += 2;
	w.utf8(text);
	w.target[at] = (w.offset - at - 2) >> 8;
	w.target[at + 1] = (w.offset - at - 2) & 0xff;
}

export function readString(r: ByteReader): string {
	const length = r.u16();
	const text = r.utf8(length);
	return text;
}

export function stringLength(text: string): number {
	const length = utf8Length(text);
	if (length < 0 || length > 0xffff) throw new ProtocolError("MALFORMED_PACKET", "string not UTF-8 or over 65535 bytes");
	return length;
}

export function binaryLength(bytes: Uint8Array): number {
	if (bytes.length > 0xffff) throw new ProtocolError("MALFORMED_PACKET", "binary data over 65535 bytes");
	return bytes.length;
}

function valueLength(type: number, value: Value): number {
	switch (type) {
		case BYTE:
			return 1;
		case TWO_BYTE:
			return 2;
		case FOUR_BYTE:
			return 4;
		case VARIABLE:
			return varIntLength(value as number);
		case UTF8:
			return 2 + stringLength(value as string);
		default:
			return 2 + binaryLength(value as Uint8Array);
	}
}

function writeValue(w: ByteWriter, type: number, value: Value): void {
	switch (type) {
		case BYTE:
			return w.byte(value as number);
		case TWO_BYTE:
			return w.u16(value as number);
		case FOUR_BYTE:
			return w.u32(value as number);
		case VARIABLE:
			return writeVariable(w, value as number);
		case UTF8:
			return string(w, value as string);
		default:
			w.u16((value as Uint8Array).length);
			w.bytes(value as Uint8Array);
	}
}

function readValue(r: ByteReader, type: number): number | string | Uint8Array {
	switch (type) {
		case BYTE:
			return r.byte();
		case TWO_BYTE:
			return r.u16();
		case FOUR_BYTE:
			return r.u32();
		case VARIABLE:
			return readVariable(r);
		case UTF8:
			return readString(r);
		default:
			return r.bytes(r.u16()).slice();
	}
}

/** Character `i` of `text` as a number (called this way XS boxes no string, utf8.ts). */
function code(text: string, i: number): number {
	return String.prototype.charCodeAt.call(text, i);
}

function digit(text: string, i: number): number {
	return code(text, i) - 48;
}

const LIMITS = [0, 0xff, 0xffff, 0xffffffff, 268_435_455];

function checkValue(name: string, type: number, rule: number, value: Value): void {
	if (type <= VARIABLE) {
		const n = value as number;
		if (typeof n !== "number" || n < 0 || n > LIMITS[type] || Math.floor(n) !== n) throw violation(`property ${name} value ${n}`);
		if ((rule === FLAG && n > 1) || (rule === NON_ZERO && n === 0)) throw violation(`property ${name} value ${n}`);
	} else if (rule === TOPIC) {
		// A Response Topic is a Topic Name: not empty, no wildcards (3.3.2.3.5).
		const text = value as string;
		if (text.length === 0) throw violation(`property ${name} empty`);
		for (let i = 0; i < text.length; i++) {
			const c = text.charCodeAt(i);
			if (c === 0x23 || c === 0x2b) throw violation(`property ${name} holds a wildcard`);
		}
	}
}
