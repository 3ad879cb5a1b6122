/**
 * A growing byte writer and a bounds-checked reader for the retained records' own
 * formats (the session states of mqtt/state.ts, mqttsn/state.ts, the CoAP sequence).
 * Integers are big-endian; strings UTF-8 behind a one-byte length (retained topics and
 * payloads are short: RTC memory is counted in hundreds of bytes).
 */
import { ProtocolError } from "../common/errors";
import { readUtf8, utf8Length, writeUtf8 } from "../common/utf8";

export class RecordWriter {
	#bytes = new Uint8Array(64);
	#length = 0;
	readonly #what: string;

	/** `what` names the record in errors ("MQTT session state"). */
	constructor(what: string) {
		this.#what = what;
	}

	byte(value: number): void {
		this.#reserve(1);
		this.#bytes[this.#length++] = value;
	}
	u16(value: number): void {
		this.byte((value >> 8) & 0xff);
		this.byte(value & 0xff);
	}
	u32(value: number): void {
		this.u16((value >>> 16) & 0xffff);
		this.u16(value & 0xffff);
	}
	/** A count of at most 255 items. */
	count(value: number): void {
		if (value > 0xff) throw new ProtocolError("MALFORMED_PACKET", `${this.#what}: ${value} items, over the 255 a record keeps`);
		this.byte(value);
	}
	bytes(value: Uint8Array): void {
		this.#reserve(value.length);
		this.#bytes.set(value, this.#length);
		this.#length += value.length;
	}
	/** Bytes behind a 16-bit length. */
	block(value: Uint8Array): void {
		if (value.length > 0xffff) throw new ProtocolError("MALFORMED_PACKET", `${this.#what}: ${value.length} bytes cannot be stored`);
		this.u16(value.length);
		this.bytes(value);
	}
	/** A string behind a one-byte length. */
	string(value: string): void {
		const length = utf8Length(value);
		if (length < 0 || length > 0xff) throw new ProtocolError("MALFORMED_PACKET", `${this.#what}: a string of ${length} bytes cannot be stored`);
		this.byte(length);
		this.#reserve(length);
		this.#length = writeUtf8(value, this.#bytes, this.#length);
	}
	finish(): Uint8Array {
		return this.#bytes.slice(0, this.#length);
	}
	#reserve(extra: number): void {
		if (this.#length + extra <= this.#bytes.length) return;
		const grown = new Uint8Array(Math.max(this.#bytes.length * 2, this.#length + extra));
		grown.set(this.#bytes.subarray(0, this.#length));
		this.#bytes = grown;
	}
}

/** Every read past the end throws ProtocolError("MALFORMED_PACKET"), never returns junk. */
export class RecordReader {
	readonly #bytes: Uint8Array;
	readonly #what: string;
	#offset = 0;

	constructor(bytes: Uint8Array, what: string) {
		this.#bytes = bytes;
		this.#what = what;
	}

	byte(): number {
		if (this.#offset >= this.#bytes.length) throw this.malformed("ends early");
		return this.#bytes[this.#offset++];
	}
	u16(): number {
		return (this.byte() << 8) | this.byte();
	}
	u32(): number {
		return ((this.u16() << 16) | this.u16()) >>> 0;
	}
	bytes(length: number): Uint8Array {
		if (this.#offset + length > this.#bytes.length) throw this.malformed("ends early");
		const view = this.#bytes.subarray(this.#offset, this.#offset + length);
		this.#offset += length;
		return view;
	}
	block(): Uint8Array {
		return this.bytes(this.u16()).slice();
	}
	string(): string {
		return readUtf8(this.bytes(this.byte()));
	}
	/** `count` items behind a one-byte count. */
	list<T>(item: () => T): T[] {
		const out: T[] = [];
		for (let n = this.byte(); n > 0; n--) out.push(item());
		return out;
	}
	end(): void {
		if (this.#offset !== this.#bytes.length) throw this.malformed("bytes after the end");
	}
	malformed(message: string): ProtocolError {
		return new ProtocolError("MALFORMED_PACKET", `${this.#what}: ${message}`);
	}
}
