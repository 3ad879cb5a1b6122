/**
 * The CoAP server: resources at paths (types.ts) served over one Transport, with
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
 * - handlers that answer with a promise: a separate response when they are slow (server-tables.ts);
 * - No-Response (RFC 7967): none of the classes a request asks not to get (a CON has its empty ACK).
 *
 * Every table a client can grow is capped, with the protocol's answer when it is full:
 * observers per resource and in all (the GET is served without Observe, so the client knows
 * it is not registered: RFC 7641 4.1), unfinished Block1 uploads (5.03 with Max-Age), which
 * expire EXCHANGE_LIFETIME after their last block on the endpoint's timer, and slow answers
 * waiting (5.03 past `maxSeparate`). The endpoint caps its duplicate table so.
 */
import { type Content, type IncomingRequest, type Notified, type Peer } from "./endpoint";
import { error, peerKey } from "./message-layer";
import * as m from "./message";
import type { Representation, Resource, ResourceRequest } from "./types";
import type { Board } from "../common/board";
import { ProtocolError } from "../common/errors";
import { encodeUtf8 } from "../common/utf8";
import { etagOption, failed, resourceLinks, ServerTables, type CoapServerOptions } from "./server-tables";

export type { CoapServerOptions } from "./server-tables";

/** A resource as served: where, and the ETag of its current version. */
interface Served {
	readonly path: string;
	/**
	 * The path's UTF-8 bytes, one char a byte (the path itself when ASCII): a request's Uri-Path
	 * as String.fromCharCode reads it, one native call a segment (half what uriPath's checks
	 * cost XS). Equal keys are equal bytes, so a match is valid UTF-8; a miss is checked (5.10.1).
	 */
	readonly key: string;
	resource: Resource;
	/** Its version, sent as its ETag (etagOption). */
	etag: number;
}

interface Observer extends Notified {
	readonly path: string;
	/** When it was last sent a CON (its registration counts): RFC 7641 4.5 wants one a day at least. */
	confirmedAt: number;
}

/** The query of a request without Uri-Query: one array for all (handlers only read it). */
const NO_QUERY: readonly string[] = Object.freeze([]);

export class CoapServer extends ServerTables {
	/** Arrays, not Maps, walked: a server has a few resources and observers, and an array element costs XS one slot, a Map entry three. */
	declare private readonly served: Served[];
	/** Every resource's observers, at most `maxObservers`. */
	declare private readonly watchers: Observer[];
	/** The last short text answered, and its UTF-8 once answered again: one text goes to every observer and GET until it changes (encoding it costs XS ~400 computrons). */
	declare private text?: string;
	declare private utf8?: Uint8Array;
	/** The Content-Format option sent last, and its number. */
	declare private format: number;
	declare private formatOption: m.CoapOption;
	/** The answer most requests get (ETag, Content-Format, one block) as last answered: its options, and them with its payload on the wire, reused while version, format and text stay (~350 computrons on XS). */
	declare private plain?: m.CoapOption[];
	declare private plainVersion?: number;
	declare private plainPayload?: Uint8Array;
	declare private plainWire?: Uint8Array;

	constructor(board: Board, options: CoapServerOptions = {}) {
		super(board, options);
		this.served = [];
		this.watchers = [];
		this.format = m.Format.TEXT_PLAIN;
		this.formatOption = m.uintOption(m.Option.CONTENT_FORMAT, m.Format.TEXT_PLAIN);
	}

	get port(): number {
		return this.transport.port;
	}

	/** Serves `resource` at `path` ("/lamp"), in place of any resource there before (whose ETag goes on). Throws a ProtocolError for a path with a lone surrogate, which no UTF-8 Uri-Path can name. */
	add(path: string, resource: Resource): void {
		const entry = this.entry(path);
		if (entry) {
			entry.resource = resource;
			return;
		}
		const bytes = encodeUtf8(path);
		const key = bytes.length === path.length ? path : String.fromCharCode.apply(null, bytes as unknown as number[]);
		this.served.push({ path, key, resource, etag: this.version });
	}

	/** How many observe `path`, or every resource without one (at most `maxObservers`). */
	observers(path?: string): number {
		const watchers = this.watchers;
		if (path === void 0) return watchers.length;
		let count = 0;
		for (let i = 0; i < watchers.length; i++) if (watchers[i].path === path) count++;
		return count;
	}

	/** The resource at `path` changed: a new ETag, and its observers notified (RFC 7641 4.2). */
	changed(path: string): void {
		const entry = this.entry(path);
		if (!entry) return;
		entry.etag = this.nextVersion();
		const get = entry.resource.get;
		if (!get || this.observers(path) === 0) return;
		const sequence = this.nextVersion();
		const watchers = this.watchers;
		for (let i = 0; i < watchers.length; i++) {
			const observer = watchers[i];
			if (observer.path !== path) continue;
			const answer = get({ method: m.Code.GET, peer: observer.peer, path, query: NO_QUERY, payload: m.EMPTY_BYTES });
			if (!thenable(answer)) this.notify(entry, observer, answer, sequence);
			// A slow resource notifies when it has the state, under a sequence number of then.
			else
				answer.then((representation) => {
					if (this.watchers.indexOf(observer) < 0) return;
					this.notify(entry, observer, representation, this.nextVersion());
					this.transport.service();
				}, ignore);
		}
		this.transport.service();
	}

	close(): void {
		const endpoint = this.transport.endpoint;
		const watchers = this.watchers;
		for (let i = 0; i < watchers.length; i++) endpoint.forget(watchers[i]);
		watchers.length = 0;
		this.clearTables();
		this.transport.close();
	}

	private entry(path: string): Served | undefined {
		const served = this.served;
		for (let i = 0; i < served.length; i++) if (served[i].path === path) return served[i];
		return void 0;
	}

	private notify(entry: Served, observer: Observer, representation: Representation, sequence: number): void {
		const now = this.transport.board.now();
		const code = representation.code ?? m.Code.CONTENT;
		const content = this.representation(representation, code, code === m.Code.CONTENT ? entry.etag : void 0, void 0, sequence);
		// 4.5: with NON notifications, still a CON a day, to learn whether the client is there.
		const confirmable = this.settings.confirmableNotifications !== false || now - observer.confirmedAt >= 86_400_000;
		if (confirmable) observer.confirmedAt = now;
		this.transport.endpoint.notify(observer, content, confirmable, now, () => this.drop(observer));
	}

	handle(incoming: IncomingRequest): void {
		let content: Content | PromiseLike<Content>;
		try {
			content = this.answer(incoming);
		} catch (failure) {
			content = failed(failure);
		}
		// thenable(content), inline: a call fewer for every request. One answered at once goes at the endpoint's time (respond's default): no clock read.
		if (typeof (content as PromiseLike<Content>).then === "function") this.hold(incoming, content as PromiseLike<Content>, this.transport.board.now());
		else this.transport.endpoint.respond(incoming, content as Content);
	}

	private answer(incoming: IncomingRequest): Content | PromiseLike<Content> {
		const peer = incoming.peer;
		const message = incoming.message;
		const options = message.options;
		const method = message.code;
		// One pass over the options, each value read where it is met, the first of a repeated one kept.
		let key = "";
		let count = 0;
		let contentFormat: number | undefined;
		let accept: number | undefined;
		let observe: number | undefined;
		let block1: Uint8Array | undefined;
		let block2: Uint8Array | undefined;
		let size1: number | undefined;
		let conditional = false;
		for (let i = 0; i < options.length; i++) {
			const number = options[i].number;
			const value = options[i].value;
			if (number === m.Option.URI_PATH) key += "/" + String.fromCharCode.apply(null, value as unknown as number[]);
			else if (number === m.Option.URI_QUERY) count++;
			else if (number === m.Option.CONTENT_FORMAT) contentFormat ??= m.readUint(value);
			else if (number === m.Option.ACCEPT) accept ??= m.readUint(value);
			else if (number === m.Option.OBSERVE) observe ??= m.readUint(value);
			else if (number === m.Option.BLOCK2) block2 ??= value;
			else if (number === m.Option.BLOCK1) block1 ??= value;
			else if (number === m.Option.SIZE1) size1 ??= m.readUint(value);
			// 5.7.2: not a proxy, so never the local resource for a request meant for another server.
			else if (number === m.Option.PROXY_URI || number === m.Option.PROXY_SCHEME) return error(m.Code.PROXYING_NOT_SUPPORTED, "not a proxy");
			else if (number === m.Option.IF_MATCH || number === m.Option.IF_NONE_MATCH) conditional = true;
			else if (number === m.Option.NO_RESPONSE) incoming.noResponse ??= m.readUint(value);
		}
		if (key === "") key = "/";
		const served = this.served;
		let found: Served | undefined;
		for (let i = 0; i < served.length && !found; i++) if (served[i].key === key) found = served[i];
		// Uri-Query must be UTF-8 (5.10.1): readUtf8 throws otherwise, answered 4.00.
		const query = count > 0 ? m.stringValues(options, m.Option.URI_QUERY) : NO_QUERY;
		if (key === "/.well-known/core" || !found) {
			// Uri-Path too: uriPath reads it as UTF-8.
			const path = m.uriPath(options);
			if (path !== "/.well-known/core") return error(m.Code.NOT_FOUND, "no resource at " + path);
			if (method !== m.Code.GET) return error(m.Code.METHOD_NOT_ALLOWED, "only GET");
			if (accept !== void 0 && accept !== m.Format.LINK_FORMAT) return notAcceptable(accept);
			return this.representation({ payload: resourceLinks(served, query), contentFormat: m.Format.LINK_FORMAT }, m.Code.CONTENT, void 0, block2);
		}
		const entry = found;
		const path = entry.path;
		const resource = entry.resource;
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
				else if (number === m.Option.IF_MATCH && !ifMatch) ifMatch = exists && (value.length === 0 || m.sameBytes(value, etagOption(entry.etag).value));
			}
			if (!noneMatch || ifMatch === false) return error(m.Code.PRECONDITION_FAILED, "If-Match/If-None-Match fails");
		}

		let payload = message.payload;
		/** The last Block1's option, echoed with the response to the assembled upload (RFC 7959 2.5). */
		let echo: m.CoapOption | undefined;
		// Without Block1, the body cap's getter is asked only for a payload (most requests have none).
		if (block1 !== void 0) {
			const block = readBlock(block1);
			const assembled = this.receive(peerKey(peer, path), block, payload, size1, this.transport.board.now());
			this.kept();
			if (!(assembled instanceof Uint8Array)) return assembled;
			payload = assembled;
			echo = m.blockOption(m.Option.BLOCK1, { num: block.num, more: false, szx: block.szx });
		} else if (payload.length > 0 && payload.length > this.maxBody) {
			return { code: m.Code.REQUEST_ENTITY_TOO_LARGE, options: [m.uintOption(m.Option.SIZE1, this.maxBody)], payload: m.EMPTY_BYTES };
		}

		const request: ResourceRequest = { method, peer, path, query, payload, contentFormat, accept };
		if (method !== m.Code.GET || !resource.observable) observe = void 0;
		const token = message.token;
		if (observe === 1) this.drop(this.observer(path, peer, token));
		const version = entry.etag;
		const answer = handler(request);
		// complete(), for a plain GET answered at once (no Observe, Accept or Block1), without its eight arguments and checks.
		if (method === m.Code.GET && observe === void 0 && accept === void 0 && echo === void 0 && typeof (answer as PromiseLike<Representation>).then !== "function") {
			const code = (answer as Representation).code ?? m.Code.CONTENT;
			return this.representation(answer as Representation, code, code === m.Code.CONTENT ? entry.etag : void 0, block2);
		}
		// A slow answer completes through a bound method: a variable an arrow captures is a heap slot on XS for every request.
		return typeof (answer as PromiseLike<Representation>).then === "function" ? (answer as PromiseLike<Representation>).then(this.complete.bind(this, request, entry, token, observe, version, echo, block2)) : this.complete(request, entry, token, observe, version, echo, block2, answer as Representation);
	}

	/** The response to a request its handler answered with `representation`. */
	private complete(request: ResourceRequest, entry: Served, token: Uint8Array, observe: number | undefined, version: number, echo: m.CoapOption | undefined, block2: Uint8Array | undefined, representation: Representation): Content {
		const method = request.method;
		const accept = request.accept;
		const code = representation.code ?? (method === m.Code.GET ? m.Code.CONTENT : method === m.Code.POST ? m.Code.CREATED : method === m.Code.DELETE ? m.Code.DELETED : m.Code.CHANGED);
		// 2.xx (m.isSuccess, a call fewer).
		const success = code >> 5 === m.Class.SUCCESS;
		// 5.10.4: only a representation in the format asked for (a handler may pick it from `accept`).
		if (success && accept !== void 0 && representation.payload !== void 0 && representation.contentFormat !== accept) return notAcceptable(accept);
		// A change made over CoAP is a new version, unless the handler said so itself (`changed`, whose notifications carry it).
		if (success && method !== m.Code.GET && entry.etag === version) entry.etag = this.nextVersion();
		let sequence: number | undefined;
		// RFC 7641 4.1: a registration answered with an error registers nothing (and ends one).
		if (observe === 0) {
			const peer = request.peer;
			const path = entry.path;
			if (!success) this.drop(this.observer(path, peer, token));
			else {
				// Registered, or renewed; served without Observe when the caps leave no room.
				let observer = this.observer(path, peer, token);
				if (!observer && this.watchers.length < (this.settings.maxObservers ?? 8) && this.observers(path) < (this.settings.maxObserversPerResource ?? 4)) this.watchers.push((observer = { path, peer, token: token.slice().buffer as ArrayBuffer, confirmedAt: 0 }));
				if (observer) {
					observer.confirmedAt = this.transport.board.now();
					sequence = this.nextVersion();
				}
			}
		}
		return this.representation(representation, code, code === m.Code.CONTENT ? entry.etag : void 0, block2, sequence, echo);
	}

	/** The observer of `path` with `peer` and `token` (RFC 7641 3.1: an observation is named by both), if any. */
	private observer(path: string, peer: Peer, token: Uint8Array): Observer | undefined {
		const watchers = this.watchers;
		for (let i = 0; i < watchers.length; i++) {
			const observer = watchers[i];
			if (observer.path === path && observer.peer.port === peer.port && observer.peer.address === peer.address && m.sameBytes(new Uint8Array(observer.token), token)) return observer;
		}
		return void 0;
	}

	private drop(observer: Observer | undefined): void {
		const watchers = this.watchers;
		const i = observer ? watchers.indexOf(observer) : -1;
		if (i < 0) return;
		this.transport.endpoint.forget(watchers[i]);
		watchers.splice(i, 1);
	}

	/**
	 * The response to send: one block of it (Block2, `block2` the request's) when it is larger
	 * than a block or a block was asked for. Its options are pushed in number order (ETag 4,
	 * Observe 6, Content-Format 12, Max-Age 14, Block2 23, Block1 27, Size2 28): no sort.
	 */
	private representation(representation: Representation, code: number, etag: number | undefined, block2: Uint8Array | undefined, sequence?: number, echo?: m.CoapOption): Content {
		const text = representation.payload ?? m.EMPTY_BYTES;
		const format = representation.contentFormat;
		if (format !== void 0 && format !== this.format) this.formatOption = m.uintOption(m.Option.CONTENT_FORMAT, (this.format = format));
		let options = this.plain;
		const plain = etag !== void 0 && format !== void 0 && sequence === void 0 && representation.maxAge === void 0 && block2 === void 0 && echo === void 0;
		// The last plain answer again, its text the one kept with its bytes: nothing to encode or check.
		if (plain && text === this.text && this.utf8 !== void 0 && this.plainPayload === this.utf8 && this.plainVersion === etag && (options as m.CoapOption[])[1] === this.formatOption) return { code, options: options as m.CoapOption[], payload: this.utf8 as Uint8Array, wire: this.plainWire };
		let payload = text as Uint8Array;
		if (typeof text === "string") {
			// Its bytes kept from its second answer on (a Uint8Array is 7 heap slots on XS); a long text (JSON, links) not at all.
			if (text !== this.text) {
				payload = encodeUtf8(text);
				this.text = text.length <= 32 ? text : void 0;
				this.utf8 = void 0;
			} else payload = this.utf8 ??= encodeUtf8(text);
		}
		if (plain && payload.length <= 16 << this.szx) {
			if (options === void 0 || this.plainVersion !== etag || options[1] !== this.formatOption) {
				this.plainVersion = etag;
				this.plain = options = [etagOption(etag), this.formatOption];
				this.plainPayload = void 0;
			}
			// The same options and text, the same wire; a handler's own array may have been filled anew.
			if (payload !== this.plainPayload || typeof text !== "string") {
				this.plainPayload = payload;
				this.plainWire = m.encodeParts(0, 0, 0, m.EMPTY_BYTES, options, payload).subarray(4);
			}
			return { code, options, payload, wire: this.plainWire };
		}
		options = [];
		if (etag !== void 0) options.push(etagOption(etag));
		if (sequence !== void 0) options.push(m.uintOption(m.Option.OBSERVE, sequence));
		if (format !== void 0) options.push(this.formatOption);
		if (representation.maxAge !== void 0) options.push(m.uintOption(m.Option.MAX_AGE, representation.maxAge));
		let szx = this.szx;
		let offset = 0;
		if (block2 !== void 0) {
			const block = readBlock(block2);
			// 2.4: the block number is in the requester's block size, which may be larger than ours.
			offset = block.num * m.blockSize(block.szx);
			if (block.szx < szx) szx = block.szx;
		}
		// m.blockSize, a call fewer for every response.
		const size = 16 << szx;
		let size2: m.CoapOption | undefined;
		if (block2 !== void 0 || payload.length > size) {
			if (offset > 0 && offset >= payload.length) return error(m.Code.BAD_OPTION, "Block2 past the representation");
			options.push(m.blockOption(m.Option.BLOCK2, { num: offset / size, more: offset + size < payload.length, szx }));
			if (offset === 0) size2 = m.uintOption(m.Option.SIZE2, payload.length);
			payload = payload.subarray(offset, offset + size);
		}
		if (echo) options.push(echo);
		if (size2) options.push(size2);
		return { code, options, payload };
	}
}

/** A Block1 or Block2 value (RFC 7959 2.2), or a ProtocolError (4.00) for one that is not. */
function readBlock(value: Uint8Array): m.Block {
	const block = m.readBlock(value);
	if (!block) throw new ProtocolError("MALFORMED_PACKET", "not a Block1 or Block2");
	return block;
}

function notAcceptable(accept: number): Content {
	return error(m.Code.NOT_ACCEPTABLE, "not available as Content-Format " + accept);
}

function thenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
	return typeof (value as { then?: unknown }).then === "function";
}

const ignore = (): void => void 0;
