/**
 * A minimal DER reader: just enough ASN.1 to walk an X.509 certificate. It is a cursor
 * over the caller's bytes: reading an element allocates nothing, and the contents are
 * handed out as views (subarray) only when asked for, never copied. Anything that is not
 * DER as X.509 uses it (indefinite lengths, high tag numbers, lengths past the end of the
 * enclosing element) is refused.
 */
import { ProtocolError } from "../common/errors";

export const BOOLEAN = 0x01;
export const INTEGER = 0x02;
export const BIT_STRING = 0x03;
export const OCTET_STRING = 0x04;
export const OID = 0x06;
export const UTC_TIME = 0x17;
export const GENERALIZED_TIME = 0x18;
export const SEQUENCE = 0x30;

export function rejected(why: string): ProtocolError {
	return new ProtocolError("TLS_CERTIFICATE_REJECTED", why);
}

export class DerReader {
	readonly bytes: Uint8Array;
	#at: number;
	readonly #limit: number;
	/** The element last read: its tag, where its header starts, where its contents start and end. */
	tag = -1;
	header = 0;
	start = 0;
	end = 0;

	constructor(bytes: Uint8Array, from = 0, to = bytes.length) {
		this.bytes = bytes;
		this.#at = from;
		this.#limit = to;
	}

	get done(): boolean {
		return this.#at >= this.#limit;
	}

	peekTag(): number {
		return this.done ? -1 : this.bytes[this.#at];
	}

	/** Reads the next element; returns its tag. */
	next(): number {
		const bytes = this.bytes;
		const limit = this.#limit;
		let at = this.#at;
		if (at + 2 > limit) throw rejected("malformed DER: truncated");
		const tag = bytes[at];
		if ((tag & 0x1f) === 0x1f) throw rejected("malformed DER: high tag number");
		this.header = at;
		let length = bytes[at + 1];
		at += 2;
		if (length & 0x80) {
			const count = length & 0x7f;
			// 0x80 is BER's indefinite length; more than 3 octets would be over 16 MB.
			if (count === 0 || count > 3 || at + count > limit) throw rejected("malformed DER: length");
			length = 0;
			for (let i = 0; i < count; i++) length = length * 256 + bytes[at++];
		}
		if (at + length > limit) throw rejected("malformed DER: length past the end");
		this.tag = tag;
		this.start = at;
		this.end = this.#at = at + length;
		return tag;
	}

	/** Reads the next element, which must have `tag`. */
	expect(tag: number, what: string): this {
		if (this.next() !== tag) throw rejected(`malformed ${what}`);
		return this;
	}

	/** Reads the next element if it has `tag`. */
	optional(tag: number): boolean {
		if (this.peekTag() !== tag) return false;
		this.next();
		return true;
	}

	/** The last element's contents (a view). */
	value(): Uint8Array {
		return this.bytes.subarray(this.start, this.end);
	}

	/** The last element whole, header included (a view): what signatures and name comparisons cover. */
	raw(): Uint8Array {
		return this.bytes.subarray(this.header, this.end);
	}

	/** A reader over the last element's contents (a constructed value's elements). */
	enter(): DerReader {
		return new DerReader(this.bytes, this.start, this.end);
	}

	/** True if the last element's contents are exactly `expected` (an OID, say). */
	contentsAre(expected: Uint8Array): boolean {
		if (this.end - this.start !== expected.length) return false;
		for (let i = 0; i < expected.length; i++) if (this.bytes[this.start + i] !== expected[i]) return false;
		return true;
	}

	/** A BIT STRING's bits, for the whole-octet ones X.509 uses (signatures, keys). */
	bitString(what: string): Uint8Array {
		if (this.next() !== BIT_STRING || this.end === this.start || this.bytes[this.start] !== 0) throw rejected(`malformed ${what}`);
		return this.bytes.subarray(this.start + 1, this.end);
	}
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
	if (a.length !== b.length) return false;
	for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
	return true;
}
