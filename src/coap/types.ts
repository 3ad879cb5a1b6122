/**
 * CoAP's types, one module that leaves nothing in the image but its name (message.ts and
 * endpoint.ts re-export them):
 * - what messages are made of (RFC 7252 3, 5.8, 5.9, 12.1, 12.3): their types, codes, code
 *   classes and Content-Formats as const enums, which tsc writes as literals where they
 *   are used, and the shapes of messages and options;
 * - what the endpoint's callers see (endpoint.ts): request options, the response handler,
 *   an exchange, a request received by the server, the endpoint's options.
 */
import type { ProtocolError } from "../common/errors";
import type { Peer, Seen, Transmission } from "./message-layer";
import type { TransmissionParameters } from "./parameters";

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

export interface RequestOptions {
	/** CON (default) or NON. */
	readonly confirmable?: boolean;
	/** Reuse a token, as re-registering an observation does (RFC 7641 3.3.1); otherwise a fresh one. */
	readonly token?: Uint8Array;
	/** Keep matching responses after the first (an Observe registration). */
	readonly observe?: boolean;
}

/** Called with each response to a request, or once with an error; with `observe`, for every notification until `cancel`. */
export type ResponseHandler = (error: ProtocolError | undefined, response: CoapMessage | undefined) => void;

/** A ResponseHandler as an object: what a client makes per request in place of closures. */
export interface ResponseListener {
	answered(error: ProtocolError | undefined, response: CoapMessage | undefined): void;
}

/**
 * A request of ours, from queued until its (last) response: an object of the caller's (a
 * client's Pending, which holds its promise's settling functions too: one object per
 * request, not two), told its response or error by `answered`. `submit` fills in the
 * endpoint's fields (key, token, slot, deadline).
 */
export interface Exchange extends ResponseListener {
	peer: Peer;
	code: number;
	/** Encoded (message.ts encodeOptions). */
	options: Uint8Array;
	payload: Uint8Array;
	confirmable: boolean;
	/** Keep matching responses after the first (an Observe registration). */
	observe: boolean;
	peerKey: string;
	tokenKey: string;
	token: Uint8Array;
	/** Holds one of the peer's NSTART slots. */
	outstanding: boolean;
	transmission: Transmission | undefined;
	/** When waiting for a response ends; Infinity while a CON is unacknowledged or an observation runs. */
	deadline: number;
}

/** A request received by the server: answer it with `Endpoint.respond`. */
export interface IncomingRequest {
	readonly peer: Peer;
	readonly message: CoapMessage;
	/** Its entry in the duplicate table, where the answer is kept for duplicates. */
	readonly seen?: Seen;
}

/** A table with deadlines of its own (the server's Block1 uploads and separate responses), driven by the endpoint's timer. */
export interface Expiring {
	/** The next time something in it expires; Infinity for none. */
	nextExpiry(): number;
	expire(now: number): void;
}

export interface EndpointOptions extends Partial<TransmissionParameters> {
	/** ms a client waits for a separate response after an empty ACK, or for a NON's response. */
	readonly responseTimeout?: number;
	readonly random?: () => number;
	/** Where message ids and tokens go on from, as `sequence` left them: after deep sleep, counting on, not from random (4.4). */
	readonly resume?: { readonly messageId: number; readonly tokenCounter: number };
	/**
	 * Whom datagrams are taken from; absent for anyone (a server). A client names its
	 * servers: a datagram from anyone else is counted in `dropped.foreign` and never decoded.
	 */
	readonly acceptFrom?: (peer: Peer) => boolean;
	/** Message ids held for duplicate detection (4.5), default 16; past it requests get 5.03. */
	readonly maxTracked?: number;
	/** Requests waiting behind NSTART per peer, default 32; past it a request fails with QUEUE_FULL. */
	readonly maxQueued?: number;
}
