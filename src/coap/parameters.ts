/**
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
