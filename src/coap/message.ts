/**
 * CoAP messages (RFC 7252 section 3) as plain data, and their codec (below: one module,
 * since each module costs the device its own symbol and import tables) that turns them
 * into bytes and back; decoded tokens, option values and payloads are views
 * into the datagram, so a caller that keeps one past the datagram copies it.
 */
import { ProtocolError } from "../common/errors";

/** The message type (3.): confirmable, non-confirmable, acknowledgement, reset. */
export const enum Type {
	CON = 0,
	NON = 1,
	ACK = 2,
	RST = 3,
}
export type MessageType = Type;

export interface CoapOption {
	readonly number: number;
	readonly value: Uint8Array;
}

/** What a request or a response carries besides the message layer's fields. */
export interface Content {
	readonly code: number;
	/** In ascending option number (options.ts `sortOptions`). */
	readonly options: readonly CoapOption[];
	readonly payload: Uint8Array;
}

export interface CoapMessage {
	readonly type: MessageType;
	/** class << 5 | detail: 0.01 GET is 1, 2.05 Content is 69; see `Code`. */
	readonly code: number;
	readonly messageId: number;
	/** 0 to 8 bytes. */
	readonly token: Uint8Array;
	/** In ascending option number; repeated options in the order they appear. */
	readonly options: readonly CoapOption[];
	readonly payload: Uint8Array;
}

/** "2.05" for 69: how codes are written in the RFCs and in logs. */
export function codeName(value: number): string {
	const detail = value & 0x1f;
	return (value >> 5) + (detail < 10 ? ".0" : ".") + detail;
}

/** Method and response codes (5.8, 5.9, 12.1), class << 5 | detail: 2.05 Content is 2 << 5 | 5. */
export const enum Code {
	EMPTY = 0,
	GET = 1,
	POST = 2,
	PUT = 3,
	DELETE = 4,
	CREATED = 2 << 5 | 1,
	DELETED = 2 << 5 | 2,
	CHANGED = 2 << 5 | 4,
	CONTENT = 2 << 5 | 5,
	CONTINUE = 2 << 5 | 31,
	BAD_REQUEST = 4 << 5 | 0,
	BAD_OPTION = 4 << 5 | 2,
	NOT_FOUND = 4 << 5 | 4,
	METHOD_NOT_ALLOWED = 4 << 5 | 5,
	NOT_ACCEPTABLE = 4 << 5 | 6,
	REQUEST_ENTITY_INCOMPLETE = 4 << 5 | 8,
	PRECONDITION_FAILED = 4 << 5 | 12,
	REQUEST_ENTITY_TOO_LARGE = 4 << 5 | 13,
	UNSUPPORTED_CONTENT_FORMAT = 4 << 5 | 15,
	INTERNAL_SERVER_ERROR = 5 << 5 | 0,
	SERVICE_UNAVAILABLE = 5 << 5 | 3,
	PROXYING_NOT_SUPPORTED = 5 << 5 | 5,
}

/** Response code classes (5.9): 2 success, 4 client error, 5 server error; 0 is requests and Empty. */
export const enum Class {
	SUCCESS = 2,
	CLIENT_ERROR = 4,
	SERVER_ERROR = 5,
}

export function isRequest(value: number): boolean {
	return value >= 1 && value <= 31;
}

/** A response code: class 2, 4 or 5 (classes 1, 6 and 7 are reserved). */
export function isResponse(value: number): boolean {
	const c = value >> 5;
	return c === Class.SUCCESS || c === Class.CLIENT_ERROR || c === Class.SERVER_ERROR;
}

/** 2.xx. */
export function isSuccess(value: number): boolean {
	return value >> 5 === Class.SUCCESS;
}

/** Content-Format identifiers (12.3) the firmware names. */
export const enum Format {
	TEXT_PLAIN = 0,
	LINK_FORMAT = 40,
	OCTET_STREAM = 42,
	JSON_FORMAT = 50,
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

/**
 * CoAP message encoding (RFC 7252 3.1). `encodeInto` writes into a caller's buffer, so
 * a sender that reuses one buffer allocates nothing per message; `encode` sizes a new one.
 */
/** The option delta or length nibble (3.1): 0-12 as is, 13 and 14 announce 1 and 2 extra bytes. */
function extensionLength(n: number): number {
	return n < 13 ? 0 : n < 269 ? 1 : 2;
}

/** Bytes `message` takes on the wire. Throws for a token over 8 bytes or options out of order. */
export function encodedLength(message: CoapMessage): number {
	const token = message.token.length;
	if (token > 8) throw new ProtocolError("MALFORMED_PACKET", "a token longer than 8 bytes");
	const options = message.options;
	let length = 4 + token;
	let previous = 0;
	for (let i = 0; i < options.length; i++) {
		const option = options[i];
		const number = option.number;
		const size = option.value.length;
		if (number < previous || number > 0xffff || number !== Math.floor(number))
			throw new ProtocolError("MALFORMED_PACKET", "option numbers not ascending in 0-65535");
		if (size > 65535 + 269) throw new ProtocolError("PACKET_TOO_LARGE", "option value over 65804 bytes");
		length += 1 + extensionLength(number - previous) + extensionLength(size) + size;
		previous = number;
	}
	const payload = message.payload.length;
	return payload > 0 ? length + 1 + payload : length;
}

function writeNibbleExtension(n: number, target: Uint8Array, offset: number): number {
	if (n >= 269) {
		const rest = n - 269;
		target[offset] = rest >> 8;
		target[offset + 1] = rest & 0xff;
		return offset + 2;
	}
	if (n >= 13) {
		target[offset] = n - 13;
		return offset + 1;
	}
	return offset;
}

function nibble(n: number): number {
	return n < 13 ? n : n < 269 ? 13 : 14;
}

/**
 * Writes `message` at `offset` in `target`; returns the offset after it. Throws
 * PACKET_TOO_LARGE, writing nothing, when it does not fit.
 */
export function encodeInto(message: CoapMessage, target: Uint8Array, offset = 0): number {
	const length = encodedLength(message);
	if (offset + length > target.length) throw new ProtocolError("PACKET_TOO_LARGE", length + "-byte message");
	return write(message, target, offset);
}

/** Writes a message whose length was checked. */
function write(message: CoapMessage, target: Uint8Array, offset: number): number {
	const token = message.token;
	target[offset] = 0x40 | (message.type << 4) | token.length;
	target[offset + 1] = message.code;
	target[offset + 2] = (message.messageId >> 8) & 0xff;
	target[offset + 3] = message.messageId & 0xff;
	let at = offset + 4;
	for (let i = 0; i < token.length; i++) target[at++] = token[i];
	const options = message.options;
	let previous = 0;
	for (let i = 0; i < options.length; i++) {
		const option = options[i];
		const value = option.value;
		const size = value.length;
		const delta = option.number - previous;
		previous = option.number;
		// Most options need no extension bytes: one byte, no calls.
		if (delta < 13 && size < 13) target[at++] = (delta << 4) | size;
		else {
			target[at++] = (nibble(delta) << 4) | nibble(size);
			at = writeNibbleExtension(delta, target, at);
			at = writeNibbleExtension(size, target, at);
		}
		if (size <= 16) for (let j = 0; j < size; j++) target[at++] = value[j];
		else {
			target.set(value, at);
			at += size;
		}
	}
	const payload = message.payload;
	if (payload.length > 0) {
		target[at++] = 0xff;
		target.set(payload, at);
		at += payload.length;
	}
	return at;
}

export function encode(message: CoapMessage): Uint8Array {
	const bytes = new Uint8Array(encodedLength(message));
	write(message, bytes, 0);
	return bytes;
}

/**
 * CoAP message decoding (RFC 7252 3.1). A message format error is a ProtocolError
 * MALFORMED_PACKET; `peekHeader` still reads the type and message id of such a
 * datagram, which is what the messaging layer needs to answer it with a Reset (4.2, 4.3).
 */
export interface Header {
	readonly type: MessageType;
	readonly code: number;
	readonly messageId: number;
}

/** The fixed header, or undefined when there is none to read or the version is not 1 (3.: silently ignored). */
export function peekHeader(bytes: Uint8Array): Header | undefined {
	if (bytes.length < 4 || bytes[0] >> 6 !== 1) return void 0;
	return { type: ((bytes[0] >> 4) & 3) as MessageType, code: bytes[1], messageId: (bytes[2] << 8) | bytes[3] };
}

function malformed(why: string): ProtocolError {
	return new ProtocolError("MALFORMED_PACKET", why);
}

/** Extra bytes after the option header for a delta or length nibble (3.1): 13 takes one, 14 two. */
function extensionBytes(nibble: number): number {
	return nibble < 13 ? 0 : nibble - 12;
}

/** The delta or length a nibble stands for, reading its extension at `at`; throws when it is cut off. */
function extended(bytes: Uint8Array, at: number, nibble: number): number {
	if (nibble < 13) return nibble;
	if (at + nibble - 12 > bytes.length) throw malformed("truncated option delta or length");
	return nibble === 13 ? bytes[at] + 13 : ((bytes[at] << 8) | bytes[at + 1]) + 269;
}

/** Decodes one datagram. Token, option values and payload are views into `bytes`. */
export function decode(bytes: Uint8Array): CoapMessage {
	const end = bytes.length;
	if (end < 4) throw malformed("shorter than the 4-byte header");
	const first = bytes[0];
	if (first >> 6 !== 1) throw malformed("version is not 1");
	const tokenLength = first & 0x0f;
	// 3.: lengths 9-15 are reserved and a message format error.
	if (tokenLength > 8) throw malformed("token length over 8");
	const messageCode = bytes[1];
	let at = 4 + tokenLength;
	if (at > end) throw malformed("truncated token");
	// 4.1: an Empty message (code 0.00) has nothing after the message id.
	if (messageCode === 0 && end !== 4) throw malformed("an Empty message with a token, options or payload");
	const token = tokenLength === 0 ? EMPTY_BYTES : bytes.subarray(4, at);
	const options: CoapOption[] = [];
	let number = 0;
	let payload = EMPTY_BYTES;
	while (at < end) {
		const head = bytes[at++];
		if (head === 0xff) {
			// 3.: a marker followed by a zero-length payload is a format error.
			if (at === end) throw malformed("payload marker without a payload");
			payload = bytes.subarray(at, end);
			break;
		}
		if (head >> 4 === 15 || (head & 0x0f) === 15) throw malformed("option nibble 15 outside the payload marker");
		let delta = head >> 4;
		let length = head & 0x0f;
		// Most options have no extension bytes: no calls for them.
		if (delta >= 13) {
			const nibble = delta;
			delta = extended(bytes, at, nibble);
			at += extensionBytes(nibble);
		}
		if (length >= 13) {
			const nibble = length;
			length = extended(bytes, at, nibble);
			at += extensionBytes(nibble);
		}
		number += delta;
		if (number > 0xffff) throw malformed("option number over 65535");
		if (at + length > end) throw malformed("option value runs past the datagram");
		options.push({ number, value: bytes.subarray(at, at + length) });
		at += length;
	}
	return { type: ((first >> 4) & 3) as MessageType, code: messageCode, messageId: (bytes[2] << 8) | bytes[3], token, options, payload };
}
