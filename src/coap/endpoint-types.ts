/**
 * What the CoAP endpoint's callers see (endpoint.ts): request options, the response
 * handler, a request received by the server, the endpoint's options. Types only: the
 * module leaves nothing in the image but its name.
 */
import type { ProtocolError } from "../common/errors";
import type { CoapMessage } from "./message";
import type { Peer, Seen } from "./message-layer";
import type { TransmissionParameters } from "./parameters";

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
