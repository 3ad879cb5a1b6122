/**
 * The one shape every protocol core has: a sans-IO machine that is told what happened
 * (bytes in, time passed) and answers with what to send and when it next needs the clock.
 * It owns no socket and no timer; a driver (../stream/driver.ts, ../datagram/driver.ts) connects
 * it to a board. MQTT's session, MQTT-SN's session and the CoAP endpoint implement it.
 * Each also has its own typed events (`pollEvent`; the CoAP endpoint hands requests to its
 * server as they arrive), which the driver's owner drains in its `dispatch` hook: the
 * events differ, the loop does not.
 */

/** Where a datagram came from or goes to. */
export interface Peer {
	readonly address: string;
	readonly port: number;
}

/** A datagram to send. */
export interface Addressed extends Peer {
	readonly bytes: Uint8Array;
}

/** What every session has, whatever it runs on. */
export interface Session<Transmit> {
	/** Time passed: retransmissions, keep-alive, timeouts. */
	tick(now: number): void;
	/** When `tick` must next be called; undefined when nothing is pending. */
	nextTimeout(): number | undefined;
	/** The next thing to send, or undefined when nothing waits. */
	pollTransmit(): Transmit | undefined;
}

/** A session over a byte stream (MQTT over TCP or TLS): it sees the link open and close. */
export interface StreamSession extends Session<Uint8Array> {
	/** The stream is connected. */
	open(now: number): void;
	/** Bytes arrived: any slice of the stream, packets split or joined anyhow. */
	received(bytes: Uint8Array, now: number): void;
	/** The stream closed, for whatever reason. */
	closed(): void;
}

/** A session over datagrams (MQTT-SN, CoAP): each datagram is whole, and says who sent it. */
export interface DatagramSession extends Session<Addressed> {
	received(bytes: Uint8Array, peer: Peer, now: number): void;
}
