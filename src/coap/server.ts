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
 * - GET /.well-known/core (RFC 6690) listing the resources, filtered by the query;
 * - what RFC 7252 asks of a server that is no proxy and has no cache: 5.05 for Proxy-Uri
 *   and Proxy-Scheme (5.7.2), 4.06 when Accept names a format the answer is not in
 *   (5.10.4), 4.12 when If-Match or If-None-Match does not hold, the method not performed
 *   (5.10.8); each resource's ETag is a version the server keeps, new at every
 *   `changed(path)` and successful PUT, POST or DELETE, sent with every 2.05;
 * - handlers that answer with a promise: a separate response when they are slow (server-tables.ts).
 *
 * Every table a client can grow is capped, with the protocol's answer when it is full:
 * observers per resource and in all (the GET is served without Observe, so the client
 * knows it is not registered: RFC 7641 4.1), unfinished Block1 uploads (5.03 with
 * Max-Age), which also expire EXCHANGE_LIFETIME after their last block on the
 * endpoint's timer, and slow answers waiting (5.03 past `maxSeparate`). The endpoint caps
 * its duplicate table the same way.
 */
import { type Content, type IncomingRequest, type Notified } from "./endpoint";
import * as linkFormat from "./link-format";
import { error, peerKey } from "./message-layer";
import * as m from "./message";
import type { CoapMessage, CoapOption } from "./message";
import type { Representation, Resource, ResourceRequest } from "./resource";
import type { Board } from "../common/board";
import { ProtocolError } from "../common/errors";
import { encodeUtf8 } from "../common/utf8";
import { failed, ServerTables, type CoapServerOptions } from "./server-tables";

export type { CoapServerOptions } from "./server-tables";

interface Observer extends Notified {
	readonly key: string;
	/** When it was last sent a CON (its registration counts): RFC 7641 4.5 wants one a day at least. */
	confirmedAt: number;
}

const WELL_KNOWN_CORE = "/.well-known/core";
const DAY_MS = 86_400_000;

export class CoapServer extends ServerTables {
	declare private readonly resources: Map<string, Resource>;
	declare private readonly observing: Map<string, Map<string, Observer>>;
	declare private observerCount: number;
	declare private readonly maxObservers: number;
	declare private readonly maxPerResource: number;
	declare private readonly confirmable: boolean;
	declare private readonly texts: Map<string, Uint8Array>;
	/** Observe sequence numbers, 24 bits, shared by all resources so they only ever rise. */
	declare private sequence: number;

	constructor(board: Board, options: CoapServerOptions = {}) {
		super(board, options);
		this.resources = new Map();
		this.observing = new Map();
		this.observerCount = 0;
		this.maxObservers = options.maxObservers ?? 8;
		this.maxPerResource = options.maxObserversPerResource ?? 4;
		this.confirmable = options.confirmableNotifications ?? true;
		this.texts = new Map();
		this.sequence = 1;
	}

	get port(): number {
		return this.transport.port;
	}

	/** Serves `resource` at `path` ("/lamp"). */
	add(path: string, resource: Resource): void {
		this.resources.set(path, resource);
	}

	/** How many observe `path`, or every resource without one (at most `maxObservers`). */
	observers(path?: string): number {
		return path === void 0 ? this.observerCount : (this.observing.get(path)?.size ?? 0);
	}

	/** The resource at `path` changed: a new ETag, and its observers notified (RFC 7641 4.2). */
	changed(path: string): void {
		const resource = this.resources.get(path);
		if (!resource) return;
		this.bump(path);
		const observers = this.observing.get(path);
		const get = resource.get;
		if (!get || !observers) return;
		const sequence = this.nextSequence();
		observers.forEach((observer) => {
			const request: ResourceRequest = { method: m.Code.GET, peer: observer.peer, path, query: [], payload: m.EMPTY_BYTES };
			const answer = get(request);
			if (!thenable(answer)) return this.notify(path, observer, answer, sequence);
			// A slow resource notifies when it has the state, under a sequence number of then.
			answer.then((representation) => {
				if (this.observing.get(path)?.get(observer.key) !== observer) return;
				this.notify(path, observer, representation, this.nextSequence());
				this.transport.service();
			}, ignore);
		});
		this.transport.service();
	}

	close(): void {
		const endpoint = this.transport.endpoint;
		this.observing.forEach((observers) => observers.forEach((observer) => endpoint.forget(observer)));
		this.observing.clear();
		this.observerCount = 0;
		this.clearTables();
		this.transport.close();
	}

	private notify(path: string, observer: Observer, representation: Representation, sequence: number): void {
		const now = this.board.now();
		const extra = [m.uintOption(m.Option.OBSERVE, sequence)];
		if ((representation.code ?? m.Code.CONTENT) === m.Code.CONTENT) extra.push(this.etag(path));
		const content = this.representation(representation, m.Code.CONTENT, extra, void 0);
		// 4.5: with NON notifications, still a CON a day, to learn whether the client is there.
		const confirmable = this.confirmable || now - observer.confirmedAt >= DAY_MS;
		if (confirmable) observer.confirmedAt = now;
		this.transport.endpoint.notify(observer, content, confirmable, now, () => this.deregister(path, observer.key));
	}

	protected handle(incoming: IncomingRequest): void {
		let content: Content | PromiseLike<Content>;
		try {
			content = this.answer(incoming);
		} catch (failure) {
			content = failed(failure);
		}
		if (thenable(content)) this.hold(incoming, content, this.board.now());
		else this.transport.endpoint.respond(incoming, content, this.board.now());
	}

	private answer(incoming: IncomingRequest): Content | PromiseLike<Content> {
		const peer = incoming.peer;
		const message = incoming.message;
		const options = message.options;
		const method = message.code;
		// One pass for the options that are rare: Proxy-Uri, Proxy-Scheme, If-Match, If-None-Match.
		let conditional = false;
		for (let i = 0; i < options.length; i++) {
			const number = options[i].number;
			// 5.7.2: not a proxy, so never the local resource for a request meant for another server.
			if (number === m.Option.PROXY_URI || number === m.Option.PROXY_SCHEME) return error(m.Code.PROXYING_NOT_SUPPORTED, "not a proxy");
			if (number === m.Option.IF_MATCH || number === m.Option.IF_NONE_MATCH) conditional = true;
		}
		// Uri-Path and Uri-Query must be UTF-8 (5.10.1): readUtf8 throws otherwise, answered 4.00.
		const path = m.uriPath(options);
		const query = m.stringValues(options, m.Option.URI_QUERY);
		const contentFormat = m.uintValue(options, m.Option.CONTENT_FORMAT);
		const accept = m.uintValue(options, m.Option.ACCEPT);
		if (path === WELL_KNOWN_CORE) {
			if (method !== m.Code.GET) return error(m.Code.METHOD_NOT_ALLOWED, "only GET");
			if (accept !== void 0 && accept !== m.Format.LINK_FORMAT) return notAcceptable(accept);
			return this.representation({ payload: linkFormat.resourceLinks(this.resources, query), contentFormat: m.Format.LINK_FORMAT }, m.Code.CONTENT, [], message);
		}
		const resource = this.resources.get(path);
		if (!resource) return error(m.Code.NOT_FOUND, "no resource at " + path);
		const handler = method === m.Code.GET ? resource.get : method === m.Code.PUT ? resource.put : method === m.Code.POST ? resource.post : method === m.Code.DELETE ? resource.delete : void 0;
		if (!handler) return error(m.Code.METHOD_NOT_ALLOWED, path + " does not take " + m.codeName(method));
		if ((method === m.Code.PUT || method === m.Code.POST) && resource.accepts && contentFormat !== void 0 && resource.accepts.indexOf(contentFormat) < 0)
			return error(m.Code.UNSUPPORTED_CONTENT_FORMAT, "Content-Format " + contentFormat + " is not taken here");
		if (conditional) {
			// 5.10.8: If-Match holds when one of its ETags is the resource's, or is empty and a
			// representation exists; If-None-Match when none exists. Which needs the resource's GET.
			const current = resource.get && resource.get({ method: m.Code.GET, peer, path, query, payload: m.EMPTY_BYTES });
			// A slow GET is not waited for: it counts as a representation, so If-None-Match errs on the side of not performing.
			const slow = current !== void 0 && thenable(current);
			if (slow) current.then(ignore, ignore);
			const exists = slow || (current !== void 0 && m.isSuccess(current.code ?? m.Code.CONTENT));
			/** Undefined without If-Match; false while none of its ETags matched. */
			let ifMatch: boolean | undefined;
			let noneMatch = true;
			for (let i = 0; i < options.length; i++) {
				const number = options[i].number;
				const value = options[i].value;
				if (number === m.Option.IF_NONE_MATCH) noneMatch = !exists;
				else if (number === m.Option.IF_MATCH && !ifMatch) ifMatch = exists && (value.length === 0 || m.sameBytes(value, this.etag(path).value));
			}
			if (!noneMatch || ifMatch === false) return error(m.Code.PRECONDITION_FAILED, "If-Match or If-None-Match does not hold");
		}

		let payload = message.payload;
		const extra: CoapOption[] = [];
		const block1Value = m.optionValue(options, m.Option.BLOCK1);
		if (block1Value !== void 0) {
			const block1 = m.readBlock(block1Value);
			if (!block1) throw new ProtocolError("MALFORMED_PACKET", "Block1 is not a block option");
			const assembled = this.receive(peerKey(peer, path), block1, message.payload, m.uintValue(options, m.Option.SIZE1), this.board.now());
			this.kept();
			if (!(assembled instanceof Uint8Array)) return assembled;
			payload = assembled;
			extra.push(m.blockOption(m.Option.BLOCK1, { num: block1.num, more: false, szx: block1.szx }));
		} else if (message.payload.length > this.maxBody) {
			return { code: m.Code.REQUEST_ENTITY_TOO_LARGE, options: [m.uintOption(m.Option.SIZE1, this.maxBody)], payload: m.EMPTY_BYTES };
		}

		const request: ResourceRequest = { method, peer, path, query, payload, contentFormat, accept };
		const observe = method === m.Code.GET && resource.observable ? m.uintValue(options, m.Option.OBSERVE) : void 0;
		if (observe === 1) this.deregister(path, peerKey(peer, m.tokenKey(message.token)));
		const version = this.etag(path);
		const answer = handler(request);
		// A method, not a closure, on the common path: one allocation fewer per request on XS.
		return thenable(answer) ? answer.then((representation) => this.complete(representation, request, message, extra, observe, version)) : this.complete(answer, request, message, extra, observe, version);
	}

	/** The response to a request its handler answered with `representation`. */
	private complete(representation: Representation, request: ResourceRequest, message: CoapMessage, extra: CoapOption[], observe: number | undefined, version: CoapOption | undefined): Content {
		const method = request.method;
		const path = request.path;
		const accept = request.accept;
		const code = representation.code ?? (method === m.Code.GET ? m.Code.CONTENT : method === m.Code.POST ? m.Code.CREATED : method === m.Code.DELETE ? m.Code.DELETED : m.Code.CHANGED);
		const success = m.isSuccess(code);
		// 5.10.4: only a representation in the format asked for (a handler may pick it from `accept`).
		if (success && accept !== void 0 && representation.payload !== void 0 && representation.contentFormat !== accept) return notAcceptable(accept);
		// A change made over CoAP is a new version, unless the handler said so itself (`changed`, whose notifications carry it).
		if (success && method !== m.Code.GET && this.etag(path) === version) this.bump(path);
		if (code === m.Code.CONTENT) extra.push(this.etag(path));
		// RFC 7641 4.1: a registration answered with an error registers nothing (and ends one).
		if (observe === 0) {
			const peer = request.peer;
			const key = peerKey(peer, m.tokenKey(message.token));
			if (!success) this.deregister(path, key);
			else {
				// Registered, or renewed; served without Observe when the caps leave no room.
				let observers = this.observing.get(path);
				let observer = observers && observers.get(key);
				if (!observer && this.observerCount < this.maxObservers && (observers ? observers.size : 0) < this.maxPerResource) {
					if (!observers) this.observing.set(path, (observers = new Map()));
					observers.set(key, (observer = { peer, token: message.token.slice(), key, confirmedAt: 0 }));
					this.observerCount++;
				}
				if (observer) {
					observer.confirmedAt = this.board.now();
					extra.push(m.uintOption(m.Option.OBSERVE, this.nextSequence()));
				}
			}
		}
		return this.representation(representation, code, extra, message);
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

	/** The response to send: one block of it (Block2) when it is larger than a block or a block was asked for. */
	private representation(representation: Representation, fallback: number, extra: CoapOption[], request: CoapMessage | undefined): Content {
		const options = extra;
		const raw = representation.payload ?? m.EMPTY_BYTES;
		let payload = raw as Uint8Array;
		if (typeof raw === "string") {
			// A short text as UTF-8 is kept for the next time: a resource answers with a few texts
			// ("on", "off") over and over, and encoding one costs ~400 computrons on XS. Payloads
			// are only read (encode copies them), so one array serves every response.
			const texts = this.texts;
			const kept = texts.get(raw);
			if (kept) payload = kept;
			else {
				payload = encodeUtf8(raw);
				if (raw.length <= 32) {
					if (texts.size >= 4) texts.clear();
					texts.set(raw, payload);
				}
			}
		}
		if (representation.contentFormat !== void 0) options.push(m.uintOption(m.Option.CONTENT_FORMAT, representation.contentFormat));
		if (representation.maxAge !== void 0) options.push(m.uintOption(m.Option.MAX_AGE, representation.maxAge));
		const asked = request ? m.optionValue(request.options, m.Option.BLOCK2) : void 0;
		let szx = this.szx;
		let offset = 0;
		if (asked !== void 0) {
			const wanted = m.readBlock(asked);
			if (!wanted) throw new ProtocolError("MALFORMED_PACKET", "Block2 is not a block option");
			// 2.4: the block number is in the requester's block size, which may be larger than ours.
			offset = wanted.num * m.blockSize(wanted.szx);
			if (wanted.szx < szx) szx = wanted.szx;
		}
		const size = m.blockSize(szx);
		if (asked !== void 0 || payload.length > size) {
			if (offset > 0 && offset >= payload.length) return error(m.Code.BAD_OPTION, "Block2 past the end of the representation");
			options.push(m.blockOption(m.Option.BLOCK2, { num: offset / size, more: offset + size < payload.length, szx }));
			if (offset === 0) options.push(m.uintOption(m.Option.SIZE2, payload.length));
			payload = payload.subarray(offset, offset + size);
		}
		return { code: representation.code ?? fallback, options: m.sortOptions(options), payload };
	}

	private nextSequence(): number {
		this.sequence = (this.sequence + 1) & 0xffffff;
		return this.sequence;
	}
}

function notAcceptable(accept: number): Content {
	return error(m.Code.NOT_ACCEPTABLE, "not available as Content-Format " + accept);
}

function thenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
	return typeof (value as { then?: unknown }).then === "function";
}

const ignore = (): void => void 0;

