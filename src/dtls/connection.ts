/**
 * One DTLS 1.2 association with one peer, sans-IO: records in (`received`), datagrams out
 * (`out`), application data both ways once established, and the clock for the
 * flight timer and the handshake deadline. The handshake itself (client-handshake.ts,
 * server-handshake.ts) speaks through the HandshakeLink this class gives it: flights to
 * send, the key block, the end. Epoch 0 is the clear handshake, epoch 1 CCM_8; there is no
 * renegotiation (a new handshake is a new connection).
 */
import type { Crypto } from "../common/board";
import { concat } from "../common/bytes";
import { ProtocolError } from "../common/errors";
import { decodeFragments } from "./handshake-messages";
import type { KeyBlock } from "./keys";
import * as r from "./record";
import { ContentType } from "./record";
import { Reassembly, type HandshakeMessage } from "./reassembly";
import { ReplayWindow } from "./record";

/** What a resumed handshake needs (RFC 5246 7.3): kept by both sides, and across deep sleep by a client. */
export interface SessionState {
	readonly sessionId: Uint8Array;
	readonly masterSecret: Uint8Array;
}

export interface Handshake {
	/** The peer's ChangeCipherSpec is expected now (the keys are there). */
	readonly awaitsChangeCipherSpec: boolean;
	/** The session offered was taken: the handshake is the abbreviated one. */
	readonly resumed: boolean;
	message(message: HandshakeMessage, now: number): void;
}

/** What a handshake may do to its connection. */
/** A handshake message of a flight, or CCS (0) where a ChangeCipherSpec goes. */
export type FlightItem = Uint8Array | Marker.CCS;
export const enum Marker {
	CCS = 0,
}

/** Where a connection is; a `const enum`, so each use is written as its number. */
export const enum State {
	HANDSHAKING,
	ESTABLISHED,
	CLOSED,
}

export interface HandshakeLink {
	readonly crypto: Crypto;
	readonly randomBytes: (count: number) => Uint8Array;
	/** The epoch records are read in: the peer's Finished must come in epoch 1. */
	readonly readEpoch: number;
	/** Whole handshake messages to send, CCS for a ChangeCipherSpec (what follows it goes in epoch 1). */
	flight(items: readonly FlightItem[], awaitsAnswer: boolean, now: number): void;
	/** The key block, for epoch 1 both ways (the side says which half is ours). */
	keys(block: KeyBlock): void;
	/** The handshake is over; `session` can resume it later. */
	established(session: SessionState): void;
	/** Ends the connection with a fatal alert; throws the resulting error to unwind the handshake. */
	fail(description: number, message: string): never;
	/** The message_seq of the next message the peer sends (4.2.2; a server takes the ClientHello's). */
	expectFrom(messageSeq: number): void;
	/**
	 * A HelloVerifyRequest came (from a server keeping no state, its record number mirrors
	 * our ClientHello's): the server's epoch 0 numbers start over, for the replay window.
	 */
	verified(): void;
}

export interface ConnectionOptions {
	readonly crypto: Crypto;
	readonly randomBytes: (count: number) => Uint8Array;
	/** The client's side (else the server's). */
	readonly client: boolean;
	/** When an unfinished handshake gives up (ms after it started). */
	readonly handshakeDeadline: number;
	/** Application datagrams waiting for the handshake, at most (default 8). */
	readonly maxPending?: number;
}

const CCS = Uint8Array.of(1);

const enum Timeout {
	INITIAL = 1000,
	MAX = 60000,
}

export class Connection implements HandshakeLink {
	// Fields `declare`d and set in the constructor, not class fields: less bytecode in XS.
	declare readonly crypto: Crypto;
	/** The client's side (else the server's). */
	declare readonly client: boolean;
	declare state: State;
	/** Why it closed: a typed error, never with key material. */
	declare error: ProtocolError | undefined;
	/** Closed by a close_notify, not a fatal alert: the session stays resumable (RFC 5246 7.2.1). */
	declare closedCleanly: boolean;
	declare session: SessionState | undefined;
	declare handshake: Handshake | undefined;
	declare readEpoch: number;
	declare readonly randomBytes: (count: number) => Uint8Array;
	private declare readonly maxPending: number;
	private declare readonly reassembly: Reassembly;
	/**
	 * The flight last sent (RFC 6347 4.2.4), kept whole so the same handshake messages can go
	 * out again, each time in records with new sequence numbers; its timer starts at 1 s and
	 * doubles up to 60 s, and the handshake's own deadline ends it. `resendAt` is -1 when no
	 * answer is awaited; a final flight (no answer comes) goes again whenever the peer repeats its own.
	 */
	private declare flightItems: readonly FlightItem[];
	private declare resendAt: number;
	private declare flightTimeout: number;
	private declare finalFlight: boolean;
	/** The replay windows of epochs 0 and 1. */
	private declare readonly windows: ReplayWindow[];
	private declare readonly writeSequence: number[];
	private declare writeProtection: r.RecordProtection | undefined;
	private declare readProtection: r.RecordProtection | undefined;
	/** Datagrams for the peer, and application data from it, for the layer to take in order. */
	declare readonly out: Uint8Array[];
	declare readonly inbox: Uint8Array[];
	/** Application datagrams sent before the handshake ended: they go once it does. */
	private declare readonly pending: Uint8Array[];
	private declare deadline: number;
	/** Our records' epoch once our ChangeCipherSpec went out: alerts follow it. */
	private declare writeEpoch: number;

	constructor(options: ConnectionOptions, now: number) {
		this.crypto = options.crypto;
		this.randomBytes = options.randomBytes;
		this.maxPending = options.maxPending ?? 8;
		this.client = options.client;
		this.state = State.HANDSHAKING;
		this.closedCleanly = false;
		this.readEpoch = this.writeEpoch = 0;
		this.reassembly = new Reassembly();
		this.flightItems = [];
		this.resendAt = -1;
		this.finalFlight = false;
		this.windows = [new ReplayWindow(), new ReplayWindow()];
		this.writeSequence = [0, 0];
		this.out = [];
		this.inbox = [];
		this.pending = [];
		this.deadline = now + options.handshakeDeadline;
	}

	/** Not closed (a getter, so a check after a call is not narrowed away by the compiler). */
	get open(): boolean {
		return this.state !== State.CLOSED;
	}

	/** One datagram from the peer; application data it carried goes to `inbox`. */
	received(datagram: Uint8Array, now: number): void {
		if (this.state === State.CLOSED) return;
		let records: r.DtlsRecord[];
		try {
			records = r.decodeRecords(datagram);
		} catch {
			return; // 4.1.2.7: an invalid datagram is dropped, the association lives on.
		}
		try {
			for (let i = 0; i < records.length && this.open; i++) this.record(records[i], now);
		} catch (error) {
			if (!(error instanceof ProtocolError)) throw error;
			// A handshake's failure closed the connection already, with its own alert; a decoder's did not.
			if (this.open) this.close(error, AlertDescription.DECODE_ERROR);
		}
	}

	/** Application data for the peer: sealed now when established, else held (capped) until it is. */
	send(plaintext: Uint8Array): void {
		if (this.state === State.ESTABLISHED) this.out.push(this.seal(ContentType.APPLICATION_DATA, 1, plaintext));
		else if (this.state === State.HANDSHAKING && this.pending.length < this.maxPending) this.pending.push(plaintext);
	}

	tick(now: number): void {
		if (this.state !== State.HANDSHAKING) return;
		if (now >= this.deadline) {
			this.close(alertError(false, "the handshake did not finish in time", "timeout"));
			return;
		}
		if (this.resendAt >= 0 && now >= this.resendAt) {
			this.flightTimeout = Math.min(this.flightTimeout * 2, Timeout.MAX);
			this.resendAt = now + this.flightTimeout;
			this.resend();
		}
	}

	nextTimeout(): number | undefined {
		if (this.state !== State.HANDSHAKING) return undefined;
		const resendAt = this.resendAt;
		return resendAt >= 0 ? Math.min(resendAt, this.deadline) : this.deadline;
	}

	/** Sends close_notify (when established) and ends the connection. */
	closeNotify(): void {
		if (this.state === State.ESTABLISHED) this.sendAlert(1, AlertLevel.WARNING, AlertDescription.CLOSE_NOTIFY);
		this.state = State.CLOSED;
	}

	// HandshakeLink

	flight(items: readonly FlightItem[], awaitsAnswer: boolean, now: number): void {
		// A new flight: the timer starts over at its initial value (4.2.4.1).
		this.flightItems = items;
		this.flightTimeout = Timeout.INITIAL;
		this.resendAt = awaitsAnswer ? now + Timeout.INITIAL : -1;
		this.finalFlight = !awaitsAnswer;
		this.resend();
	}

	keys(block: KeyBlock): void {
		// The client's half comes first in the key block, keys and IVs alike.
		const client = this.client;
		this.writeProtection = this.protection(block, client ? 0 : 1);
		this.readProtection = this.protection(block, client ? 1 : 0);
	}

	established(session: SessionState): void {
		this.state = State.ESTABLISHED;
		this.session = session;
		this.deadline = -1;
		// The server's Finished answered the client's flight: nothing to resend on time any more.
		if (this.client) this.resendAt = -1;
		const pending = this.pending.splice(0);
		// Each in a datagram of its own, not joined to the Finished: libcoap's server holds
		// application data that shares the handshake's last datagram and never answers it.
		for (let i = 0; i < pending.length; i++) this.send(pending[i]);
	}

	fail(description: number, message: string): never {
		const error = alertError(this.state === State.ESTABLISHED, message, alertName(description));
		this.close(error, description);
		throw error;
	}

	expectFrom(messageSeq: number): void {
		this.reassembly.next = messageSeq;
	}

	verified(): void {
		this.windows[0] = new ReplayWindow();
	}

	/** A server's records go on from the ClientHello's record number, past its HelloVerifyRequest's (4.2.1). */
	writeFrom(sequence: number): void {
		this.writeSequence[0] = sequence;
	}

	private close(error: ProtocolError, description?: number): void {
		if (description !== undefined) this.sendAlert(this.writeEpoch, AlertLevel.FATAL, description);
		this.state = State.CLOSED;
		this.error = error;
		this.pending.length = 0;
	}

	private record(record: r.DtlsRecord, now: number): void {
		const epoch = record.epoch;
		if (epoch > 1) return;
		// A handshake record of epoch 1 while the peer's ChangeCipherSpec is awaited: the CCS was
		// lost or overtaken (OpenSSL resends the two in separate datagrams). The record only
		// opens under the new keys, so it proves the switch as well as the CCS would.
		const implied = epoch > this.readEpoch && record.type === ContentType.HANDSHAKE && this.state === State.HANDSHAKING && this.handshake?.awaitsChangeCipherSpec === true;
		if (epoch > this.readEpoch && !implied) return;
		const window = this.windows[epoch];
		if (!window.fresh(record.sequence)) return;
		let plaintext = record.fragment;
		if (epoch === 1) {
			const opened = this.readProtection?.open(record);
			if (!opened) {
				// In the handshake, a Finished that does not authenticate means the keys differ: the PSK is wrong.
				if (this.state === State.HANDSHAKING) this.fail(AlertDescription.BAD_RECORD_MAC, "a record did not authenticate (wrong pre-shared key?)");
				return; // 4.1.2.7: afterwards a bad record is dropped silently.
			}
			plaintext = opened;
			if (implied) this.readEpoch = 1;
		} else if (record.type === ContentType.APPLICATION_DATA) return;
		window.accept(record.sequence);
		switch (record.type) {
			case ContentType.CHANGE_CIPHER_SPEC:
				if (this.handshake?.awaitsChangeCipherSpec && epoch === 0) this.readEpoch = 1;
				return;
			case ContentType.ALERT:
				return this.alert(plaintext);
			case ContentType.HANDSHAKE:
				return this.handshakeRecord(plaintext, epoch, now);
			default:
				if (this.state === State.ESTABLISHED) this.inbox.push(plaintext);
		}
	}

	private alert(plaintext: Uint8Array): void {
		if (plaintext.length !== 2) return;
		const description = plaintext[1];
		if (plaintext[0] === AlertLevel.FATAL || description === AlertDescription.CLOSE_NOTIFY) {
			const established = this.state === State.ESTABLISHED;
			this.closedCleanly = established && plaintext[0] !== AlertLevel.FATAL;
			this.close(alertError(established, description === AlertDescription.CLOSE_NOTIFY ? "the peer closed the connection" : "the peer sent a fatal alert", `received ${alertName(description)}`));
		}
	}

	private handshakeRecord(plaintext: Uint8Array, epoch: number, now: number): void {
		const fragments = decodeFragments(plaintext);
		let retransmitted = false;
		for (let i = 0; i < fragments.length; i++) if (this.reassembly.add(fragments[i])) retransmitted = true;
		// 4.2.4: the peer sent its last flight again, so ours was lost: send it again. Once
		// established only a final flight goes again: the other side's answer came already.
		if (retransmitted && this.flightItems.length > 0 && (this.state === State.HANDSHAKING || this.finalFlight)) this.resend();
		if (this.state !== State.HANDSHAKING) {
			// A new handshake inside the association (renegotiation) is declined; the rest was a retransmission.
			if (this.reassembly.poll() && epoch === 1) this.sendAlert(1, AlertLevel.WARNING, AlertDescription.NO_RENEGOTIATION);
			return;
		}
		const handshake = this.handshake;
		for (let message = this.reassembly.poll(); message && handshake && this.state === State.HANDSHAKING; message = this.reassembly.poll()) {
			handshake.message(message, now);
		}
	}

	/** The flight in records: handshake messages in epoch 0 up to the ChangeCipherSpec, in epoch 1 after it. */
	private resend(): void {
		const items = this.flightItems;
		const parts: Uint8Array[] = [];
		let length = 0;
		let epoch = 0;
		for (let i = 0; i < items.length; i++) {
			const item = items[i];
			const ccs = item === Marker.CCS;
			const record = this.seal(ccs ? ContentType.CHANGE_CIPHER_SPEC : ContentType.HANDSHAKE, epoch, ccs ? CCS : item);
			// Alerts follow our records into epoch 1 once our ChangeCipherSpec went out.
			if (ccs) epoch = this.writeEpoch = 1;
			parts.push(record);
			length += record.length;
		}
		// A PSK flight is a few hundred bytes: one datagram carries it whole.
		if (parts.length > 0) this.out.push(concat(parts, length));
	}

	private protection(block: KeyBlock, half: number): r.RecordProtection {
		return new r.RecordProtection(this.crypto, block.subarray(16 * half, 16 * half + 16), block.subarray(32 + 4 * half, 36 + 4 * half));
	}

	private sendAlert(epoch: number, level: number, description: number): void {
		this.out.push(this.seal(ContentType.ALERT, epoch, Uint8Array.of(level, description)));
	}

	private seal(type: number, epoch: number, plaintext: Uint8Array): Uint8Array {
		const sequence = this.writeSequence[epoch]++;
		// A sequence number past 2^48 - 1 would repeat a nonce: the connection must end first.
		if (sequence >= r.RecordSize.SEQUENCE_LIMIT) throw new ProtocolError("PROTOCOL_VIOLATION", "DTLS sequence numbers used up: a new handshake is needed");
		const header = { type, version: r.Version.DTLS_1_2, epoch, sequence };
		const protection = this.writeProtection;
		return r.encodeRecord(header, epoch === 1 && protection ? protection.seal(header, plaintext) : plaintext);
	}
}

/** Alerts (RFC 5246 7.2) sent and understood; a fatal one's error names it, never key material or an identity. */
export const enum AlertLevel {
	WARNING = 1,
	FATAL = 2,
}

export const enum AlertDescription {
	CLOSE_NOTIFY = 0,
	UNEXPECTED_MESSAGE = 10,
	BAD_RECORD_MAC = 20,
	HANDSHAKE_FAILURE = 40,
	ILLEGAL_PARAMETER = 47,
	DECODE_ERROR = 50,
	DECRYPT_ERROR = 51,
	NO_RENEGOTIATION = 100,
	UNKNOWN_PSK_IDENTITY = 115,
}

const NAMES: Readonly<Record<number, string>> = {
	0: "close_notify",
	10: "unexpected_message",
	20: "bad_record_mac",
	40: "handshake_failure",
	47: "illegal_parameter",
	50: "decode_error",
	51: "decrypt_error",
	80: "internal_error",
	100: "no_renegotiation",
	115: "unknown_psk_identity",
};

function alertName(description: number): string {
	return NAMES[description] ?? `alert ${description}`;
}

/**
 * The error a connection ends with: TLS_HANDSHAKE_FAILED before it was established,
 * CONNECTION_LOST after; `detail` names the alert ("decrypt_error", "received bad_record_mac").
 */
function alertError(established: boolean, message: string, detail: string): ProtocolError {
	return new ProtocolError(established ? "CONNECTION_LOST" : "TLS_HANDSHAKE_FAILED", `DTLS: ${message}`, detail);
}
