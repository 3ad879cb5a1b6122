/**
 * What CoAP messages are made of (RFC 7252 3, 5.8, 5.9, 12.1, 12.3): their types, codes,
 * code classes and Content-Formats as const enums, which tsc writes as literals where
 * they are used, and the shapes of messages and options. Types only: the module leaves
 * nothing in the image but its name. message.ts re-exports it all.
 */
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
	/** In ascending option number (message.ts `sortOptions`). */
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

/** Content-Format identifiers (12.3) the firmware names. */
export const enum Format {
	TEXT_PLAIN = 0,
	LINK_FORMAT = 40,
	OCTET_STREAM = 42,
	JSON_FORMAT = 50,
}
