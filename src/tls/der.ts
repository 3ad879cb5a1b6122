/**
 * A minimal DER reader: just enough ASN.1 to walk an X.509 certificate. It is a cursor
 * over the caller's bytes: reading an element allocates nothing, and the contents are
 * handed out as views (subarray) only when asked for, never copied. Anything that is not
 * DER as X.509 uses it (indefinite lengths, high tag numbers, lengths past the end of the
 * enclosing element) is refused; a refusal names the byte it stopped at.
 */
import { ProtocolError } from "../common/errors";

/** The universal tags X.509 uses; a `const enum`, so each use is written as its number. */
export const enum Tag {
	BOOLEAN = 0x01,
	INTEGER = 0x02,
	BIT_STRING = 0x03,
	OCTET_STRING = 0x04,
	OID = 0x06,
	UTC_TIME = 0x17,
	GENERALIZED_TIME = 0x18,
	SEQUENCE = 0x30,
}

export function rejected(why: string): ProtocolError {
	return new ProtocolError("TLS_CERTIFICATE_REJECTED", why);
}

export class DerReader {
	// Fields `declare`d and set in the constructor, not class or #private fields: less bytecode in XS.
	declare readonly bytes: Uint8Array;
	/** Where the next element starts, and where the enclosing one ends. */
	declare at: number;
	declare readonly limit: number;
	/** The element last read: its tag, where its header starts, where its contents start and end. */
	declare tag: number;
	declare header: number;
	declare start: number;
	declare end: number;

	constructor(bytes: Uint8Array, from = 0, to = bytes.length) {
		this.bytes = bytes;
		this.at = from;
		this.limit = to;
	}

	get done(): boolean {
		return this.at >= this.limit;
	}

	/** Reads the next element; returns its tag. */
	next(): number {
		const bytes = this.bytes;
		const limit = this.limit;
		let at = this.at;
		const tag = bytes[at];
		let length = bytes[at + 1];
		this.header = at;
		at += 2;
		let count = 0;
		if (length & 0x80) {
			// 0x80 is BER's indefinite length; more than 3 octets would be over 16 MB.
			count = length & 0x7f;
			length = count === 0 || count > 3 ? limit : 0;
			for (let i = 0; i < count; i++) length = length * 256 + bytes[at++];
		}
		// A high tag number (0x1f) is not X.509's; a truncated header reads undefined, so NaN fails the length check.
		if ((tag & 0x1f) === 0x1f || !(at + length <= limit)) throw rejected(`malformed DER at byte ${this.header}`);
		this.tag = tag;
		this.start = at;
		this.end = this.at = at + length;
		return tag;
	}

	/** Reads the next element, which must have `tag`. */
	expect(tag: number): this {
		if (this.next() !== tag) throw rejected(`malformed DER at byte ${this.header}: tag ${this.tag}, not ${tag}`);
		return this;
	}

	/** Reads the next element if it has `tag`. */
	optional(tag: number): boolean {
		if (this.done || this.bytes[this.at] !== tag) return false;
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
		return sameBytes(this.value(), expected);
	}

	/** The contents' first octet, or -1 when empty: a BOOLEAN's value, a BIT STRING's unused bits. */
	first(): number {
		return this.end > this.start ? this.bytes[this.start] : -1;
	}

	/** A BIT STRING's bits, for the whole-octet ones X.509 uses (signatures, keys). */
	bitString(): Uint8Array {
		if (this.expect(Tag.BIT_STRING).first() !== 0) throw rejected(`malformed BIT STRING at byte ${this.header}`);
		return this.bytes.subarray(this.start + 1, this.end);
	}
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
	if (a.length !== b.length) return false;
	for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
	return true;
}
