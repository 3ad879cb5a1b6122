/**
 * Transmission parameters (RFC 7252 4.8) and the times derived from them (4.8.2). All
 * configurable; the defaults are the RFC's.
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

export const DEFAULT_PARAMETERS: TransmissionParameters = { ackTimeout: 2000, ackRandomFactor: 1.5, maxRetransmit: 4, nstart: 1 };

/** MAX_LATENCY (4.8.2): 100 s, the longest a datagram is assumed to be under way. */
const MAX_LATENCY = 100_000;

/** From the first transmission of a CON until the sender gives up waiting for an ACK (MAX_TRANSMIT_WAIT, 93 s). */
export function maxTransmitWait(p: TransmissionParameters): number {
	return p.ackTimeout * (2 ** (p.maxRetransmit + 1) - 1) * p.ackRandomFactor;
}

/**
 * How long a message id of a CON stays in use, so duplicates are recognised (EXCHANGE_LIFETIME,
 * 247 s): MAX_TRANSMIT_SPAN (from the first transmission of a CON to the last retransmission,
 * 45 s) + 2 * MAX_LATENCY + ACK_TIMEOUT.
 */
export function exchangeLifetime(p: TransmissionParameters): number {
	return p.ackTimeout * (2 ** p.maxRetransmit - 1) * p.ackRandomFactor + 2 * MAX_LATENCY + p.ackTimeout;
}

/** The same for a NON (NON_LIFETIME, 145 s): MAX_TRANSMIT_SPAN + MAX_LATENCY. */
export function nonLifetime(p: TransmissionParameters): number {
	return p.ackTimeout * (2 ** p.maxRetransmit - 1) * p.ackRandomFactor + MAX_LATENCY;
}
