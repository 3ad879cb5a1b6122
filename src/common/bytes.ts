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
	constructor(
		readonly target: Uint8Array,
		public offset = 0,
	) {}

	byte(value: number): void {
		this.target[this.offset++] = value;
	}

	u16(value: number): void {
		const target = this.target;
		target[this.offset++] = value >> 8;
		target[this.offset++] = value & 0xff;
	}

	u32(value: number): void {
		const target = this.target;
		target[this.offset++] = value >>> 24;
		target[this.offset++] = (value >> 16) & 0xff;
		target[this.offset++] = (value >> 8) & 0xff;
		target[this.offset++] = value & 0xff;
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
	private readonly _bytes: Uint8Array;
	private readonly _end: number;
	private readonly what: string;
	private _offset: number;

	constructor(bytes: Uint8Array, what: string, start = 0, end = bytes.length) {
		this._bytes = bytes;
		this.what = what;
		this._offset = start;
		this._end = end;
	}

	get offset(): number {
		return this._offset;
	}

	get remaining(): number {
		return this._end - this._offset;
	}

	byte(): number {
		this.need(1);
		return this._bytes[this._offset++];
	}

	u16(): number {
		this.need(2);
		const bytes = this._bytes;
		const at = this._offset;
		this._offset = at + 2;
		return (bytes[at] << 8) | bytes[at + 1];
	}

	u32(): number {
		this.need(4);
		const bytes = this._bytes;
		const at = this._offset;
		this._offset = at + 4;
		return ((bytes[at] << 24) >>> 0) + ((bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]);
	}

	/** A view of the next `length` bytes (no copy). */
	bytes(length: number): Uint8Array {
		this.need(length);
		const at = this._offset;
		this._offset = at + length;
		return this._bytes.subarray(at, at + length);
	}

	/** A view of everything left. */
	rest(): Uint8Array {
		return this.bytes(this._end - this._offset);
	}

	/** The next `length` bytes as UTF-8 text. */
	utf8(length: number): string {
		this.need(length);
		const at = this._offset;
		this._offset = at + length;
		return utf8.readUtf8(this._bytes, at, at + length);
	}

	/** The input must be used up: trailing bytes are malformed too. */
	end(): void {
		if (this._offset !== this._end) throw this.malformed(`${this._end - this._offset} bytes left over`);
	}

	malformed(message: string): ProtocolError {
		return new ProtocolError("MALFORMED_PACKET", `${this.what}: ${message}`);
	}

	private need(length: number): void {
		if (length < 0 || this._offset + length > this._end) throw this.malformed("ends inside a field");
	}
}
