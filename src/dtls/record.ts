/**
 * DTLS 1.2 records (RFC 6347 4.1): the 13-byte header (type, version, epoch, 48-bit
 * sequence number, length) and, from epoch 1, TLS_PSK_WITH_AES_128_CCM_8 protection
 * (RFC 6655 3, RFC 5288 3): the nonce is the 4-byte implicit IV then the 8-byte explicit
 * part sent in the record (epoch and sequence number), the additional data is epoch,
 * sequence number, type, version and the plaintext's length (RFC 5246 6.2.3.3).
 * The numbers are `const enum`s: the firmware's compiler writes each use as its number.
 */
import type { BlockCipher, Crypto } from "../common/board";
import { ByteReader, ByteWriter } from "../common/bytes";
import { ccmOpen, ccmSeal } from "./ccm";

export const enum ContentType {
	CHANGE_CIPHER_SPEC = 20,
	ALERT = 21,
	HANDSHAKE = 22,
	APPLICATION_DATA = 23,
}

/** DTLS 1.2 on the wire ({254, 253}); DTLS 1.0 ({254, 255}) only in a first ClientHello's record and a HelloVerifyRequest. */
export const enum Version {
	DTLS_1_2 = 0xfefd,
	DTLS_1_0 = 0xfeff,
}

export const enum RecordSize {
	HEADER = 13,
	/** Explicit nonce (8) and tag (8): what protection adds to a record. */
	OVERHEAD = 16,
	/** Largest plaintext of a record (RFC 5246 6.2.1), plus the 2048 a protected one may add; a device never comes near it. */
	MAX_FRAGMENT = 16384 + 2048,
	/** 2^48: sequence numbers must never wrap (RFC 6347 4.1). */
	SEQUENCE_LIMIT = 0x1000000000000,
	TWO_32 = 0x100000000,
}

export interface RecordHeader {
	readonly type: number;
	readonly version: number;
	readonly epoch: number;
	readonly sequence: number;
}

/** One record of a datagram: its header and a view of its fragment. */
export interface DtlsRecord extends RecordHeader {
	readonly fragment: Uint8Array;
}

/**
 * The records of one datagram. A datagram may hold several (RFC 6347 4.1.1); one whose
 * length runs past the end, or of an unknown type, is a MALFORMED_PACKET: the datagram is
 * dropped whole, as 4.1.2.7 allows for invalid records.
 */
export function decodeRecords(datagram: Uint8Array): DtlsRecord[] {
	const reader = new ByteReader(datagram, "DTLS record");
	const records: DtlsRecord[] = [];
	while (reader.remaining > 0) {
		const type = reader.byte();
		const version = reader.u16();
		const epoch = reader.u16();
		const sequence = reader.u16() * RecordSize.TWO_32 + reader.u32();
		const length = reader.u16();
		if (type < ContentType.CHANGE_CIPHER_SPEC || type > ContentType.APPLICATION_DATA || (version !== Version.DTLS_1_2 && version !== Version.DTLS_1_0) || length > RecordSize.MAX_FRAGMENT)
			throw reader.malformed(`type ${type}, version ${version}, length ${length}`);
		records.push({ type, version, epoch, sequence, fragment: reader.bytes(length) });
	}
	return records;
}

/** One record with its header: `fragment` as it goes on the wire (protected already, from epoch 1). */
export function encodeRecord(header: RecordHeader, fragment: Uint8Array): Uint8Array {
	const out = new Uint8Array(RecordSize.HEADER + fragment.length);
	const writer = new ByteWriter(out);
	writer.byte(header.type);
	writer.u16(header.version);
	writeSeqNum(writer, header);
	writer.u16(fragment.length);
	writer.bytes(fragment);
	return out;
}

/** The 8-byte seq_num: epoch, then the 48-bit sequence number. */
function writeSeqNum(writer: ByteWriter, header: RecordHeader): void {
	const sequence = header.sequence;
	writer.u16(header.epoch);
	writer.u16(sequence / RecordSize.TWO_32);
	writer.u32(sequence);
}

/** The keys of one direction of one epoch. */
export class RecordProtection {
	// `declare`d and set in the constructor: class fields cost XS bytecode.
	declare readonly cipher: BlockCipher;
	declare readonly iv: Uint8Array;

	/** `key` 16 bytes, `iv` the 4-byte implicit part of the nonce (the key block's write IV). */
	constructor(crypto: Crypto, key: Uint8Array, iv: Uint8Array) {
		this.cipher = crypto.aes128(key);
		this.iv = iv;
	}

	/** The fragment of a protected record: explicit nonce (the seq_num, first in the additional data), then ciphertext and tag. */
	seal(header: RecordHeader, plaintext: Uint8Array): Uint8Array {
		const aad = additionalData(header, plaintext.length);
		const explicit = aad.subarray(0, 8);
		const sealed = ccmSeal(this.cipher, this.nonce(explicit), aad, plaintext);
		const fragment = new Uint8Array(8 + sealed.length);
		fragment.set(explicit);
		fragment.set(sealed, 8);
		return fragment;
	}

	/** The plaintext of `record`, or undefined when it does not authenticate (4.1.2.7: dropped, no alert). */
	open(record: DtlsRecord): Uint8Array | undefined {
		const fragment = record.fragment;
		if (fragment.length < RecordSize.OVERHEAD) return undefined;
		return ccmOpen(this.cipher, this.nonce(fragment.subarray(0, 8)), additionalData(record, fragment.length - RecordSize.OVERHEAD), fragment.subarray(8));
	}

	/** The implicit IV, then the record's 8-byte explicit nonce. */
	nonce(explicit: Uint8Array): Uint8Array {
		const nonce = new Uint8Array(12);
		nonce.set(this.iv);
		nonce.set(explicit, 4);
		return nonce;
	}
}

/** seq_num (epoch and sequence number), type, version, length: 13 bytes. */
function additionalData(header: RecordHeader, length: number): Uint8Array {
	const aad = new Uint8Array(RecordSize.HEADER);
	const writer = new ByteWriter(aad);
	writeSeqNum(writer, header);
	writer.byte(header.type);
	writer.u16(header.version);
	writer.u16(length);
	return aad;
}

/**
 * The anti-replay window of RFC 6347 4.1.2.6: the highest sequence number seen in an
 * epoch and which of the 64 below it were. Checked before a record is decrypted, marked
 * only after its tag verified, so a forged record cannot close the window on a real one.
 */
const WINDOW = 64;

export class ReplayWindow {
	// `declare`d and set in the constructor: class fields cost XS bytecode.
	/** -1 until the first record. */
	private declare highest: number;
	/** seen[n mod 64] is set when record n (within the window) was accepted. */
	private declare readonly seen: Uint8Array;

	constructor() {
		this.highest = -1;
		this.seen = new Uint8Array(WINDOW);
	}

	/** False for a record already accepted or too old for the window. */
	fresh(sequence: number): boolean {
		if (sequence > this.highest) return true;
		if (sequence <= this.highest - WINDOW) return false;
		return this.seen[slot(sequence)] === 0;
	}

	accept(sequence: number): void {
		if (sequence > this.highest) {
			// The slots the window slides over belong to numbers not yet seen.
			const advance = Math.min(sequence - this.highest, WINDOW);
			for (let i = 1; i <= advance; i++) this.seen[slot(this.highest + i)] = 0;
			this.highest = sequence;
		}
		this.seen[slot(sequence)] = 1;
	}
}

/** n mod 64 without `%` (sequence numbers pass 2^31, where bit operators wrap). */
function slot(sequence: number): number {
	return sequence - Math.floor(sequence / WINDOW) * WINDOW;
}
