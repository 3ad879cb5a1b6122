/**
 * The one byte reader and writer every codec and record uses: big-endian integers, raw
 * byte runs and UTF-8 text over a Uint8Array, with bounds checked on read. Length
 * prefixes differ per format (MQTT 2 bytes, MQTT-SN none, retained records 1), so they
 * are the caller's: these only move bytes.
 */
import { ProtocolError } from "./errors";
import * as utf8 from "./utf8";

/** `parts` one after the other in one array of `length` bytes (their total). */
export function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
	const whole = new Uint8Array(length);
	let offset = 0;
	for (let i = 0; i < parts.length; i++) {
		whole.set(parts[i], offset);
		offset += parts[i].length;
	}
	return whole;
}

/** Writes into a buffer the caller sized (encodedLength first); `offset` is where the next byte goes. */
export class ByteWriter {
	// Plain fields, `declare`d and set in the constructor: class fields cost XS bytecode.
	declare readonly target: Uint8Array;
	declare offset: number;

	constructor(target: Uint8Array, offset = 0) {
		this.target = target;
		this.offset = offset;
	}

	byte(value: number): void {
		this.target[this.offset++] = value;
	}

	u16(value: number): void {
		const at = this.offset;
		this.offset = at + 2;
		const target = this.target;
		target[at] = value >> 8;
		target[at + 1] = value;
	}

	u32(value: number): void {
		const at = this.offset;
		this.offset = at + 4;
		const target = this.target;
		target[at] = value >>> 24;
		target[at + 1] = value >> 16;
		target[at + 2] = value >> 8;
		target[at + 3] = value;
	}

	bytes(value: Uint8Array): void {
		this.target.set(value, this.offset);
		this.offset += value.length;
	}

	/** UTF-8 without a length; the caller wrote the prefix its format has, if any. */
	utf8(value: string): void {
		this.offset = utf8.writeUtf8(value, this.target, this.offset);
	}
}

/**
 * Reads `bytes[start, end)`; running past `end` is a MALFORMED_PACKET naming `what`
 * (the packet or record being read), so a short input is a typed error, never undefined.
 */
export class ByteReader {
	declare readonly data: Uint8Array;
	/** Where the input ends. */
	declare readonly limit: number;
	declare readonly what: string;
	/** Where the next read starts (read it, never set it from outside). */
	declare offset: number;

	constructor(bytes: Uint8Array, what: string, start = 0, end = bytes.length) {
		this.data = bytes;
		this.what = what;
		this.offset = start;
		this.limit = end;
	}

	get remaining(): number {
		return this.limit - this.offset;
	}

	byte(): number {
		return this.data[this.take(1)];
	}

	u16(): number {
		const at = this.take(2);
		const data = this.data;
		return (data[at] << 8) | data[at + 1];
	}

	u32(): number {
		const at = this.take(4);
		const data = this.data;
		return ((data[at] << 24) >>> 0) + ((data[at + 1] << 16) | (data[at + 2] << 8) | data[at + 3]);
	}

	/** A view of the next `length` bytes (no copy). */
	bytes(length: number): Uint8Array {
		const at = this.take(length);
		return this.data.subarray(at, at + length);
	}

	/** A view of everything left. */
	rest(): Uint8Array {
		return this.bytes(this.limit - this.offset);
	}

	/** The next `length` bytes as UTF-8 text. */
	utf8(length: number): string {
		const at = this.take(length);
		return utf8.readUtf8(this.data, at, at + length);
	}

	/** The input must be used up: trailing bytes are malformed too. */
	end(): void {
		if (this.offset !== this.limit) throw this.malformed(this.limit - this.offset + " bytes left over");
	}

	malformed(message: string): ProtocolError {
		return new ProtocolError("MALFORMED_PACKET", this.what + ": " + message);
	}

	/** Where a field of `length` bytes starts; the offset moves past it. */
	take(length: number): number {
		const at = this.offset;
		if (length < 0 || at + length > this.limit) throw this.malformed("ends inside a field");
		this.offset = at + length;
		return at;
	}
}
