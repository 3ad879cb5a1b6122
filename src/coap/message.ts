/**
 * CoAP messages (RFC 7252 section 3) as plain data. The codec (encode.ts, decode.ts)
 * turns them into bytes and back; decoded tokens, option values and payloads are views
 * into the datagram, so a caller that keeps one past the datagram copies it.
 */

/** The message type (3.): confirmable, non-confirmable, acknowledgement, reset. */
export const CON = 0;
export const NON = 1;
export const ACK = 2;
export const RST = 3;
export type MessageType = typeof CON | typeof NON | typeof ACK | typeof RST;

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
	/** class << 5 | detail: 0.01 GET is 1, 2.05 Content is 69; see `code`. */
	readonly code: number;
	readonly messageId: number;
	/** 0 to 8 bytes. */
	readonly token: Uint8Array;
	/** In ascending option number; repeated options in the order they appear. */
	readonly options: readonly CoapOption[];
	readonly payload: Uint8Array;
}

/** A code from its dotted form, `code(2, 5)` for 2.05. */
export function code(codeClass: number, detail: number): number {
	return (codeClass << 5) | detail;
}

/** "2.05" for 69: how codes are written in the RFCs and in logs. */
export function codeName(value: number): string {
	const detail = value & 0x1f;
	return `${value >> 5}.${detail < 10 ? "0" : ""}${detail}`;
}

export const EMPTY = 0;
export const GET = 1;
export const POST = 2;
export const PUT = 3;
export const DELETE = 4;

export const CREATED = code(2, 1);
export const DELETED = code(2, 2);
export const VALID = code(2, 3);
export const CHANGED = code(2, 4);
export const CONTENT = code(2, 5);
export const CONTINUE = code(2, 31);
export const BAD_REQUEST = code(4, 0);
export const BAD_OPTION = code(4, 2);
export const NOT_FOUND = code(4, 4);
export const METHOD_NOT_ALLOWED = code(4, 5);
export const REQUEST_ENTITY_INCOMPLETE = code(4, 8);
export const REQUEST_ENTITY_TOO_LARGE = code(4, 13);
export const UNSUPPORTED_CONTENT_FORMAT = code(4, 15);
export const INTERNAL_SERVER_ERROR = code(5, 0);
export const SERVICE_UNAVAILABLE = code(5, 3);

/** Response code classes (5.9): 2 success, 4 client error, 5 server error; 0 is requests and Empty. */
export const SUCCESS = 2;
export const CLIENT_ERROR = 4;
export const SERVER_ERROR = 5;

export function isRequest(value: number): boolean {
	return value >= 1 && value <= 31;
}

/** A response code: class 2, 4 or 5 (classes 1, 6 and 7 are reserved). */
export function isResponse(value: number): boolean {
	const c = value >> 5;
	return c === SUCCESS || c === CLIENT_ERROR || c === SERVER_ERROR;
}

/** 2.xx. */
export function isSuccess(value: number): boolean {
	return value >> 5 === SUCCESS;
}

/** Content-Format identifiers (12.3) the firmware names. */
export const TEXT_PLAIN = 0;
export const LINK_FORMAT = 40;
export const OCTET_STREAM = 42;
export const JSON_FORMAT = 50;
export const CBOR = 60;

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
