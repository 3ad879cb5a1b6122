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
	// Plain fields, `declare`d and set in the constructor: #private and class fields cost XS bytecode.
	declare out: ByteWriter;
	declare readonly what: string;

	/** `what` names the record in errors ("MQTT session state"). */
	constructor(what: string) {
		this.out = new ByteWriter(new Uint8Array(64));
		this.what = what;
	}

	byte(value: number): void {
		this.room(1).byte(value);
	}
	u16(value: number): void {
		this.room(2).u16(value);
	}
	u32(value: number): void {
		this.room(4).u32(value);
	}
	/** A count of at most 255 items. */
	count(value: number): void {
		if (value > 0xff) throw this.malformed(value + " items, over the 255 a record keeps");
		this.byte(value);
	}
	bytes(value: Uint8Array): void {
		this.room(value.length).bytes(value);
	}
	/** Bytes behind a 16-bit length. */
	block(value: Uint8Array): void {
		const length = value.length;
		if (length > 0xffff) throw this.malformed(length + " bytes cannot be stored");
		this.u16(length);
		this.bytes(value);
	}
	/** A string behind a one-byte length. */
	string(value: string): void {
		const length = utf8Length(value);
		if (length < 0 || length > 0xff) throw this.malformed("a string of " + length + " bytes cannot be stored");
		this.byte(length);
		this.room(length).utf8(value);
	}
	finish(): Uint8Array {
		const out = this.out;
		return out.target.slice(0, out.offset);
	}
	/** The writer, over a buffer with `extra` bytes free (doubled when it runs out). */
	room(extra: number): ByteWriter {
		const out = this.out;
		const target = out.target;
		const needed = out.offset + extra;
		if (needed <= target.length) return out;
		const grown = new Uint8Array(Math.max(target.length * 2, needed));
		grown.set(target.subarray(0, out.offset));
		return (this.out = new ByteWriter(grown, out.offset));
	}
	malformed(message: string): ProtocolError {
		return new ProtocolError("MALFORMED_PACKET", this.what + ": " + message);
	}
}

/** Every read past the end throws ProtocolError("MALFORMED_PACKET"), never returns junk. */
export class RecordReader extends ByteReader {
	// Written out: XS compiles an implicit derived constructor as a loop over a rest array.
	constructor(bytes: Uint8Array, what: string) {
		super(bytes, what);
	}
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
