/**
 * Block1 uploads the server assembles (RFC 7959 2.5) before a handler sees the body:
 * blocks in order (4.08 Request Entity Incomplete for a missing one), at most `maxBody`
 * bytes (4.13 with Size1), at most `max` unfinished at once (5.03 with Max-Age saying when
 * the oldest expires: 2.9.3 allows refusing), each forgotten EXCHANGE_LIFETIME after its
 * last block on the endpoint's timer (kept on it only while an upload is under way), so a
 * client that stops half way holds no memory.
 */
import * as bytes from "../common/bytes";
import { encodeUtf8 } from "../common/utf8";
import type { Endpoint, Expiring } from "./endpoint";
import * as m from "./message";
import type { CoapOption, Content } from "./message";
import * as o from "./options";
import type { Block } from "./options";

interface Upload {
	readonly parts: Uint8Array[];
	length: number;
	expires: number;
}

export class Uploads implements Expiring {
	private readonly table = new Map<string, Upload>();

	constructor(
		private readonly endpoint: Endpoint,
		private readonly szx: number,
		private readonly maxBody: number,
		private readonly max: number,
		private readonly lifetime: number,
	) {}

	/** Uploads under way (at most `max`). */
	get size(): number {
		return this.table.size;
	}

	/** Adds one Block1 block of `key`'s upload; the whole body when it was the last, or the answer to send now. */
	receive(key: string, block: Block, payload: Uint8Array, size1: number | undefined, now: number): Uint8Array | Content {
		const answer = this.assemble(key, block, payload, size1, now);
		if (this.table.size > 0) this.endpoint.keep(this);
		else this.endpoint.stopKeeping(this);
		return answer;
	}

	private assemble(key: string, block: Block, payload: Uint8Array, size1: number | undefined, now: number): Uint8Array | Content {
		const uploads = this.table;
		const maxBody = this.maxBody;
		const answer = (code: number): Content => {
			const options: CoapOption[] = [o.blockOption(o.Option.BLOCK1, { num: block.num, more: code === m.Code.CONTINUE, szx: Math.min(block.szx, this.szx) })];
			if (code === m.Code.REQUEST_ENTITY_TOO_LARGE) options.push(o.uintOption(o.Option.SIZE1, maxBody));
			return { code, options: o.sortOptions(options), payload: m.EMPTY_BYTES };
		};
		if (block.num === 0) uploads.delete(key);
		if ((size1 ?? 0) > maxBody) return answer(m.Code.REQUEST_ENTITY_TOO_LARGE);
		if (block.more && payload.length !== o.blockSize(block.szx)) return { code: m.Code.BAD_REQUEST, options: [], payload: encodeUtf8("a Block1 block that is not its size") };
		let upload = uploads.get(key);
		if (!upload && block.num === 0 && block.more) {
			if (uploads.size >= this.max) {
				this.endpoint.dropped.overloaded++;
				return { code: m.Code.SERVICE_UNAVAILABLE, options: [o.uintOption(o.Option.MAX_AGE, Math.max(1, Math.ceil((this.nextExpiry() - now) / 1000)))], payload: m.EMPTY_BYTES };
			}
			uploads.set(key, (upload = { parts: [], length: 0, expires: 0 }));
		}
		// Blocks arrive in order; a different offset means one went missing (2.9.2).
		const offset = block.num * o.blockSize(block.szx);
		if (!upload) return block.num !== 0 ? answer(m.Code.REQUEST_ENTITY_INCOMPLETE) : payload.length > maxBody ? answer(m.Code.REQUEST_ENTITY_TOO_LARGE) : payload;
		if (offset !== upload.length) return answer(m.Code.REQUEST_ENTITY_INCOMPLETE);
		if (upload.length + payload.length > maxBody) {
			uploads.delete(key);
			return answer(m.Code.REQUEST_ENTITY_TOO_LARGE);
		}
		upload.parts.push(payload.slice());
		upload.length += payload.length;
		upload.expires = now + this.lifetime;
		if (block.more) return answer(m.Code.CONTINUE);
		uploads.delete(key);
		return bytes.concat(upload.parts, upload.length);
	}

	/** When the first upload expires; Infinity for none. */
	nextExpiry(): number {
		let next = Infinity;
		this.table.forEach((upload) => {
			if (upload.expires < next) next = upload.expires;
		});
		return next;
	}

	expire(now: number): void {
		const uploads = this.table;
		uploads.forEach((upload, key) => {
			if (upload.expires <= now) uploads.delete(key);
		});
		if (uploads.size === 0) this.endpoint.stopKeeping(this);
	}

	clear(): void {
		this.table.clear();
		this.endpoint.stopKeeping(this);
	}
}
