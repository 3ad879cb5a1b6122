/**
 * CoAP messages (RFC 7252 section 3) as plain data, their codec, which turns them into
 * bytes and back (3.1), and their options' values (5.10, RFC 7641 2, RFC 7959
 * 2.1 and 4): one module, since each module costs the device its own symbol and import
 * tables (options.ts re-exports it for the hosts' tests). Decoded tokens, option values and
 * payloads are views into the datagram: a caller that keeps one past the datagram copies it.
 * A message format error is a ProtocolError MALFORMED_PACKET.
 */
import { ProtocolError } from "../common/errors";
import { readUtf8 } from "../common/utf8";
import { Class, Option, type CoapMessage, type CoapOption, type MessageType } from "./types";

export type { CoapMessage, CoapOption, Content, MessageType } from "./types";
export { Class, Code, Format, Option, Type } from "./types";

/** "2.05" for 69: how codes are written in the RFCs and in logs. */
export function codeName(value: number): string {
	const detail = value & 0x1f;
	return (value >> 5) + (detail < 10 ? ".0" : ".") + detail;
}

/** 2.xx. */
export function isSuccess(value: number): boolean {
	return value >> 5 === Class.SUCCESS;
}

export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);

/** A token as a string of its bytes, for keys: one call, no array made (apply takes the typed array as it is). */
export function tokenKey(token: Uint8Array): string {
	return String.fromCharCode.apply(null, token as unknown as number[]);
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
	if (a.length !== b.length) return false;
	for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
	return true;
}

/** `message` in a new array of its size (encodeParts). */
export function encode(message: CoapMessage): Uint8Array {
	return encodeParts(message.type, message.code, message.messageId, message.token, message.options, message.payload);
}

/**
 * A message of these parts in a new array of its size: the endpoint's answers go through
 * here without a message object made for them. Throws for a token over 8 bytes or options
 * out of order. Sized and written in one call; values go in by one `set`, native (a
 * JavaScript loop costs XS ~20 computrons a byte, `set` 2); a single byte, and a one-byte
 * option header, by a store.
 */
export function encodeParts(type: MessageType, code: number, messageId: number, token: Uint8Array, options: readonly CoapOption[], payload: Uint8Array): Uint8Array {
	const tokenLength = token.length;
	if (tokenLength > 8) throw malformed("a token longer than 8 bytes");
	const payloadLength = payload.length;
	// The header, the token, and the payload with its marker; the options are added as they are walked.
	let length = payloadLength > 0 ? 5 + tokenLength + payloadLength : 4 + tokenLength;
	let previous = 0;
	for (let i = 0; i < options.length; i++) {
		const option = options[i];
		const number = option.number;
		const size = option.value.length;
		// `& 0xffff` keeps an integer in 0-65535 as it is: anything else (fractions, negatives, more) differs.
		if (number < previous || (number & 0xffff) !== number) throw malformed("option numbers not ascending in 0-65535");
		// The header byte and the value; extension bytes only for a delta or length of 13 or more.
		length += 1 + size;
		if (size >= 13 || number - previous >= 13) {
			if (size > 65535 + 269) throw new ProtocolError("PACKET_TOO_LARGE", "option value over 65804 bytes");
			const delta = number - previous;
			length += (delta < 13 ? 0 : delta < 269 ? 1 : 2) + (size < 13 ? 0 : size < 269 ? 1 : 2);
		}
		previous = number;
	}
	const target = new Uint8Array(length);
	target[0] = 0x40 | (type << 4) | tokenLength;
	target[1] = code;
	target[2] = messageId >> 8;
	target[3] = messageId;
	if (tokenLength > 0) target.set(token, 4);
	let at = 4 + tokenLength;
	previous = 0;
	for (let i = 0; i < options.length; i++) {
		const option = options[i];
		const value = option.value;
		const size = value.length;
		const delta = option.number - previous;
		if (delta < 13 && size < 13) target[at++] = (delta << 4) | size;
		else {
			// The nibbles' byte, then 1 or 2 extension bytes each for a delta or length of 13 or more (3.1).
			const head = at++;
			let nibbles = 0;
			// A Uint8Array keeps the low 8 bits of what is stored: no masks.
			if (delta >= 269) {
				target[at++] = (delta - 269) >> 8;
				target[at++] = delta - 269;
				nibbles = 14 << 4;
			} else if (delta >= 13) {
				target[at++] = delta - 13;
				nibbles = 13 << 4;
			} else nibbles = delta << 4;
			if (size >= 269) {
				target[at++] = (size - 269) >> 8;
				target[at++] = size - 269;
				nibbles |= 14;
			} else if (size >= 13) {
				target[at++] = size - 13;
				nibbles |= 13;
			} else nibbles |= size;
			target[head] = nibbles;
		}
		if (size === 1) target[at] = value[0];
		else if (size > 1) target.set(value, at);
		at += size;
		previous = option.number;
	}
	if (payloadLength > 0) {
		target[at] = 0xff;
		target.set(payload, at + 1);
	}
	return target;
}

/**
 * The options of a message as they go on the wire (3.1), deltas from 0: what follows the
 * token and comes before the payload marker. A request repeated to one URI encodes them once.
 * Throws for options out of order (encodeParts).
 */
export function encodeOptions(options: readonly CoapOption[]): Uint8Array {
	return encodeParts(0, 0, 0, EMPTY_BYTES, options, EMPTY_BYTES).subarray(4);
}

/** A message of encoded `options` (encodeOptions: a client sending to one URI, a server's usual answer) in a new array: two copies and the header, no option walked. */
export function assemble(type: MessageType, code: number, messageId: number, token: Uint8Array, options: Uint8Array, payload: Uint8Array): Uint8Array {
	const tokenLength = token.length;
	const head = 4 + tokenLength + options.length;
	const length = payload.length;
	const target = new Uint8Array(length > 0 ? head + 1 + length : head);
	target[0] = 0x40 | (type << 4) | tokenLength;
	target[1] = code;
	target[2] = messageId >> 8;
	target[3] = messageId;
	if (tokenLength > 0) target.set(token, 4);
	if (options.length > 0) target.set(options, 4 + tokenLength);
	if (length > 0) {
		target[head] = 0xff;
		target.set(payload, head + 1);
	}
	return target;
}

function malformed(why: string): ProtocolError {
	return new ProtocolError("MALFORMED_PACKET", why);
}

/** The delta or length a nibble of 13 or 14 stands for (3.1), reading its 1 or 2 extension bytes at `at`; -1 when they are cut off. */
function extended(bytes: Uint8Array, at: number, nibble: number): number {
	if (at + nibble - 12 > bytes.length) return -1;
	return nibble === 13 ? bytes[at] + 13 : ((bytes[at] << 8) | bytes[at + 1]) + 269;
}

/**
 * The critical (odd-numbered) options below 32 this implementation understands, a bit
 * each: If-Match 1, Uri-Host 3, If-None-Match 5, Uri-Port 7, Uri-Path 11, Uri-Query 15,
 * Accept 17, Block2 23, Block1 27; above them only Proxy-Uri 35 and Proxy-Scheme 39. The
 * elective ones it knows need no list. A mask, not an array: less bytecode, no call.
 */
const KNOWN_BELOW_32 = 0x088288aa;

/** Decodes one datagram (`parse`); throws a ProtocolError MALFORMED_PACKET for a message format error. */
export function decode(bytes: Uint8Array): CoapMessage {
	const message = parse(bytes);
	if (typeof message === "string") throw malformed(message);
	return message;
}

/**
 * Decodes one datagram, or says what makes it no CoAP message (a string): the endpoint reads
 * every datagram so, without the try a throw would cost XS each time. Token, option values
 * and payload are views into `bytes`. The first critical (odd) option this implementation
 * does not know (5.4.1) is noted in `critical` as the options are read: no second walk, and
 * no field on a message without one.
 */
export function parse(bytes: Uint8Array): CoapMessage | string {
	const end = bytes.length;
	// An empty datagram's first byte reads undefined, version 0; one under 4 bytes ends before `at`.
	const first = bytes[0];
	const tokenLength = first & 0x0f;
	const messageCode = bytes[1];
	let at = 4 + tokenLength;
	// 3.: version 1, token lengths 9-15 reserved; 4.1: an Empty message (code 0.00) has nothing after the message id. One check, one message: a device only counts them.
	if (first >> 6 !== 1 || tokenLength > 8 || at > end || (messageCode === 0 && end !== 4)) return "not a CoAP header: version 1, token 0-8 bytes, Empty has no more";
	const token = tokenLength === 0 ? EMPTY_BYTES : bytes.subarray(4, at);
	const options: CoapOption[] = [];
	let number = 0;
	let payload = EMPTY_BYTES;
	let critical: number | undefined;
	while (at < end) {
		const head = bytes[at++];
		if (head === 0xff) {
			// 3.: a marker followed by a zero-length payload is a format error.
			if (at === end) return "payload marker without a payload";
			payload = bytes.subarray(at, end);
			break;
		}
		if (head >> 4 === 15 || (head & 0x0f) === 15) return "an option nibble of 15";
		let delta = head >> 4;
		let length = head & 0x0f;
		// Most options have no extension bytes: no calls for them. A nibble of 13 takes one, 14 two.
		if (delta >= 13) {
			delta = extended(bytes, at, delta);
			at += (head >> 4) - 12;
		}
		if (length >= 13) {
			length = extended(bytes, at, length);
			at += (head & 0x0f) - 12;
		}
		number += delta;
		// A truncated extension read -1: then the option ends before `at`, or is past the datagram.
		if (number > 0xffff || delta < 0 || length < 0 || at + length > end) return "an option past 65535 or the datagram, or cut off";
		if (number & 1 && critical === void 0 && (number < 32 ? ((KNOWN_BELOW_32 >>> number) & 1) === 0 : number !== Option.PROXY_URI && number !== Option.PROXY_SCHEME)) critical = number;
		// A store, not push: a native call fewer an option.
		options[options.length] = { number, value: bytes.subarray(at, at + length) };
		at += length;
	}
	const message: CoapMessage = { type: ((first >> 4) & 3) as MessageType, code: messageCode, messageId: (bytes[2] << 8) | bytes[3], token, options, payload };
	if (critical !== void 0) message.critical = critical;
	return message;
}

/** The value of the first `number` option, or undefined. */
export function optionValue(options: readonly CoapOption[], number: number): Uint8Array | undefined {
	for (let i = 0; i < options.length; i++) if (options[i].number === number) return options[i].value;
	return void 0;
}

/** A uint option value (3.2): big-endian, leading zero bytes removed, so 0 is empty. */
export function readUint(value: Uint8Array): number {
	let n = 0;
	for (let i = 0; i < value.length; i++) n = n * 256 + value[i];
	return n;
}

/** A uint option (RFC 7252 3.2): at most 4 bytes, so a value past 2^32 - 1 (or Infinity) is refused, never looped on. */
export function uintOption(number: number, n: number): CoapOption {
	if (!(n >= 0 && n <= 0xffffffff)) throw new RangeError("option " + number + ": " + n + " is no 32-bit unsigned value");
	const value = n === 0 ? EMPTY_BYTES : new Uint8Array(n > 0xffffff ? 4 : n > 0xffff ? 3 : n > 0xff ? 2 : 1);
	// `>>>` takes the value as 32 bits unsigned, which the check above keeps it within.
	for (let i = value.length - 1, rest = n; i >= 0; i--, rest = rest >>> 8) value[i] = rest;
	return { number, value };
}

export function uintValue(options: readonly CoapOption[], number: number): number | undefined {
	const value = optionValue(options, number);
	return value === void 0 ? void 0 : readUint(value);
}

/** All values of a repeatable string option, such as the Uri-Path segments. */
export function stringValues(options: readonly CoapOption[], number: number): string[] {
	const values: string[] = [];
	for (let i = 0; i < options.length; i++) if (options[i].number === number) values.push(readUtf8(options[i].value));
	return values;
}

/**
 * "/a/b" from Uri-Path options, each checked as UTF-8; "" segments are kept, so "/a/" stays
 * distinct from "/a". The server reads a path it serves without this (server.ts `key`): it
 * comes here only for one it does not, or for discovery.
 */
export function uriPath(options: readonly CoapOption[]): string {
	let path = "";
	for (let i = 0; i < options.length; i++) if (options[i].number === Option.URI_PATH) path += "/" + readUtf8(options[i].value);
	return path === "" ? "/" : path;
}

/** Sorts by option number, keeping the order of repeated options (a stable sort). */
export function sortOptions(options: CoapOption[]): CoapOption[] {
	for (let i = 1; i < options.length; i++) {
		const option = options[i];
		let j = i - 1;
		while (j >= 0 && options[j].number > option.number) {
			options[j + 1] = options[j];
			j--;
		}
		options[j + 1] = option;
	}
	return options;
}

/**
 * Block1/Block2 option values (RFC 7959 2.2): NUM, the M(ore) flag and SZX, where the
 * block size is 2^(SZX + 4), 16 to 1024 bytes. SZX 7 is reserved.
 */
export interface Block {
	readonly num: number;
	readonly more: boolean;
	/** 0-6: blocks of 16 << szx bytes. */
	readonly szx: number;
}

export function blockSize(szx: number): number {
	return 16 << szx;
}

/** The SZX of the largest block size not over `bytes` (at least 16, at most 1024). */
export function szxFor(bytes: number): number {
	let szx = 0;
	while (szx < 6 && 32 << szx <= bytes) szx++;
	return szx;
}

/** Undefined for a value that is not a block option: over 3 bytes, or SZX 7 (2.2: reserved). */
export function readBlock(value: Uint8Array): Block | undefined {
	if (value.length > 3) return void 0;
	const n = readUint(value);
	const szx = n & 7;
	if (szx === 7) return void 0;
	return { num: n >>> 4, more: (n & 8) !== 0, szx };
}

export function blockOption(number: number, block: Block): CoapOption {
	return uintOption(number, block.num * 16 + (block.more ? 8 : 0) + block.szx);
}
