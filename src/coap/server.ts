/**
 * The CoAP server: resources at paths (resource.ts) served over one Transport, with
 * - 4.04 for an unknown path, 4.05 for a method the resource lacks, 4.15 for a
 *   Content-Format it does not take, 4.00 with a diagnostic for a request it cannot read;
 * - Observe (RFC 7641): GET with Observe 0 registers, Observe 1 or a Reset deregisters,
 *   `changed(path)` notifies every observer with a rising sequence number; an observer
 *   that leaves a confirmable notification unacknowledged is removed (4.5);
 * - block-wise transfer (RFC 7959): Block2 for representations over one block, Block1
 *   uploads assembled before the handler sees them (4.08 for a missing block, 4.13 past
 *   the maximum body size);
 * - GET /.well-known/core (RFC 6690) listing the resources, filtered by the query.
 *
 * Every table a client can grow is capped, with the protocol's answer when it is full:
 * observers per resource and in all (the GET is served without Observe, so the client
 * knows it is not registered: RFC 7641 4.1), unfinished Block1 uploads (5.03 with
 * Max-Age), which also expire EXCHANGE_LIFETIME after their last block on the
 * endpoint's timer. The endpoint caps its duplicate table the same way.
 */
import type { Board } from "../common/board";
import * as bytes from "../common/bytes";
import { ProtocolError } from "../common/errors";
import { encodeUtf8 } from "../common/utf8";
import { type Content, type EndpointOptions, type IncomingRequest, type Notified, type Peer } from "./endpoint";
import * as linkFormat from "./link-format";
import type { Link } from "./link-format";
import { peerKey } from "./message-layer";
import * as m from "./message";
import { tokenKey, type CoapMessage, type CoapOption } from "./message";
import * as o from "./options";
import type { Block } from "./options";
import { exchangeLifetime } from "./parameters";
import type { Representation, Resource, ResourceRequest } from "./resource";
import { Transport, type TransportDtls } from "./transport";

export interface CoapServerOptions extends EndpointOptions {
	/** UDP port (default 5683; 0 for any free one). */
	readonly port?: number;
	/** coaps: DTLS with pre-shared keys (transport.ts); the caller picks the port (5684). */
	readonly dtls?: TransportDtls;
	readonly address?: string;
	/** Largest block the server sends or takes, bytes (default 1024). */
	readonly blockSize?: number;
	/** Largest Block1 upload assembled, bytes (default 8192). */
	readonly maxBodySize?: number;
	/** Block1 uploads assembled at once (default 2); a new one past it gets 5.03. */
	readonly maxUploads?: number;
	/** Observers in all (default 8) and of one resource (default 4); past them a GET is served without Observe. */
	readonly maxObservers?: number;
	readonly maxObserversPerResource?: number;
	/** Notifications as CON (default) or NON. */
	readonly confirmableNotifications?: boolean;
	onReady?(port: number): void;
}

interface Observer extends Notified {
	readonly key: string;
	/** When it was last sent a CON (its registration counts): RFC 7641 4.5 wants one a day at least. */
	confirmedAt: number;
}

interface Upload {
	readonly parts: Uint8Array[];
	length: number;
	/** EXCHANGE_LIFETIME after its last block: a client that stops half way does not hold the memory. */
	expires: number;
}

const WELL_KNOWN_CORE = "/.well-known/core";
const DAY_MS = 86_400_000;

class BadRequest extends Error {}

export class CoapServer {
	readonly transport: Transport;
	private readonly board: Board;
	private readonly resources = new Map<string, Resource>();
	private readonly observing = new Map<string, Map<string, Observer>>();
	private observerCount = 0;
	private readonly uploads = new Map<string, Upload>();
	private readonly szx: number;
	private readonly maxBody: number;
	private readonly maxUploads: number;
	private readonly maxObservers: number;
	private readonly maxPerResource: number;
	private readonly confirmable: boolean;
	private readonly uploadLifetime: number;
	private readonly texts = new Map<string, Uint8Array>();
	/** Observe sequence numbers, 24 bits, shared by all resources so they only ever rise. */
	private sequence = 1;

	constructor(board: Board, options: CoapServerOptions = {}) {
		this.board = board;
		this.szx = o.szxFor(options.blockSize ?? 1024);
		this.maxBody = options.maxBodySize ?? 8192;
		this.maxUploads = options.maxUploads ?? 2;
		this.maxObservers = options.maxObservers ?? 8;
		this.maxPerResource = options.maxObserversPerResource ?? 4;
		this.confirmable = options.confirmableNotifications ?? true;
		const transport = (this.transport = new Transport(board, {
			...options,
			port: options.port ?? 5683,
			onRequest: (request) => this.handle(request),
			onReady: () => options.onReady?.(this.transport.port),
		}));
		this.uploadLifetime = exchangeLifetime(transport.endpoint.parameters);
		const uploads = this.uploads;
		transport.endpoint.keep({
			nextExpiry: () => earliest(uploads),
			expire: (now) => {
				// The endpoint asks on every tick: no closure while nothing uploads.
				if (uploads.size > 0)
					uploads.forEach((upload, key) => {
						if (upload.expires <= now) uploads.delete(key);
					});
			},
		});
	}

	get port(): number {
		return this.transport.port;
	}

	/** Block1 uploads under way (at most `maxUploads`). */
	get uploading(): number {
		return this.uploads.size;
	}

	/** Serves `resource` at `path` ("/lamp"). */
	add(path: string, resource: Resource): void {
		this.resources.set(path, resource);
	}

	/** How many observe `path`, or every resource without one (at most `maxObservers`). */
	observers(path?: string): number {
		return path === undefined ? this.observerCount : (this.observing.get(path)?.size ?? 0);
	}

	/** The resource at `path` changed: notify its observers (RFC 7641 4.2). */
	changed(path: string): void {
		const resource = this.resources.get(path);
		const observers = this.observing.get(path);
		const get = resource?.get;
		if (!get || !observers) return;
		const now = this.board.now();
		const sequence = this.nextSequence();
		const endpoint = this.transport.endpoint;
		observers.forEach((observer) => {
			const request: ResourceRequest = { method: m.GET, peer: observer.peer, path, query: [], payload: m.EMPTY_BYTES };
			const content = this.representation(get(request), m.CONTENT, [o.uintOption(o.OBSERVE, sequence)], undefined);
			// 4.5: with NON notifications, still a CON a day, to learn whether the client is there.
			const confirmable = this.confirmable || now - observer.confirmedAt >= DAY_MS;
			if (confirmable) observer.confirmedAt = now;
			endpoint.notify(observer, content, confirmable, now, () => this.deregister(path, observer.key));
		});
		this.transport.service();
	}

	close(): void {
		const endpoint = this.transport.endpoint;
		this.observing.forEach((observers) => observers.forEach((observer) => endpoint.forget(observer)));
		this.observing.clear();
		this.observerCount = 0;
		this.uploads.clear();
		this.transport.close();
	}

	private handle(incoming: IncomingRequest): void {
		let content: Content;
		try {
			content = this.answer(incoming);
		} catch (failure) {
			// What cannot be read is the client's fault (4.00, with why); anything else is ours (5.00).
			if (failure instanceof BadRequest) content = error(m.BAD_REQUEST, failure.message);
			else if (failure instanceof ProtocolError) content = error(m.BAD_REQUEST, `the request cannot be read: ${failure.message}`);
			else content = error(m.INTERNAL_SERVER_ERROR, "the resource failed");
		}
		this.transport.endpoint.respond(incoming, content, this.board.now());
	}

	private answer(incoming: IncomingRequest): Content {
		const peer = incoming.peer;
		const message = incoming.message;
		const options = message.options;
		const method = message.code;
		// Uri-Path and Uri-Query must be UTF-8 (5.10.1): readUtf8 throws otherwise, answered 4.00.
		const path = o.uriPath(options);
		const query = o.stringValues(options, o.URI_QUERY);
		const contentFormat = o.uintValue(options, o.CONTENT_FORMAT);
		if (path === WELL_KNOWN_CORE) {
			if (method !== m.GET) return error(m.METHOD_NOT_ALLOWED, "only GET");
			return this.representation({ payload: this.links(query), contentFormat: m.LINK_FORMAT }, m.CONTENT, [], message);
		}
		const resource = this.resources.get(path);
		if (!resource) return error(m.NOT_FOUND, `no resource at ${path}`);
		const handler = method === m.GET ? resource.get : method === m.PUT ? resource.put : method === m.POST ? resource.post : method === m.DELETE ? resource.delete : undefined;
		if (!handler) return error(m.METHOD_NOT_ALLOWED, `${path} does not take ${m.codeName(method)}`);
		if ((method === m.PUT || method === m.POST) && resource.accepts && contentFormat !== undefined && resource.accepts.indexOf(contentFormat) < 0)
			return error(m.UNSUPPORTED_CONTENT_FORMAT, `Content-Format ${contentFormat} is not taken here`);

		let payload = message.payload;
		const extra: CoapOption[] = [];
		const block1Value = o.optionValue(options, o.BLOCK1);
		if (block1Value !== undefined) {
			const block1 = o.readBlock(block1Value);
			if (!block1) throw new BadRequest("Block1 is not a block option");
			const assembled = this.receiveBlock(peerKey(peer, path), block1, message.payload, o.uintValue(options, o.SIZE1));
			if (!(assembled instanceof Uint8Array)) return assembled;
			payload = assembled;
			extra.push(o.blockOption(o.BLOCK1, { num: block1.num, more: false, szx: block1.szx }));
		} else if (message.payload.length > this.maxBody) {
			return { code: m.REQUEST_ENTITY_TOO_LARGE, options: [o.uintOption(o.SIZE1, this.maxBody)], payload: m.EMPTY_BYTES };
		}

		const request: ResourceRequest = { method, peer, path, query, payload, contentFormat };
		if (method === m.GET && resource.observable) {
			const observe = o.uintValue(options, o.OBSERVE);
			if (observe === 0 && this.register(path, peer, message.token)) extra.push(o.uintOption(o.OBSERVE, this.nextSequence()));
			else if (observe === 1) this.deregister(path, peerKey(peer, tokenKey(message.token)));
		}
		const fallback = method === m.GET ? m.CONTENT : method === m.POST ? m.CREATED : method === m.DELETE ? m.DELETED : m.CHANGED;
		return this.representation(handler(request), fallback, extra, message);
	}

	/** Registers (or renews) an observer; false when the caps leave no room (it is then served without Observe). */
	private register(path: string, peer: Peer, token: Uint8Array): boolean {
		const key = peerKey(peer, tokenKey(token));
		let observers = this.observing.get(path);
		const known = observers?.get(key);
		if (known) {
			known.confirmedAt = this.board.now();
			return true;
		}
		if (this.observerCount >= this.maxObservers || (observers?.size ?? 0) >= this.maxPerResource) return false;
		if (!observers) this.observing.set(path, (observers = new Map()));
		observers.set(key, { peer, token: token.slice(), key, confirmedAt: this.board.now() });
		this.observerCount++;
		return true;
	}

	private deregister(path: string, key: string): void {
		const observers = this.observing.get(path);
		const observer = observers?.get(key);
		if (!observers || !observer) return;
		this.transport.endpoint.forget(observer);
		observers.delete(key);
		this.observerCount--;
		if (observers.size === 0) this.observing.delete(path);
	}

	/** Adds one Block1 block; the whole body when it was the last, or the answer to send now. */
	private receiveBlock(key: string, block: Block, payload: Uint8Array, size1: number | undefined): Uint8Array | Content {
		const uploads = this.uploads;
		const answer = (code: number): Content => {
			const options: CoapOption[] = [o.blockOption(o.BLOCK1, { num: block.num, more: code === m.CONTINUE, szx: Math.min(block.szx, this.szx) })];
			if (code === m.REQUEST_ENTITY_TOO_LARGE) options.push(o.uintOption(o.SIZE1, this.maxBody));
			return { code, options: o.sortOptions(options), payload: m.EMPTY_BYTES };
		};
		if (block.num === 0) uploads.delete(key);
		if ((size1 ?? 0) > this.maxBody) return answer(m.REQUEST_ENTITY_TOO_LARGE);
		if (block.more && payload.length !== o.blockSize(block.szx)) throw new BadRequest("a Block1 block that is not its size");
		const now = this.board.now();
		let upload = uploads.get(key);
		if (!upload && block.num === 0 && block.more) {
			if (uploads.size >= this.maxUploads) {
				// Full: 5.03, Max-Age saying when the oldest upload expires (RFC 7959 2.9.3 allows refusing).
				const oldest = earliest(uploads);
				this.transport.endpoint.dropped.overloaded++;
				return { code: m.SERVICE_UNAVAILABLE, options: [o.uintOption(o.MAX_AGE, Math.max(1, Math.ceil((oldest - now) / 1000)))], payload: m.EMPTY_BYTES };
			}
			uploads.set(key, (upload = { parts: [], length: 0, expires: 0 }));
		}
		// Blocks arrive in order; a different offset means one went missing (RFC 7959 2.9.2).
		const offset = block.num * o.blockSize(block.szx);
		if (!upload) return block.num !== 0 ? answer(m.REQUEST_ENTITY_INCOMPLETE) : payload.length > this.maxBody ? answer(m.REQUEST_ENTITY_TOO_LARGE) : payload;
		if (offset !== upload.length) return answer(m.REQUEST_ENTITY_INCOMPLETE);
		if (upload.length + payload.length > this.maxBody) {
			uploads.delete(key);
			return answer(m.REQUEST_ENTITY_TOO_LARGE);
		}
		upload.parts.push(payload.slice());
		upload.length += payload.length;
		upload.expires = now + this.uploadLifetime;
		if (block.more) return answer(m.CONTINUE);
		uploads.delete(key);
		return bytes.concat(upload.parts, upload.length);
	}

	/** The response to send: one block of it (Block2) when it is larger than a block or a block was asked for. */
	private representation(representation: Representation, fallback: number, extra: CoapOption[], request: CoapMessage | undefined): Content {
		const options = extra;
		const raw = representation.payload ?? m.EMPTY_BYTES;
		const payload = typeof raw === "string" ? this.text(raw) : raw;
		if (representation.contentFormat !== undefined) options.push(o.uintOption(o.CONTENT_FORMAT, representation.contentFormat));
		if (representation.maxAge !== undefined) options.push(o.uintOption(o.MAX_AGE, representation.maxAge));
		const asked = request ? o.optionValue(request.options, o.BLOCK2) : undefined;
		const wanted = asked === undefined ? undefined : o.readBlock(asked);
		if (asked !== undefined && !wanted) throw new BadRequest("Block2 is not a block option");
		const szx = Math.min(this.szx, wanted?.szx ?? 6);
		const size = o.blockSize(szx);
		if (payload.length <= size && !wanted) return { code: representation.code ?? fallback, options: o.sortOptions(options), payload };
		// 2.4: the block number is in the requester's block size, which may be larger than ours.
		const offset = (wanted?.num ?? 0) * o.blockSize(wanted?.szx ?? szx);
		if (offset > 0 && offset >= payload.length) return error(m.BAD_OPTION, "Block2 past the end of the representation");
		const more = offset + size < payload.length;
		options.push(o.blockOption(o.BLOCK2, { num: offset / size, more, szx }));
		if (offset === 0) options.push(o.uintOption(o.SIZE2, payload.length));
		return { code: representation.code ?? fallback, options: o.sortOptions(options), payload: payload.subarray(offset, offset + size) };
	}

	/**
	 * A short text representation as UTF-8, kept for the next time: a resource answers with
	 * a few texts ("on", "off") over and over, and encoding one costs ~400 computrons on XS.
	 * Payloads are only read (encode copies them), so one array serves every response.
	 */
	private text(text: string): Uint8Array {
		const texts = this.texts;
		let encoded = texts.get(text);
		if (!encoded) {
			encoded = encodeUtf8(text);
			if (text.length > 32) return encoded;
			if (texts.size >= 4) texts.clear();
			texts.set(text, encoded);
		}
		return encoded;
	}

	private links(query: readonly string[]): string {
		const links: Link[] = [];
		this.resources.forEach((resource, path) => {
			const attributes: Record<string, string> = Object.assign({}, resource.attributes);
			if (resource.observable) attributes.obs = "";
			links.push({ target: path, attributes });
		});
		const filter: Record<string, string> = {};
		for (let i = 0; i < query.length; i++) {
			const equals = query[i].indexOf("=");
			if (equals > 0) filter[query[i].slice(0, equals)] = query[i].slice(equals + 1);
		}
		return linkFormat.formatLinks(linkFormat.filterLinks(links, filter));
	}

	private nextSequence(): number {
		this.sequence = (this.sequence + 1) & 0xffffff;
		return this.sequence;
	}
}

/** When the first upload expires; Infinity for none. */
function earliest(uploads: Map<string, Upload>): number {
	let next = Infinity;
	if (uploads.size > 0)
		uploads.forEach((upload) => {
			if (upload.expires < next) next = upload.expires;
		});
	return next;
}

function error(code: number, diagnostic: string): Content {
	return { code, options: [], payload: encodeUtf8(diagnostic) };
}

