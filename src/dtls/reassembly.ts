/**
 * Handshake messages in order (RFC 6347 4.2.2) from fragments in any order: fragments of
 * the next message_seq and a few after it are pieced together; older ones (a peer's
 * retransmission) are reported so the caller can resend its last flight (4.2.4). Every
 * table here has a cap: message length, messages held ahead, so a peer cannot grow it.
 */
import { ProtocolError } from "../common/errors";
import { encodeMessage, type HandshakeFragment } from "./handshake-messages";

export const enum Limit {
	/** A PSK handshake's messages are small; a ClientHello full of suites and extensions still fits. */
	MAX_MESSAGE = 2048,
	/** Messages held ahead of the next expected one. */
	MAX_AHEAD = 4,
}

export interface HandshakeMessage {
	readonly type: number;
	readonly messageSeq: number;
	readonly body: Uint8Array;
	/** Header and body as if sent whole: what the transcript hashes. */
	readonly whole: Uint8Array;
}

interface Partial {
	readonly type: number;
	readonly body: Uint8Array;
	readonly have: Uint8Array;
	missing: number;
}

export class Reassembly {
	// `declare`d and set in the constructor: class fields cost XS bytecode.
	/** The message_seq the next message must have. */
	declare next: number;
	private declare readonly partial: Map<number, Partial>;

	constructor() {
		this.next = 0;
		this.partial = new Map();
	}

	/**
	 * Adds `fragment`; true when it belongs to an earlier message (a retransmission of the
	 * peer's last flight). Throws a MALFORMED_PACKET for a message over the cap or fragments
	 * that disagree on its type or length.
	 */
	add(fragment: HandshakeFragment): boolean {
		const seq = fragment.messageSeq;
		if (seq < this.next) return true;
		if (seq >= this.next + Limit.MAX_AHEAD) return false;
		const length = fragment.length;
		let partial = this.partial.get(seq);
		if (length > Limit.MAX_MESSAGE || (partial && (partial.type !== fragment.type || partial.body.length !== length)))
			throw new ProtocolError("MALFORMED_PACKET", `DTLS handshake message ${seq}: over ${Limit.MAX_MESSAGE} bytes, or fragments that disagree on it`);
		if (!partial) {
			partial = { type: fragment.type, body: new Uint8Array(length), have: new Uint8Array(length), missing: length };
			this.partial.set(seq, partial);
		}
		const body = fragment.body;
		partial.body.set(body, fragment.offset);
		for (let i = 0; i < body.length; i++) {
			const at = fragment.offset + i;
			if (partial.have[at] === 0) {
				partial.have[at] = 1;
				partial.missing--;
			}
		}
		return false;
	}

	/** The next message when it is whole, in order; undefined while it is not. */
	poll(): HandshakeMessage | undefined {
		const partial = this.partial.get(this.next);
		if (!partial || partial.missing > 0) return undefined;
		this.partial.delete(this.next);
		const messageSeq = this.next++;
		return { type: partial.type, messageSeq, body: partial.body, whole: encodeMessage(partial.type, messageSeq, partial.body) };
	}
}
