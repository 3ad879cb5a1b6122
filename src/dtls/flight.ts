/**
 * A flight (RFC 6347 4.2.4): the records one side sends at a time, kept whole so the same
 * handshake messages can go out again, each time in records with new sequence numbers.
 * The timer starts at 1 s and doubles up to 60 s; the handshake's own deadline ends it.
 */
const enum Timeout {
	INITIAL = 1000,
	MAX = 60000,
}

/** One record's content, before protection: handshake bytes, or ChangeCipherSpec's single 1. */
export interface FlightRecord {
	readonly type: number;
	readonly epoch: number;
	readonly plaintext: Uint8Array;
}

export class Flight {
	// `declare`d and set in the constructor: class fields cost XS bytecode.
	declare records: readonly FlightRecord[];
	/** When to send it again; -1 when no answer is awaited (the server's last flight). */
	declare resendAt: number;
	/** The handshake's last flight (no answer comes): it goes again whenever the peer repeats its own. */
	declare final: boolean;
	private declare timeout: number;

	constructor() {
		this.records = [];
		this.resendAt = -1;
		this.final = false;
	}

	/** A new flight: the timer starts over at its initial value (4.2.4.1). */
	start(records: readonly FlightRecord[], awaitsAnswer: boolean, now: number): void {
		this.records = records;
		this.timeout = Timeout.INITIAL;
		this.resendAt = awaitsAnswer ? now + Timeout.INITIAL : -1;
		this.final = !awaitsAnswer;
	}

	/** The timer fired: back off (doubling) and arm again. */
	backOff(now: number): void {
		this.timeout = Math.min(this.timeout * 2, Timeout.MAX);
		this.resendAt = now + this.timeout;
	}

	/** The answer came: nothing to resend on time any more (the records stay, for a peer's retransmission). */
	answered(): void {
		this.resendAt = -1;
	}
}
