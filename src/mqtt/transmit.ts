/**
 * Bytes the session wants sent, packed into shared chunks: a packet is written straight
 * into the current chunk (no Uint8Array per packet), and `poll` hands each chunk out whole,
 * so a burst of PUBLISHes costs one allocation per TCP segment, not one per message. A
 * chunk handed out is never written again (the stream may keep it until sent).
 *
 * The first chunk after a poll is small, since most writes are one acknowledgement or
 * PINGREQ; a burst that outgrows it moves (one copy of at most SMALL bytes) into a chunk
 * that holds a whole segment. The cursor fields are public for the session's PUBLISH
 * path: private fields cost XS ten times as much to read.
 */

/** Bytes that fill a TCP segment (1500-byte MTU less IP and TCP headers), plus room for the packet that crosses it. */
const SEGMENT = 1460 + 128;
const SMALL = 128;

export class Transmit {
	// Fields are `declare`d and set in the constructor: a class field costs XS bytecode of its own.
	/** Finished chunks, oldest first. */
	declare ready: Uint8Array[] | undefined;
	/** The chunk being filled, and where the next packet goes in it. */
	declare chunk: Uint8Array | undefined;
	declare offset: number;
	/** Bytes waiting to be polled. */
	declare bytes: number;

	constructor() {
		this.clear();
	}

	/** A chunk with room for `size` bytes at `offset`; write them, then `commit(size)`. */
	reserve(size: number): Uint8Array {
		const chunk = this.chunk;
		const end = this.offset + size;
		if (chunk && end <= chunk.length) return chunk;
		if (chunk && chunk.length === SMALL && end <= SEGMENT) {
			const grown = (this.chunk = new Uint8Array(SEGMENT));
			grown.set(chunk);
			return grown;
		}
		this.#finish();
		return (this.chunk = new Uint8Array(size > SMALL ? (size > SEGMENT ? size : SEGMENT) : SMALL));
	}

	commit(size: number): void {
		this.offset += size;
		this.bytes += size;
	}

	/** PINGREQ (0xc0) or DISCONNECT (0xe0): a fixed header alone. */
	empty(first: number): void {
		const chunk = this.reserve(2);
		chunk[this.offset] = first;
		chunk[this.offset + 1] = 0;
		this.commit(2);
	}

	/** Queues a copy of an encoded packet. */
	push(packet: Uint8Array): void {
		this.reserve(packet.length).set(packet, this.offset);
		this.commit(packet.length);
	}

	/** The next run of bytes to write, oldest first. */
	poll(): Uint8Array | undefined {
		if (!this.ready?.length) this.#finish();
		const bytes = this.ready?.shift();
		if (bytes) this.bytes -= bytes.length;
		return bytes;
	}

	/** Forgets everything unsent (the connection is gone). */
	clear(): void {
		this.ready = undefined;
		this.chunk = undefined;
		this.offset = this.bytes = 0;
	}

	#finish(): void {
		const chunk = this.chunk;
		if (chunk && this.offset > 0) (this.ready ??= []).push(this.offset === chunk.length ? chunk : chunk.subarray(0, this.offset));
		this.chunk = undefined;
		this.offset = 0;
	}
}
