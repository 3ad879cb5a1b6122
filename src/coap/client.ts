/**
 * The CoAP client: get / put / post / delete on coap:// URIs, Observe (RFC 7641),
 * block-wise transfers (RFC 7959) and discovery (RFC 6690), over one Transport. Host
 * names go through the board's resolver. Responses of any code resolve the promise
 * (4.04 is an answer, not a failure); a timeout, a reset or a stop rejects it with a
 * ProtocolError.
 */
import type { Board } from "../common/board";
import * as bytes from "../common/bytes";
import { DeadlineTimer } from "../common/deadline-timer";
import { ProtocolError } from "../common/errors";
import * as utf8 from "../common/utf8";
import type { Content, DropCounts, EndpointOptions, Peer } from "./endpoint";
import * as linkFormat from "./link-format";
import type { Link, LinkFilter } from "./link-format";
import * as m from "./message";
import type { CoapMessage, CoapOption } from "./message";
import type { Block } from "./options";
import * as o from "./options";
import { Transport } from "./transport";
import { parseCoapUri, type CoapUri } from "./uri";

export interface CoapClientOptions extends EndpointOptions {
	/** Preferred block size in bytes (16-1024) for Block1 uploads and Block2 downloads (default 1024). */
	readonly blockSize?: number;
	/** Local UDP port; any free one by default. */
	readonly port?: number;
}

export interface RequestOptions {
	readonly payload?: Uint8Array | string;
	readonly contentFormat?: number;
	readonly accept?: number;
	/** CON (default) or NON. */
	readonly confirmable?: boolean;
	/** This request's block size preference, overriding the client's. */
	readonly blockSize?: number;
}

export interface CoapResponse {
	readonly code: number;
	/** "2.05". */
	readonly status: string;
	/** The options of the last response (the last block's, for a block-wise transfer). */
	readonly options: readonly CoapOption[];
	/** The whole representation, all blocks joined. */
	readonly payload: Uint8Array;
	readonly contentFormat?: number;
}

/** The payload as text (UTF-8). */
export function responseText(response: CoapResponse): string {
	return utf8.readUtf8(response.payload);
}

export interface Observation {
	/** Deregisters with a GET carrying Observe 1 (RFC 7641 3.6); resolves with its response. */
	cancel(): Promise<CoapResponse>;
	/** Forgets the observation: the next notification is answered with a Reset (3.6). */
	forget(): void;
}

export interface ObserveHandlers {
	onNotification(response: CoapResponse): void;
	/** The observation ended: the server answered without Observe, or it failed. */
	onEnd?(error?: ProtocolError): void;
}

/** Servers remembered as this client's peers; the least recently addressed is forgotten first. */
const MAX_SERVERS = 8;

/** 5.10.5: a response without Max-Age is fresh for 60 s. */
const DEFAULT_MAX_AGE = 60;
/** Re-register a little after Max-Age, so a notification under way is not mistaken for silence. */
const REREGISTER_SLACK_MS = 2000;

export class CoapClient {
	readonly transport: Transport;
	private readonly board: Board;
	private readonly szx: number;
	/** The servers this client addressed ("address:port"): datagrams from anyone else are not decoded. */
	private readonly servers = new Set<string>();
	private stopped = false;
	private lastUri = "";
	private lastTarget: CoapUri | undefined;

	constructor(board: Board, options: CoapClientOptions = {}) {
		this.board = board;
		this.szx = o.szxFor(options.blockSize ?? 1024);
		this.transport = new Transport(board, { ...options, port: options.port ?? 0, acceptFrom: (peer) => this.servers.has(serverKey(peer)) });
	}

	/** Datagrams dropped, by reason: `foreign` counts those from senders that are not this client's servers. */
	get dropped(): Readonly<DropCounts> {
		return this.transport.endpoint.dropped;
	}

	get(uri: string, options: RequestOptions = {}): Promise<CoapResponse> {
		return this.request(m.GET, uri, options);
	}

	put(uri: string, payload: Uint8Array | string, options: RequestOptions = {}): Promise<CoapResponse> {
		return this.request(m.PUT, uri, { ...options, payload });
	}

	post(uri: string, payload: Uint8Array | string, options: RequestOptions = {}): Promise<CoapResponse> {
		return this.request(m.POST, uri, { ...options, payload });
	}

	delete(uri: string, options: RequestOptions = {}): Promise<CoapResponse> {
		return this.request(m.DELETE, uri, options);
	}

	/**
	 * One request, block-wise when it needs to be. A single exchange (no blocks, the common
	 * case) takes one promise and no parse of a URI used just before: on XS each promise is
	 * ~40 slots and parsing a URI ~3,000 computrons.
	 */
	request(method: number, uri: string, options: RequestOptions = {}): Promise<CoapResponse> {
		let target: CoapUri;
		try {
			target = this.target(uri);
		} catch (error) {
			return Promise.reject(error);
		}
		const payload = typeof options.payload === "string" ? utf8.encodeUtf8(options.payload) : (options.payload ?? m.EMPTY_BYTES);
		const base = target.options.slice();
		if (options.contentFormat !== undefined) base.push(o.uintOption(o.CONTENT_FORMAT, options.contentFormat));
		if (options.accept !== undefined) base.push(o.uintOption(o.ACCEPT, options.accept));
		const szx = options.blockSize === undefined ? this.szx : o.szxFor(options.blockSize);
		const confirmable = options.confirmable ?? true;
		return new Promise((resolve, reject) => {
			this.resolve(target, (peer) => {
				if (!peer) return reject(new ProtocolError("EXCHANGE_TIMEOUT", `cannot resolve the host "${target.host}"`));
				const early = options.blockSize !== undefined;
				if (payload.length > o.blockSize(szx) || (early && method === m.GET)) return this.blockwise(peer, method, base, payload, szx, confirmable, early).then(resolve, reject);
				this.send(peer, { code: method, options: o.sortOptions(base), payload }, confirmable, undefined, (error, response) => {
					if (error || !response) return reject(error);
					// A 4.13 asks for blocks (RFC 7959 2.9.3), a Block2 with more says there are more: the long way.
					const tooLarge = response.code === m.REQUEST_ENTITY_TOO_LARGE && payload.length > 16;
					if (tooLarge || blockOf(response, o.BLOCK2)?.more)
						return this.blockwise(peer, method, base, payload, tooLarge ? hintedSzx(response, szx, payload.length) : szx, confirmable, early, tooLarge ? undefined : response).then(resolve, reject);
					resolve(toResponse(response, response.payload));
				});
			});
		});
	}

	/** A transfer in blocks, or one going on from its `first` response's Block2. */
	private async blockwise(peer: Peer, method: number, base: CoapOption[], payload: Uint8Array, szx: number, confirmable: boolean, earlyBlock2: boolean, first?: CoapMessage): Promise<CoapResponse> {
		let response = first ?? (await this.upload(peer, method, base, payload, szx, confirmable, earlyBlock2));
		const parts: Uint8Array[] = [response.payload];
		let block = blockOf(response, o.BLOCK2);
		let received = response.payload.length;
		while (block?.more && m.isSuccess(response.code)) {
			// RFC 7959 2.4: follow with the next block, at the server's size if smaller than ours (2.2).
			const size = Math.min(szx, block.szx);
			const next: Block = { num: Math.floor(received / o.blockSize(size)), more: false, szx: size };
			response = await this.exchange(peer, { code: method, options: o.sortOptions([...base, o.blockOption(o.BLOCK2, next)]), payload: m.EMPTY_BYTES }, confirmable);
			block = blockOf(response, o.BLOCK2);
			parts.push(response.payload);
			received += response.payload.length;
		}
		return toResponse(response, parts.length === 1 ? parts[0] : bytes.concat(parts, received));
	}

	/** GET /.well-known/core at `uri` (a coap://host:port), filtered by rt / if / ct (RFC 6690 4.1). */
	async discover(uri: string, filter: LinkFilter = {}): Promise<Link[]> {
		const query: string[] = [];
		// The server may filter by one attribute (4.1); all of them are applied here anyway.
		for (const name of ["rt", "if", "ct"] as const) if (filter[name] !== undefined) query.push(`${name}=${filter[name]}`);
		const base = uri.endsWith("/") ? uri.slice(0, -1) : uri;
		const response = await this.get(`${base}/.well-known/core${query.length ? `?${query[0]}` : ""}`);
		if (!m.isSuccess(response.code)) throw new ProtocolError("PROTOCOL_VIOLATION", `/.well-known/core answered ${response.status}`);
		const links = linkFormat.parseLinkFormat(responseText(response));
		if (!links) throw new ProtocolError("MALFORMED_PACKET", "/.well-known/core is not in link-format");
		return linkFormat.filterLinks(links, filter);
	}

	/**
	 * Registers an observation (RFC 7641 3.1): notifications arrive in order, stale ones
	 * dropped (3.4), and the registration is renewed when Max-Age passes without one (3.3.1).
	 */
	observe(uri: string, handlers: ObserveHandlers, options: Pick<RequestOptions, "accept" | "confirmable"> = {}): Observation {
		const target = parseCoapUri(uri);
		const order = new NotificationOrder();
		const board = this.board;
		let peer: Peer | undefined;
		let token: Uint8Array | undefined;
		let ended = false;
		const content = (observe: number): Content => {
			const list = [...target.options, o.uintOption(o.OBSERVE, observe)];
			if (options.accept !== undefined) list.push(o.uintOption(o.ACCEPT, options.accept));
			return { code: m.GET, options: o.sortOptions(list), payload: m.EMPTY_BYTES };
		};
		const end = (error?: ProtocolError) => {
			if (ended) return;
			ended = true;
			renewal.clear();
			handlers.onEnd?.(error);
		};
		const register = () => {
			if (ended || !peer) return;
			const endpoint = this.transport.endpoint;
			token = endpoint.request(peer, content(0), board.now(), (error, message) => {
				if (error) return end(error);
				if (!message) return;
				const sequence = o.uintValue(message.options, o.OBSERVE);
				if (sequence === undefined) {
					handlers.onNotification(toResponse(copied(message), message.payload.slice()));
					return end();
				}
				if (!order.accept(sequence, board.now())) return;
				renewal.clear();
				renewal.arm(board.now() + (o.uintValue(message.options, o.MAX_AGE) ?? DEFAULT_MAX_AGE) * 1000 + REREGISTER_SLACK_MS);
				handlers.onNotification(toResponse(copied(message), message.payload.slice()));
			}, { observe: true, token, confirmable: options.confirmable });
			this.transport.service();
		};
		const renewal = new DeadlineTimer(board, register);
		this.resolved(target).then((address) => {
			peer = address;
			register();
		}, end);
		return {
			cancel: async () => {
				const wasEnded = ended;
				end();
				if (!peer || !token || wasEnded) throw new ProtocolError("PROTOCOL_VIOLATION", "the observation is not registered");
				const response = await this.exchange(peer, content(1), options.confirmable ?? true, token);
				return toResponse(response, response.payload);
			},
			forget: () => {
				end();
				if (peer && token) this.transport.endpoint.cancel(peer, token);
			},
		};
	}

	/** Rejects every request still waiting with CLOSED and closes the socket. */
	stop(): void {
		if (this.stopped) return;
		this.stopped = true;
		this.transport.endpoint.failAll(new ProtocolError("CLOSED", "the client was stopped"));
		this.transport.close();
	}

	/** Block1 (RFC 7959 2.5) when the payload is over one block or the server asks for it with 4.13. */
	private async upload(peer: Peer, method: number, base: CoapOption[], payload: Uint8Array, szx: number, confirmable: boolean, earlyBlock2: boolean): Promise<CoapMessage> {
		const early = earlyBlock2 && method === m.GET ? [o.blockOption(o.BLOCK2, { num: 0, more: false, szx })] : [];
		if (payload.length <= o.blockSize(szx)) {
			const response = await this.exchange(peer, { code: method, options: o.sortOptions([...base, ...early]), payload }, confirmable);
			if (response.code !== m.REQUEST_ENTITY_TOO_LARGE || payload.length <= 16) return response;
			return this.upload(peer, method, base, payload, hintedSzx(response, szx, payload.length), confirmable, false);
		}
		let offset = 0;
		for (;;) {
			const size = o.blockSize(szx);
			const more = offset + size < payload.length;
			const block: Block = { num: offset / size, more, szx };
			const options = o.sortOptions([...base, o.blockOption(o.BLOCK1, block), o.uintOption(o.SIZE1, payload.length)]);
			const response = await this.exchange(peer, { code: method, options, payload: payload.subarray(offset, offset + size) }, confirmable);
			const answered = blockOf(response, o.BLOCK1);
			if (response.code === m.REQUEST_ENTITY_TOO_LARGE && answered && answered.szx < szx) {
				szx = answered.szx;
				continue;
			}
			if (!more || response.code !== m.CONTINUE) return response;
			offset += size;
			// 2.3: a server that wants smaller blocks says so in its Block1; the rest goes at that size.
			if (answered && answered.szx < szx) szx = answered.szx;
		}
	}

	/** One request and its response, whose payload and options are copies (decoded ones are views into a datagram). */
	private exchange(peer: Peer, content: Content, confirmable: boolean, token?: Uint8Array): Promise<CoapMessage> {
		return new Promise((resolve, reject) => this.send(peer, content, confirmable, token, (error, message) => (error || !message ? reject(error) : resolve(message))));
	}

	private send(peer: Peer, content: Content, confirmable: boolean, token: Uint8Array | undefined, done: (error: ProtocolError | undefined, response: CoapMessage | undefined) => void): void {
		if (this.stopped) return done(new ProtocolError("CLOSED", "the client was stopped"), undefined);
		this.transport.whenReady(() => {
			this.transport.endpoint.request(peer, content, this.board.now(), (error, message) => done(error, message && copied(message)), { confirmable, token });
			this.transport.service();
		});
	}

	/** The parsed URI, kept for the next request to the same one (a device posts to one collector). */
	private target(uri: string): CoapUri {
		if (uri !== this.lastUri || !this.lastTarget) {
			this.lastTarget = parseCoapUri(uri);
			this.lastUri = uri;
		}
		return this.lastTarget;
	}

	/** A server addressed now goes to the back of the table; past the cap the oldest is forgotten. */
	private remember(peer: Peer): void {
		const key = serverKey(peer);
		this.servers.delete(key);
		this.servers.add(key);
		if (this.servers.size > MAX_SERVERS) this.servers.delete(this.servers.values().next().value as string);
	}

	private resolve(target: CoapUri, done: (peer: Peer | undefined) => void): void {
		this.board.resolve(target.host, (address) => {
			if (address === undefined) return done(undefined);
			const peer = { address, port: target.port };
			this.remember(peer);
			done(peer);
		});
	}

	private resolved(target: CoapUri): Promise<Peer> {
		return new Promise((resolve, reject) => this.resolve(target, (peer) => (peer ? resolve(peer) : reject(new ProtocolError("EXCHANGE_TIMEOUT", `cannot resolve the host "${target.host}"`)))));
	}
}

function serverKey(peer: Peer): string {
	return `${peer.address}:${peer.port}`;
}

/** After a 4.13 to a whole payload: blocks at the size the server names if it does (RFC 7959 2.9.3), smaller than the payload. */
function hintedSzx(response: CoapMessage, szx: number, length: number): number {
	const hinted = blockOf(response, o.BLOCK1)?.szx ?? o.szxFor(Math.min(o.blockSize(szx), o.uintValue(response.options, o.SIZE1) ?? o.blockSize(szx)) / 2);
	return Math.min(hinted, o.szxFor(length - 1));
}

function blockOf(message: CoapMessage | CoapResponse, number: number): Block | undefined {
	const value = o.optionValue(message.options, number);
	return value === undefined ? undefined : o.readBlock(value);
}

/** What the client keeps of a response: code, options and payload copied out of the datagram (the token is the exchange's, not needed). */
function copied(message: CoapMessage): CoapMessage {
	const options = message.options;
	const kept: CoapOption[] = [];
	for (let i = 0; i < options.length; i++) kept.push({ number: options[i].number, value: options[i].value.slice() });
	const payload = message.payload;
	return { type: message.type, code: message.code, messageId: message.messageId, token: m.EMPTY_BYTES, options: kept, payload: payload.length === 0 ? m.EMPTY_BYTES : payload.slice() };
}

function toResponse(message: CoapMessage, payload: Uint8Array): CoapResponse {
	const options = message.options;
	return { code: message.code, status: m.codeName(message.code), options, payload, contentFormat: o.uintValue(options, o.CONTENT_FORMAT) };
}

/**
 * Notification order (RFC 7641 3.4): a notification is fresh when its Observe sequence
 * number is newer in 24-bit serial arithmetic, or when more than 128 seconds passed
 * since the last fresh one (by then the numbers may have wrapped). Stale ones are dropped.
 */
const HALF = 1 << 23;
const WRAP_MS = 128_000;

export class NotificationOrder {
	private sequence = -1;
	private at = 0;

	/** Whether the notification numbered `sequence`, received at `now`, is fresh; remembers it if so. */
	accept(sequence: number, now: number): boolean {
		const v1 = this.sequence;
		const fresh = v1 < 0 || (v1 < sequence && sequence - v1 < HALF) || (v1 > sequence && v1 - sequence > HALF) || now > this.at + WRAP_MS;
		if (fresh) {
			this.sequence = sequence;
			this.at = now;
		}
		return fresh;
	}
}
