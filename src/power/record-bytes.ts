/**
 * The retained records' own formats (the session states of mqtt/state.ts, mqttsn/state.ts,
 * the CoAP sequence) over common/bytes.ts: a writer that grows, since a record's size is
 * known only once written, and a reader that adds the records' framing. Strings are UTF-8
 * behind a one-byte length (retained topics and payloads are short: RTC memory is counted
 * in hundreds of bytes), blocks behind two, lists behind a one-byte count.
 */
import { ByteReader, ByteWriter } from "../common/bytes";
import { ProtocolError } from "../common/errors";
import { utf8Length } from "../common/utf8";

export class RecordWriter {
	#out = new ByteWriter(new Uint8Array(64));
	readonly #what: string;

	/** `what` names the record in errors ("MQTT session state"). */
	constructor(what: string) {
		this.#what = what;
	}

	byte(value: number): void {
		this.#room(1).byte(value);
	}
	u16(value: number): void {
		this.#room(2).u16(value);
	}
	u32(value: number): void {
		this.#room(4).u32(value);
	}
	/** A count of at most 255 items. */
	count(value: number): void {
		if (value > 0xff) throw new ProtocolError("MALFORMED_PACKET", `${this.#what}: ${value} items, over the 255 a record keeps`);
		this.byte(value);
	}
	bytes(value: Uint8Array): void {
		this.#room(value.length).bytes(value);
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
		this.#room(length).utf8(value);
	}
	finish(): Uint8Array {
		return this.#out.target.slice(0, this.#out.offset);
	}
	/** The writer, over a buffer with `extra` bytes free (doubled when it runs out). */
	#room(extra: number): ByteWriter {
		const out = this.#out;
		const needed = out.offset + extra;
		if (needed <= out.target.length) return out;
		const grown = new Uint8Array(Math.max(out.target.length * 2, needed));
		grown.set(out.target.subarray(0, out.offset));
		return (this.#out = new ByteWriter(grown, out.offset));
	}
}

/** Every read past the end throws ProtocolError("MALFORMED_PACKET"), never returns junk. */
export class RecordReader extends ByteReader {
	/** A copy: the record's bytes outlive the retained memory they were read from. */
	block(): Uint8Array {
		return this.bytes(this.u16()).slice();
	}
	string(): string {
		return this.utf8(this.byte());
	}
	/** `count` items behind a one-byte count. */
	list<T>(item: () => T): T[] {
		const out: T[] = [];
		for (let n = this.byte(); n > 0; n--) out.push(item());
		return out;
	}
}
