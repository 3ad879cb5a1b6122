/**
 * The CoAP server: resources at paths (resource.ts) served over one Transport, with
 * - 4.04 for an unknown path, 4.05 for a method the resource lacks, 4.15 for a
 *   Content-Format it does not take, 4.00 with a diagnostic for a request it cannot read;
 * - Observe (RFC 7641): GET with Observe 0 registers, Observe 1 or a Reset deregisters,
 *   `changed(path)` notifies every observer with a rising sequence number;
 * - block-wise transfer (RFC 7959): Block2 for representations over one block, Block1
 *   uploads assembled before the handler sees them (4.08 for a missing block, 4.13 past
 *   the maximum body size);
 * - GET /.well-known/core (RFC 6690) listing the resources, filtered by the query.
 */
import type { Board } from "../common/board";
import { ProtocolError } from "../common/errors";
import { encodeUtf8 } from "../common/utf8";
import { blockOption, blockSize, readBlock, szxFor, type Block } from "./block";
import { tokenHex, type Content, type EndpointOptions, type IncomingRequest, type Peer } from "./endpoint";
import { filterLinks, formatLinks, type Link } from "./link-format";
import * as m from "./message";
import type { CoapMessage, CoapOption } from "./message";
import * as o from "./options";
import type { Representation, Resource, ResourceRequest } from "./resource";
import { Transport } from "./transport";

export interface CoapServerOptions extends EndpointOptions {
	/** UDP port (default 5683; 0 for any free one). */
	readonly port?: number;
	readonly address?: string;
	/** Largest block the server sends or takes, bytes (default 1024). */
	readonly blockSize?: number;
	/** Largest Block1 upload assembled, bytes (default 8192). */
	readonly maxBodySize?: number;
	/** Notifications as CON (default) or NON. */
	readonly confirmableNotifications?: boolean;
	onReady?(port: number): void;
}

interface Observer {
	readonly peer: Peer;
	readonly key: string;
	readonly token: Uint8Array;
	readonly accept?: number;
}

interface Upload {
	readonly parts: Uint8Array[];
	length: number;
	next: number;
}

const WELL_KNOWN_CORE = "/.well-known/core";

class BadRequest extends Error {}

export class CoapServer {
	readonly transport: Transport;
	readonly #board: Board;
	readonly #resources = new Map<string, Resource>();
	readonly #observers = new Map<string, Map<string, Observer>>();
	readonly #uploads = new Map<string, Upload>();
	readonly #szx: number;
	readonly #maxBody: number;
	readonly #confirmable: boolean;
	/** Observe sequence numbers, 24 bits, shared by all resources so they only ever rise. */
	#sequence = 1;

	constructor(board: Board, options: CoapServerOptions = {}) {
		this.#board = board;
		this.#szx = szxFor(options.blockSize ?? 1024);
		this.#maxBody = options.maxBodySize ?? 8192;
		this.#confirmable = options.confirmableNotifications ?? true;
		this.transport = new Transport(board, {
			...options,
			port: options.port ?? 5683,
			onRequest: (request) => this.#handle(request),
			onReady: () => options.onReady?.(this.transport.port),
		});
	}

	get port(): number {
		return this.transport.port;
	}

	/** Serves `resource` at `path` ("/lamp"). */
	add(path: string, resource: Resource): void {
		this.#resources.set(path, resource);
	}

	/** How many observe `path`. */
	observers(path: string): number {
		return this.#observers.get(path)?.size ?? 0;
	}

	/** The resource at `path` changed: notify its observers (RFC 7641 4.2). */
	changed(path: string): void {
		const resource = this.#resources.get(path);
		const observers = this.#observers.get(path);
		if (!resource?.get || !observers) return;
		const now = this.#board.now();
		const sequence = this.#nextSequence();
		for (const observer of observers.values()) {
			const request: ResourceRequest = { method: m.GET, peer: observer.peer, path, query: [], payload: m.EMPTY_BYTES };
			const content = this.#representation(resource.get(request), m.CONTENT, [o.uintOption(o.OBSERVE, sequence)], undefined);
			this.transport.endpoint.notify(observer.peer, observer.token, content, this.#confirmable, now, () => observers.delete(observer.key));
		}
		this.transport.service();
	}

	close(): void {
		this.#observers.clear();
		this.transport.close();
	}

	#handle(incoming: IncomingRequest): void {
		const endpoint = this.transport.endpoint;
		const now = this.#board.now();
		let content: Content;
		try {
			content = this.#answer(incoming);
		} catch (failure) {
			// What cannot be read is the client's fault (4.00, with why); anything else is ours (5.00).
			if (failure instanceof BadRequest) content = error(m.BAD_REQUEST, failure.message);
			else if (failure instanceof ProtocolError) content = error(m.BAD_REQUEST, `the request cannot be read: ${failure.message}`);
			else content = error(m.INTERNAL_SERVER_ERROR, "the resource failed");
		}
		endpoint.respond(incoming, content, now);
	}

	#answer(incoming: IncomingRequest): Content {
		const { peer, message } = incoming;
		const options = message.options;
		// Uri-Path and Uri-Query must be UTF-8 (5.10.1): readUtf8 throws otherwise, answered 4.00.
		const path = o.uriPath(options);
		const query = o.stringValues(options, o.URI_QUERY);
		const contentFormat = o.uintValue(options, o.CONTENT_FORMAT);
		if (path === WELL_KNOWN_CORE) {
			if (message.code !== m.GET) return error(m.METHOD_NOT_ALLOWED, "only GET");
			return this.#representation({ payload: this.#links(query), contentFormat: m.LINK_FORMAT }, m.CONTENT, [], message);
		}
		const resource = this.#resources.get(path);
		if (!resource) return error(m.NOT_FOUND, `no resource at ${path}`);
		const handler = message.code === m.GET ? resource.get : message.code === m.PUT ? resource.put : message.code === m.POST ? resource.post : message.code === m.DELETE ? resource.delete : undefined;
		if (!handler) return error(m.METHOD_NOT_ALLOWED, `${path} does not take ${m.codeName(message.code)}`);
		if ((message.code === m.PUT || message.code === m.POST) && resource.accepts && contentFormat !== undefined && resource.accepts.indexOf(contentFormat) < 0)
			return error(m.UNSUPPORTED_CONTENT_FORMAT, `Content-Format ${contentFormat} is not taken here`);

		let payload = message.payload;
		const extra: CoapOption[] = [];
		const block1Value = o.optionValue(options, o.BLOCK1);
		if (block1Value !== undefined) {
			const block1 = readBlock(block1Value);
			if (!block1) throw new BadRequest("Block1 is not a block option");
			const assembled = this.#receiveBlock(peer, path, block1, message.payload, o.uintValue(options, o.SIZE1));
			if (typeof assembled === "number") {
				const code = assembled;
				const answer: CoapOption[] = [blockOption(o.BLOCK1, { num: block1.num, more: code === m.CONTINUE, szx: Math.min(block1.szx, this.#szx) })];
				if (code === m.REQUEST_ENTITY_TOO_LARGE) answer.push(o.uintOption(o.SIZE1, this.#maxBody));
				return { code, options: o.sortOptions(answer), payload: m.EMPTY_BYTES };
			}
			payload = assembled;
			extra.push(blockOption(o.BLOCK1, { num: block1.num, more: false, szx: block1.szx }));
		} else if (message.payload.length > this.#maxBody) {
			return { code: m.REQUEST_ENTITY_TOO_LARGE, options: [o.uintOption(o.SIZE1, this.#maxBody)], payload: m.EMPTY_BYTES };
		}

		const request: ResourceRequest = { method: message.code, peer, path, query, payload, contentFormat };
		if (message.code === m.GET && resource.observable) {
			const observe = o.uintValue(options, o.OBSERVE);
			const key = `${peer.address}:${peer.port}/${tokenHex(message.token)}`;
			if (observe === 0) {
				let observers = this.#observers.get(path);
				if (!observers) this.#observers.set(path, (observers = new Map()));
				observers.set(key, { peer, key, token: message.token.slice(), accept: o.uintValue(options, o.ACCEPT) });
				extra.push(o.uintOption(o.OBSERVE, this.#nextSequence()));
			} else if (observe === 1) this.#observers.get(path)?.delete(key);
		}
		const fallback = message.code === m.GET ? m.CONTENT : message.code === m.POST ? m.CREATED : message.code === m.DELETE ? m.DELETED : m.CHANGED;
		return this.#representation(handler(request), fallback, extra, message);
	}

	/** Adds one Block1 block; the whole body when it was the last, or the code to answer now. */
	#receiveBlock(peer: Peer, path: string, block: Block, payload: Uint8Array, size1: number | undefined): Uint8Array | number {
		const key = `${peer.address}:${peer.port}${path}`;
		if (block.num === 0) this.#uploads.delete(key);
		if ((size1 ?? 0) > this.#maxBody) return m.REQUEST_ENTITY_TOO_LARGE;
		if (block.more && payload.length !== blockSize(block.szx)) throw new BadRequest("a Block1 block that is not its size");
		let upload = this.#uploads.get(key);
		if (!upload && block.num === 0) this.#uploads.set(key, (upload = { parts: [], length: 0, next: 0 }));
		// Blocks arrive in order; a different offset means one went missing (RFC 7959 2.9.2).
		const offset = block.num * blockSize(block.szx);
		if (!upload || offset !== upload.length) return m.REQUEST_ENTITY_INCOMPLETE;
		if (upload.length + payload.length > this.#maxBody) {
			this.#uploads.delete(key);
			return m.REQUEST_ENTITY_TOO_LARGE;
		}
		upload.parts.push(payload.slice());
		upload.length += payload.length;
		if (block.more) return m.CONTINUE;
		this.#uploads.delete(key);
		const body = new Uint8Array(upload.length);
		let at = 0;
		for (const part of upload.parts) {
			body.set(part, at);
			at += part.length;
		}
		return body;
	}

	/** The response to send: one block of it (Block2) when it is larger than a block or a block was asked for. */
	#representation(representation: Representation, fallback: number, extra: CoapOption[], request: CoapMessage | undefined): Content {
		const options = extra.slice();
		const raw = representation.payload ?? m.EMPTY_BYTES;
		const payload = typeof raw === "string" ? encodeUtf8(raw) : raw;
		if (representation.contentFormat !== undefined) options.push(o.uintOption(o.CONTENT_FORMAT, representation.contentFormat));
		if (representation.maxAge !== undefined) options.push(o.uintOption(o.MAX_AGE, representation.maxAge));
		const asked = request ? o.optionValue(request.options, o.BLOCK2) : undefined;
		const wanted = asked === undefined ? undefined : readBlock(asked);
		if (asked !== undefined && !wanted) throw new BadRequest("Block2 is not a block option");
		const szx = Math.min(this.#szx, wanted?.szx ?? 6);
		const size = blockSize(szx);
		if (payload.length <= size && !wanted) return { code: representation.code ?? fallback, options: o.sortOptions(options), payload };
		// 2.4: the block number is in the requester's block size, which may be larger than ours.
		const offset = (wanted?.num ?? 0) * blockSize(wanted?.szx ?? szx);
		if (offset > 0 && offset >= payload.length) return error(m.BAD_OPTION, "Block2 past the end of the representation");
		const more = offset + size < payload.length;
		options.push(blockOption(o.BLOCK2, { num: offset / size, more, szx }));
		if (offset === 0) options.push(o.uintOption(o.SIZE2, payload.length));
		return { code: representation.code ?? fallback, options: o.sortOptions(options), payload: payload.subarray(offset, offset + size) };
	}

	#links(query: readonly string[]): string {
		const links: Link[] = [];
		for (const [path, resource] of this.#resources) {
			const attributes: Record<string, string> = { ...(resource.attributes ?? {}) };
			if (resource.observable) attributes.obs = "";
			links.push({ target: path, attributes });
		}
		const filter: Record<string, string> = {};
		for (const argument of query) {
			const equals = argument.indexOf("=");
			if (equals > 0) filter[argument.slice(0, equals)] = argument.slice(equals + 1);
		}
		return formatLinks(filterLinks(links, filter));
	}

	#nextSequence(): number {
		this.#sequence = (this.#sequence + 1) & 0xffffff;
		return this.#sequence;
	}
}

function error(code: number, diagnostic: string): Content {
	return { code, options: [], payload: encodeUtf8(diagnostic) };
}

