/**
 * The CoAP server's tables a client can grow, each capped with the protocol's answer when
 * full; the server (server.ts) is this class extended, one object with one transport:
 * - the ETag versions (RFC 7252 5.10.6): each resource keeps the option of its last change
 *   (server.ts), so If-Match and If-None-Match (5.10.8) can be answered and notifications
 *   carry it; the option is made once per change and responses only read it;
 * - Block1 uploads assembled before a handler sees the body (RFC 7959 2.5): blocks in order
 *   (4.08 Request Entity Incomplete for a missing one), at most `maxBody` bytes (4.13 with
 *   Size1), at most `maxUploads` unfinished (5.03 with Max-Age saying when the oldest
 *   expires: 2.9.3 allows refusing), each forgotten EXCHANGE_LIFETIME after its last block,
 *   so a client that stops half way holds no memory;
 * - separate responses (RFC 7252 5.2.2) of handlers that answer with a promise: a CON
 *   request still unanswered `separateAfter` ms on is acknowledged Empty, so the client
 *   stops retransmitting it, and the response follows as a CON of its own (the request's
 *   token), retransmitted until acknowledged; answered sooner, it is piggybacked on the ACK.
 *   A handler still unsettled at `handlerTimeout` is answered 5.00, so no client waits for
 *   ever; past `maxSeparate` waiting or in flight a slow answer is refused 5.03 with Max-Age
 *   (the handler has run: a slow resource should be safe to ask again).
 * Upload and separate deadlines run on the endpoint's timer while either table holds
 * anything (`keep`), so an idle server's ticks ask no table at all.
 */
import type { Board } from "../common/board";
import * as bytes from "../common/bytes";
import { ProtocolError } from "../common/errors";
import type { Content, EndpointOptions, Expiring, IncomingRequest } from "./endpoint";
import { error, unavailable } from "./message-layer";
import * as m from "./message";
import type { Block, CoapOption } from "./message";
import { Transport } from "./transport";
import { Default, type Resource, type TransportDtls, type TransportOptions } from "./types";
import * as texts from "../common/text";

export interface CoapServerOptions extends EndpointOptions {
	/** UDP port (default 5683; 0 for any free one). */
	readonly port?: number;
	/** coaps: DTLS with pre-shared keys (types.ts); the caller picks the port (5684). */
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
	/**
	 * ms a CON request waits for a slow handler before it is acknowledged Empty and answered
	 * separately (default ACK_TIMEOUT / 2, 1 s: the client retransmits at ACK_TIMEOUT at the
	 * earliest, and the ACK has the other half to reach it; a handler quicker than that
	 * still has its answer piggybacked, one datagram fewer).
	 */
	readonly separateAfter?: number;
	/** ms a slow handler has before it is answered 5.00 (default 30 s). */
	readonly handlerTimeout?: number;
	/** Slow answers waiting or in flight (default 4); past it 5.03. */
	readonly maxSeparate?: number;
	/** Notifications as CON (default) or NON. */
	readonly confirmableNotifications?: boolean;
	onReady?(port: number): void;
	/** The port could not be bound (a typed BIND_FAILED error): the server serves nothing. */
	onError?(error: Error): void;
}

interface Upload {
	/** peerKey(peer, path). */
	readonly key: string;
	readonly parts: Uint8Array[];
	length: number;
	expires: number;
}

interface Waiting {
	readonly request: IncomingRequest;
	/** When to send the Empty ACK; Infinity once sent (or for a NON, which has none). */
	ackAt: number;
	/** When the handler is given up; Infinity once answered. */
	deadline: number;
}

/**
 * The ETag of `version`, in 3 bytes. An ETag is opaque (5.10.6), not a uint: written
 * directly, at a fraction of what uintOption's loop costs XS. Made where it is sent, not
 * kept: a resource keeps its version, a number, which takes no slots of its own.
 */
export function etagOption(version: number): CoapOption {
	const value = new Uint8Array(3);
	// A Uint8Array keeps the low 8 bits of what is stored: no masks.
	value[0] = version >> 16;
	value[1] = version >> 8;
	value[2] = version;
	return { number: m.Option.ETAG, value };
}

/** What a handler's failure is answered with: what cannot be read (a ProtocolError) is the client's fault (4.00, with why); anything else is ours (5.00). */
export function failed(failure: unknown): Content {
	if (failure instanceof ProtocolError) return error(m.Code.BAD_REQUEST, "the request cannot be read: " + failure.message);
	return error(m.Code.INTERNAL_SERVER_ERROR, "the resource failed");
}

export abstract class ServerTables implements Expiring {
	declare readonly transport: Transport;
	declare protected readonly szx: number;
	/** The last version given out, from a random start so a reboot does not repeat them: a resource added starts at it (ETags are a resource's own, 5.10.6). */
	declare protected version: number;
	/** Made at the first Block1 upload, the other at the first slow answer: a server without either keeps no table. Arrays, not Maps: a few entries, found by a walk, cost a slot each on XS (a Map entry three). */
	declare private uploads: Upload[] | undefined;
	declare private waiting: Waiting[] | undefined;

	constructor(board: Board, options: CoapServerOptions) {
		this.szx = m.szxFor(options.blockSize ?? 1024);
		const { onReady, ...given } = options;
		const settings: CoapServerOptions & TransportOptions = {
			...given,
			port: options.port ?? 5683,
			server: this,
		};
		// No closure to keep when nobody asked, nor a field.
		if (onReady) settings.onReady = () => onReady(this.transport.port);
		const transport = (this.transport = new Transport(board, settings));
		this.version = Math.floor(transport.endpoint.random() * 0xffffff);
	}

	/** The options as the transport was given them, which the endpoint keeps: the caps are read from them where they are checked (a field, or a field each, would cost a heap slot on XS; no request answered at once reads them). */
	protected get settings(): CoapServerOptions {
		return this.transport.endpoint.options as CoapServerOptions;
	}

	/** The endpoint's: a request arrived (RequestSink). */
	abstract handle(request: IncomingRequest): void;

	/** Block1 uploads under way (at most `maxUploads`). */
	get uploading(): number {
		return this.uploads ? this.uploads.length : 0;
	}

	/** Slow answers waiting for their handler or for the ACK of their separate response (at most `maxSeparate`). */
	get separating(): number {
		return this.waiting ? this.waiting.length : 0;
	}

	/** The largest body taken, whole or in Block1 blocks (default 8 KiB): read where used, so the server keeps no field for it. */
	protected get maxBody(): number {
		return this.settings.maxBodySize ?? 8192;
	}

	/**
	 * The next of one 24-bit counter: a changed resource's version, sent as its ETag
	 * (etagOption), and the Observe sequence numbers (RFC 7641 4.4), shared by all resources:
	 * both need only ever rise (modulo 2^24), gaps allowed, and one field does for both.
	 */
	protected nextVersion(): number {
		return (this.version = (this.version + 1) & 0xffffff);
	}

	/**
	 * Adds one Block1 block of `key`'s upload; the whole body when it was the last, or the
	 * answer to send now. The caller then asks `kept`, the table having grown or shrunk.
	 */
	protected receive(key: string, block: Block, payload: Uint8Array, size1: number | undefined, now: number): Uint8Array | Content {
		const uploads = (this.uploads ??= []);
		const maxBody = this.maxBody;
		const answer = (code: number): Content => {
			const options: CoapOption[] = [m.blockOption(m.Option.BLOCK1, { num: block.num, more: code === m.Code.CONTINUE, szx: Math.min(block.szx, this.szx) })];
			if (code === m.Code.REQUEST_ENTITY_TOO_LARGE) options.push(m.uintOption(m.Option.SIZE1, maxBody));
			// Block1 (27) before Size1 (60): in order as pushed.
			return { code, options, payload: m.EMPTY_BYTES };
		};
		let upload: Upload | undefined;
		for (let i = 0; i < uploads.length; i++) if (uploads[i].key === key) upload = uploads[i];
		// Block 0 starts the upload afresh.
		if (upload && block.num === 0) {
			uploads.splice(uploads.indexOf(upload), 1);
			upload = void 0;
		}
		if ((size1 ?? 0) > maxBody) return answer(m.Code.REQUEST_ENTITY_TOO_LARGE);
		if (block.more && payload.length !== m.blockSize(block.szx)) return error(m.Code.BAD_REQUEST, "a Block1 block that is not its size");
		if (!upload && block.num === 0 && block.more) {
			if (uploads.length >= (this.settings.maxUploads ?? 2)) {
				this.transport.endpoint.dropped.overloaded++;
				return unavailable(this.uploadExpiry() - now);
			}
			uploads.push((upload = { key, parts: [], length: 0, expires: 0 }));
		}
		// Blocks arrive in order; a different offset means one went missing (2.9.2).
		const offset = block.num * m.blockSize(block.szx);
		if (!upload) return block.num !== 0 ? answer(m.Code.REQUEST_ENTITY_INCOMPLETE) : payload.length > maxBody ? answer(m.Code.REQUEST_ENTITY_TOO_LARGE) : payload;
		if (offset !== upload.length) return answer(m.Code.REQUEST_ENTITY_INCOMPLETE);
		if (upload.length + payload.length > maxBody) {
			uploads.splice(uploads.indexOf(upload), 1);
			return answer(m.Code.REQUEST_ENTITY_TOO_LARGE);
		}
		upload.parts.push(payload.slice());
		upload.length += payload.length;
		upload.expires = now + this.transport.endpoint.lifetime;
		if (block.more) return answer(m.Code.CONTINUE);
		uploads.splice(uploads.indexOf(upload), 1);
		return bytes.concat(upload.parts, upload.length);
	}

	/** When the first upload expires; Infinity for none. */
	private uploadExpiry(): number {
		const uploads = this.uploads;
		let next = Infinity;
		if (uploads) for (let i = 0; i < uploads.length; i++) if (uploads[i].expires < next) next = uploads[i].expires;
		return next;
	}

	/** Answers `request` with what `answer` settles to, separately if it takes longer than `separateAfter`. */
	protected hold(request: IncomingRequest, answer: PromiseLike<Content>, now: number): void {
		const waiting = (this.waiting ??= []);
		const transport = this.transport;
		const endpoint = transport.endpoint;
		const settings = this.settings;
		const limit = settings.handlerTimeout ?? 30_000;
		if (waiting.length >= (settings.maxSeparate ?? 4)) {
			endpoint.dropped.overloaded++;
			// Max-Age: until the next place frees, at most the handler limit (a held place that is a
			// sent answer awaiting its ACK has no deadline here: the endpoint gives it up in time).
			const wait = this.separateExpiry() - now;
			endpoint.respond(request, unavailable(wait < limit ? wait : limit), now);
			return;
		}
		// Its retransmissions are duplicates now (a GET arrived untracked): the handler runs once.
		endpoint.track(request, now);
		const entry: Waiting = { request, ackAt: request.message.type === m.Type.CON ? now + (settings.separateAfter ?? (settings.ackTimeout ?? Default.ACK_TIMEOUT) / 2) : Infinity, deadline: now + limit };
		if (waiting.push(entry) === 1) endpoint.keep(this);
		// Settled outside the endpoint's timer: the transport is asked to send it.
		const settled = (content: Content) => {
			this.settle(entry, content, this.transport.board.now());
			transport.service();
		};
		answer.then(settled, (failure: unknown) => settled(failed(failure)));
	}

	/** Sends the answer; a separate one holds its place until it is acknowledged or given up. */
	private settle(entry: Waiting, content: Content, now: number): void {
		// Given up already (5.00 went out): the late answer has nowhere to go.
		if (entry.deadline === Infinity) return;
		entry.deadline = Infinity;
		const done = () => {
			const waiting = this.waiting;
			const i = waiting ? waiting.indexOf(entry) : -1;
			if (i >= 0) (waiting as Waiting[]).splice(i, 1);
			this.kept();
		};
		// With No-Response the answer may never go (endpoint.ts `respond`): nothing to wait for.
		if (entry.ackAt !== Infinity || entry.request.message.type !== m.Type.CON || entry.request.noResponse !== void 0) done();
		this.transport.endpoint.respond(entry.request, content, now, { onAck: done, onReset: done, onTimeout: done });
	}

	private separateExpiry(): number {
		const waiting = this.waiting;
		if (!waiting) return Infinity;
		let next = Infinity;
		for (let i = 0; i < waiting.length; i++) {
			const at = waiting[i].ackAt < waiting[i].deadline ? waiting[i].ackAt : waiting[i].deadline;
			if (at < next) next = at;
		}
		return next;
	}

	nextExpiry(): number {
		const uploads = this.uploadExpiry();
		const separate = this.separateExpiry();
		return uploads < separate ? uploads : separate;
	}

	expire(now: number): void {
		const uploads = this.uploads;
		if (uploads) for (let i = uploads.length - 1; i >= 0; i--) if (uploads[i].expires <= now) uploads.splice(i, 1);
		const waiting = this.waiting;
		for (let i = waiting ? waiting.length - 1 : -1; i >= 0; i--) {
			const entry = (waiting as Waiting[])[i];
			if (entry.ackAt <= now) {
				entry.ackAt = Infinity;
				this.transport.endpoint.acknowledge(entry.request);
			}
			if (entry.deadline <= now) this.settle(entry, { code: m.Code.INTERNAL_SERVER_ERROR, options: [], payload: m.EMPTY_BYTES }, now);
		}
		this.kept();
	}

	/** Kept on the endpoint's timer while either table holds anything. */
	protected kept(): void {
		this.transport.endpoint.keep(this.uploading > 0 || this.separating > 0 ? this : void 0);
	}

	protected clearTables(): void {
		this.uploads = this.waiting = void 0;
		this.transport.endpoint.keep(void 0);
	}
}

/*
 * CoRE Link Format (RFC 6690): what GET /.well-known/core answers, here with the tables
 * (a module of its own costs the device its tables). `matches` applies the query filters of 4.1
 * (`rt=`, `if=`, `ct=`, with a trailing `*` as a prefix match), and `resourceLinks` writes a
 * server's answer (`</sensors/temp>;rt="temperature-c";if="sensor";ct=0,</lamp>;obs`). Reading
 * one is a client's part, which the device does not play: testkit/portable/coap-host-client.ts.
 */

export interface Link {
	/** The URI-reference between < and >. */
	readonly target: string;
	/** Attribute values; a value-less attribute such as `obs` is "". Repeated ones are joined by " ". */
	readonly attributes: Readonly<Record<string, string>>;
}

export interface LinkFilter {
	readonly rt?: string;
	readonly if?: string;
	readonly ct?: string;
}

/**
 * Whether a link's `name` attribute matches a filter's `wanted` value (absent: no filter).
 * rt and if hold space-separated values, any of which may match (RFC 6690 4.1); a filter
 * ending in `*` matches by prefix.
 */
export function matches(attributes: Readonly<Record<string, string>>, name: keyof LinkFilter, wanted: string | undefined): boolean {
	if (wanted === void 0) return true;
	const value = attributes[name];
	if (value === void 0) return false;
	const prefix = wanted.endsWith("*");
	const stem = prefix ? wanted.slice(0, -1) : wanted;
	const words = value.split(" ");
	for (let i = 0; i < words.length; i++) if (prefix ? words[i].startsWith(stem) : words[i] === stem) return true;
	return false;
}

/** What a server's GET /.well-known/core answers: its resources (obs for observable ones), filtered by the query's `name=value` arguments. */
export function resourceLinks(resources: readonly { readonly path: string; readonly resource: Resource }[], query: readonly string[]): string {
	const filter: Record<string, string> = {};
	for (let i = 0; i < query.length; i++) {
		const equals = query[i].indexOf("=");
		if (equals > 0) filter[query[i].slice(0, equals)] = query[i].slice(equals + 1);
	}
	// `</a>;rt="x";obs,...`: values are quoted unless they are numbers (ct, sz); in a
	// quoted-string `"` and `\` are escaped with a backslash.
	let text = "";
	for (let i = 0; i < resources.length; i++) {
		const path = resources[i].path;
		const resource = resources[i].resource;
		const attributes = resource.attributes || {};
		if (!matches(attributes, "rt", filter.rt) || !matches(attributes, "if", filter.if) || !matches(attributes, "ct", filter.ct)) continue;
		text += (text === "" ? "<" : ",<") + path + ">";
		const names = Object.keys(attributes);
		for (let j = 0; j < names.length; j++) {
			const value = attributes[names[j]];
			text += ";" + names[j];
			if (value === "") continue;
			if (texts.isDecimal(value)) {
				text += "=" + value;
				continue;
			}
			text += '="';
			for (let k = 0; k < value.length; k++) {
				const c = value.charAt(k);
				text += c === '"' || c === "\\" ? "\\" + c : c;
			}
			text += '"';
		}
		if (resource.observable) text += ";obs";
	}
	return text;
}
