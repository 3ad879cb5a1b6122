/**
 * A minimal DER reader: just enough ASN.1 to walk an X.509 certificate. Values are views
 * (subarray) into the caller's bytes, never copies. Anything that is not DER as X.509
 * uses it (indefinite lengths, high tag numbers, lengths past the end) is refused.
 */
import { ProtocolError } from "../common/errors";

export const SEQUENCE = 0x30;
export const INTEGER = 0x02;
export const BIT_STRING = 0x03;
export const OCTET_STRING = 0x04;
export const OID = 0x06;
export const BOOLEAN = 0x01;
export const UTC_TIME = 0x17;
export const GENERALIZED_TIME = 0x18;

export interface Tlv {
	readonly tag: number;
	/** The contents octets. */
	readonly value: Uint8Array;
	/** The whole element, header included (what signatures and name comparisons cover). */
	readonly raw: Uint8Array;
}

export function rejected(why: string): ProtocolError {
	return new ProtocolError("TLS_CERTIFICATE_REJECTED", why);
}

export class DerReader {
	readonly #bytes: Uint8Array;
	#at = 0;

	constructor(bytes: Uint8Array) {
		this.#bytes = bytes;
	}

	get done(): boolean {
		return this.#at >= this.#bytes.length;
	}

	peekTag(): number {
		return this.done ? -1 : this.#bytes[this.#at];
	}

	next(): Tlv {
		const bytes = this.#bytes;
		const start = this.#at;
		if (start + 2 > bytes.length) throw rejected("malformed DER: truncated");
		const tag = bytes[start];
		if ((tag & 0x1f) === 0x1f) throw rejected("malformed DER: high tag number");
		let length = bytes[start + 1];
		let at = start + 2;
		if (length & 0x80) {
			const count = length & 0x7f;
			// 0x80 is BER's indefinite length; more than 3 octets would be over 16 MB.
			if (count === 0 || count > 3 || at + count > bytes.length) throw rejected("malformed DER: length");
			length = 0;
			for (let i = 0; i < count; i++) length = length * 256 + bytes[at++];
		}
		if (at + length > bytes.length) throw rejected("malformed DER: length past the end");
		this.#at = at + length;
		return { tag, value: bytes.subarray(at, at + length), raw: bytes.subarray(start, at + length) };
	}

	expect(tag: number, what: string): Tlv {
		const tlv = this.next();
		if (tlv.tag !== tag) throw rejected(`malformed ${what}`);
		return tlv;
	}

	/** The next element if it has `tag`, otherwise undefined (nothing consumed). */
	optional(tag: number): Tlv | undefined {
		return this.peekTag() === tag ? this.next() : undefined;
	}
}

/** The elements inside a constructed value (a SEQUENCE's contents). */
export function inside(tlv: Tlv): DerReader {
	return new DerReader(tlv.value);
}

/** A BIT STRING's bits, for the whole-octet ones X.509 uses (signatures, keys). */
export function bitStringBytes(tlv: Tlv, what: string): Uint8Array {
	if (tlv.tag !== BIT_STRING || tlv.value.length < 1 || tlv.value[0] !== 0) throw rejected(`malformed ${what}`);
	return tlv.value.subarray(1);
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
	if (a.length !== b.length) return false;
	for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
	return true;
}
