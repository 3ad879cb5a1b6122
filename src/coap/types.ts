/**
 * CoAP's types, one module that leaves nothing in the image but its name (message.ts and
 * endpoint.ts re-export them):
 * - what messages are made of (RFC 7252 3, 5.8, 5.9, 12.1, 12.3): their types, codes, code
 *   classes and Content-Formats as const enums, which tsc writes as literals where they
 *   are used, and the shapes of messages and options;
 * - what the endpoint's callers see (endpoint.ts): request options, the response handler,
 *   an exchange, a request received by the server, the endpoint's options;
 * - option numbers, transmission parameters, resources and transport settings (below).
 * Every module costs the image its name and tables even when it holds only types, so these
 * are one; the config (app/config-coap.ts, in every image) reads it for constants alone.
 */
import type { Board } from "../common/board";
import type { ProtocolError } from "../common/errors";
import type { Peer, Seen, Transmission } from "./message-layer";
import type { DatagramSession } from "../common/session";
import type { SessionState } from "../dtls/connection";
import type { DtlsEvent, DtlsLayer } from "../dtls/layer";
import type { PskLookup } from "../dtls/server-handshake";

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
	/** The options and payload as they go on the wire after the token, when made already (the server's plain answer, encoded once for many): an ACK is then two copies. */
	readonly wire?: Uint8Array;
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
	/** Set by `decode` (message.ts) only: the first critical option this implementation does not know (5.4.1), absent for none. */
	critical?: number;
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
	/** Its entry in the duplicate table, where the answer is kept for duplicates; a GET, untracked, gets one of its own, outside the table, when it is acknowledged Empty (endpoint.ts `acknowledge`). */
	seen?: Seen;
	/** Its No-Response (RFC 7967): the classes of response it wants none of; set by the server's pass over its options. */
	noResponse?: number;
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
	/** Where requests go as they arrive (a server); without it every request is answered 4.04. */
	readonly server?: RequestSink;
}

/** A server as the endpoint sees it: an object and its method, not a bound function (21 slots on XS). */
export interface RequestSink {
	handle(request: IncomingRequest): void;
}

/*
 * CoAP option numbers (RFC 7252 5.10 and 12.2, RFC 7641 2, RFC 7959 2.1 and 4). A leaf
 * module: the config reads coap:// URIs into Uri-Path and Uri-Query options in every
 * image, and an image without CoAP carries only these numbers, not the codec.
 */
export const enum Option {
	IF_MATCH = 1,
	URI_HOST = 3,
	ETAG = 4,
	IF_NONE_MATCH = 5,
	OBSERVE = 6,
	URI_PORT = 7,
	LOCATION_PATH = 8,
	URI_PATH = 11,
	CONTENT_FORMAT = 12,
	MAX_AGE = 14,
	URI_QUERY = 15,
	ACCEPT = 17,
	LOCATION_QUERY = 20,
	BLOCK2 = 23,
	BLOCK1 = 27,
	SIZE2 = 28,
	PROXY_URI = 35,
	PROXY_SCHEME = 39,
	SIZE1 = 60,
	/** RFC 7967: the response classes the client wants none of, bits 2 (2.xx), 8 (4.xx) and 16 (5.xx). */
	NO_RESPONSE = 258,
}

/*
 * Transmission parameters (RFC 7252 4.8): all configurable, the defaults the RFC's. Types
 * and a const enum only, so the module leaves nothing in the image but its name; the
 * times derived from them (4.8.2) are the message layer's (message-layer.ts), made once.
 */
export interface TransmissionParameters {
	/** ms before the first retransmission, at least (ACK_TIMEOUT, 2 s). */
	readonly ackTimeout: number;
	/** The first timeout is random in [ackTimeout, ackTimeout * ackRandomFactor] (1.5). */
	readonly ackRandomFactor: number;
	/** Retransmissions of a confirmable message before giving up (MAX_RETRANSMIT, 4). */
	readonly maxRetransmit: number;
	/** Outstanding interactions per peer (NSTART, 1); further requests wait their turn. */
	readonly nstart: number;
}

/** The RFC's defaults (4.8), and MAX_LATENCY (4.8.2): 100 s, the longest a datagram is assumed to be under way. */
export const enum Default {
	ACK_TIMEOUT = 2000,
	ACK_RANDOM_FACTOR = 1.5,
	MAX_RETRANSMIT = 4,
	NSTART = 1,
	MAX_LATENCY = 100_000,
}

/*
 * What a CoAP server serves: resources at paths, each answering the methods it has.
 * A handler gets the request's parts already read and returns a representation; the
 * server (server.ts) does the protocol around it: status codes for what is missing,
 * block-wise transfer, Observe, discovery.
 */
export interface ResourceRequest {
	readonly method: number;
	readonly peer: Peer;
	/** "/lamp". */
	readonly path: string;
	/** The Uri-Query arguments, "key=value" each. */
	readonly query: readonly string[];
	/** The whole body, Block1 blocks joined. */
	readonly payload: Uint8Array;
	readonly contentFormat?: number;
	/** The Content-Format asked for (Accept, 5.10.4): a representation in another is answered 4.06. */
	readonly accept?: number;
}

export interface Representation {
	/** 2.05 for GET, 2.04 for PUT/POST unless said otherwise. */
	readonly code?: number;
	readonly payload?: Uint8Array | string;
	readonly contentFormat?: number;
	/** Seconds (Max-Age); absent for the default of 60. */
	readonly maxAge?: number;
}

/** A promise for a slow answer: a CON request is then acknowledged first and answered separately (5.2.2). */
export type Handler = (request: ResourceRequest) => Representation | PromiseLike<Representation>;

export interface Resource {
	/** RFC 6690 attributes for /.well-known/core: rt, if, ct, sz... (obs is added for observable ones). */
	readonly attributes?: Readonly<Record<string, string>>;
	/** GET may be observed (RFC 7641); call `CoapServer.changed(path)` on every change. */
	readonly observable?: boolean;
	/** Content-Formats a PUT or POST may carry; others get 4.15. Absent: any. */
	readonly accepts?: readonly number[];
	readonly get?: Handler;
	readonly put?: Handler;
	readonly post?: Handler;
	readonly delete?: Handler;
}

/*
 * What a CoAP Transport (transport.ts) is made with: its socket, its server side and its
 * DTLS settings. Types only: the module leaves nothing in the image but its name.
 *
 * With `dtls` (coaps://, RFC 7252 9.1) the transport runs a DtlsLayer wrapped round the
 * endpoint: the endpoint's datagrams travel as DTLS application data. The layer comes from
 * the settings' `layer` (dtls/layer.ts's dtlsLayer), never from an import here: an image
 * without DTLS (the ESP8266's manifest_coap.json) has CoAP and none of src/dtls.
 */
/** Wraps a DTLS layer round a datagram session, on the board's crypto: dtls/layer.ts's dtlsLayer, from an image that includes DTLS. */
export type DtlsFactory = (inner: DatagramSession, settings: TransportDtls, board: Board) => DtlsLayer;

/** coaps with pre-shared keys: a client's identity and key, a server's lookup, or both. */
export interface TransportDtls {
	/** The DTLS implementation (injected: protocols/table.ts passes dtls/layer.ts's dtlsLayer). */
	readonly layer: DtlsFactory;
	/** Ours, as a client (RFC 4279's psk_identity). */
	readonly identity?: Uint8Array;
	readonly psk?: Uint8Array;
	/** As a server: the key of a client's identity, undefined for one it does not know. */
	readonly lookup?: PskLookup;
	/** A session kept from an earlier run (deep sleep), offered to the first handshake. */
	readonly resume?: SessionState;
	/** ms before an unfinished handshake gives up (default 30 s). */
	readonly handshakeTimeout?: number;
	/** Peers with a connection at once (default 4). */
	readonly maxConnections?: number;
	/** A connection came up or went down. */
	onEvent?(event: DtlsEvent): void;
}

export interface TransportOptions extends EndpointOptions {
	/** Local port; 0 or absent for any free one. */
	readonly port?: number;
	readonly address?: string;
	onReady?(): void;
	/** The port could not be bound (a typed BIND_FAILED error): nothing is served or sent. */
	onError?(error: Error): void;
	readonly dtls?: TransportDtls;
}
