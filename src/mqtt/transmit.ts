/**
 * Bytes the session wants sent, packed into shared chunks: a packet is written straight
 * into the current chunk (no Uint8Array per packet), and `poll` hands each chunk out whole,
 * so a burst of PUBLISHes costs one allocation per chunk, not one per message. A chunk
 * handed out is never written again (the stream may keep it until sent).
 */
import { Fifo } from "../common/fifo";

/** Chunk size: a few lamp PUBLISHes; a larger packet gets a chunk of its own size. */
const CHUNK = 512;

export class Transmit {
	readonly #ready = new Fifo<Uint8Array>();
	#chunk: Uint8Array | undefined;
	/** Where the next packet goes in `chunk`. */
	offset = 0;
	#bytes = 0;

	/** Bytes waiting to be polled. */
	get bytes(): number {
		return this.#bytes;
	}

	/** A chunk with room for `size` bytes at `offset`; write them, then `commit(size)`. */
	reserve(size: number): Uint8Array {
		let chunk = this.#chunk;
		if (!chunk || this.offset + size > chunk.length) {
			this.#finish();
			chunk = this.#chunk = new Uint8Array(size > CHUNK ? size : CHUNK);
		}
		return chunk;
	}

	commit(size: number): void {
		this.offset += size;
		this.#bytes += size;
	}

	/** Queues a copy of an encoded packet. */
	push(packet: Uint8Array): void {
		this.reserve(packet.length).set(packet, this.offset);
		this.commit(packet.length);
	}

	/** The next run of bytes to write, oldest first. */
	poll(): Uint8Array | undefined {
		if (this.#ready.length === 0) this.#finish();
		const bytes = this.#ready.shift();
		if (bytes) this.#bytes -= bytes.length;
		return bytes;
	}

	/** Forgets everything unsent (the connection is gone). */
	clear(): void {
		this.#ready.clear();
		this.#chunk = undefined;
		this.offset = this.#bytes = 0;
	}

	#finish(): void {
		const chunk = this.#chunk;
		if (chunk && this.offset > 0) this.#ready.push(this.offset === chunk.length ? chunk : chunk.subarray(0, this.offset));
		this.#chunk = undefined;
		this.offset = 0;
	}
}
