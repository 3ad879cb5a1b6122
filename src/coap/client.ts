/**
 * The CoAP client: get / put / post / delete on coap:// URIs and block-wise transfers
 * (RFC 7959), and requests without response (RFC 7967), over one Transport (transport.ts;
 * the server runs on one too): what the device sends. Observe (RFC 7641) and discovery
 * (RFC 6690), which only hosts use, extend it in testkit/portable/coap-host-client.ts. Host
 * names go through the board's resolver (IPv4 literals need none). Responses of any code
 * resolve the promise (4.04 is an answer, not a failure); a timeout, a reset or a stop
 * rejects it with a ProtocolError.
 */
import type { Board } from "../common/board";
import * as bytes from "../common/bytes";
import { ConfigError, ProtocolError } from "../common/errors";
import { ipv4Octets } from "../common/text";
import * as utf8 from "../common/utf8";
import { exchangeOf, type Content, type DropCounts, type EndpointOptions, type Exchange, type Peer } from "./endpoint";
import * as m from "./message";
import type { Block, CoapMessage, CoapOption } from "./message";
import type { TransportDtls } from "./types";
import { Transport } from "./transport";
import { parseCoapUri, type CoapUri } from "./uri";

export interface CoapClientOptions extends EndpointOptions {
	/** Preferred block size in bytes (16-1024) for Block1 uploads and Block2 downloads (default 1024). */
	readonly blockSize?: number;
	/** Local UDP port; any free one by default. */
	readonly port?: number;
	/** coaps: DTLS with a pre-shared key (types.ts). */
	readonly dtls?: TransportDtls;
	/** Bytes a second, on average, that `requestNoResponse` sends (PROBING_RATE, RFC 7252 4.7 and 4.8; default 1; over 0, or a ConfigError). */
	readonly probingRate?: number;
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

const MAX_SERVERS = 8; // servers remembered as this client's peers; the least recently addressed is forgotten first
const NO_OPTIONS: RequestOptions = {};
const stoppedError = (): ProtocolError => new ProtocolError("CLOSED", "the client was stopped");
/** What every request without response sent at once returns. */
const SENT = Promise.resolve();
export class CoapClient {
	declare readonly transport: Transport;
	declare protected readonly board: Board;
	declare private readonly szx: number;
	/** The servers this client addressed ("address:port"), the last one last: datagrams from anyone else are not decoded. */
	declare private readonly servers: Set<string>;
	declare private lastServer: string;
	declare private stopped: boolean;
	/** The URI, Content-Format and Accept of the last request, parsed and encoded (a device posts to one collector). */
	declare private prepared: Prepared | undefined;
	/** Until when the bytes sent without response are paid for at PROBING_RATE (board time); absent before the first. */
	declare private quietUntil: number | undefined;
	/** 1000 / PROBING_RATE; absent for the RFC's 1 byte a second. */
	declare private readonly msPerByte: number | undefined;

	constructor(board: Board, options: CoapClientOptions = {}) {
		this.board = board;
		this.szx = m.szxFor(options.blockSize ?? 1024);
		this.servers = new Set();
		this.lastServer = "";
		this.stopped = false;
		this.prepared = void 0;
		const rate = options.probingRate;
		if (rate !== void 0) {
			// 0, a negative rate or NaN would pace sends never or backwards.
			if (!(rate > 0)) throw new ConfigError("probingRate", "bytes a second over 0");
			this.msPerByte = 1000 / rate;
		}
		this.transport = new Transport(board, { ...options, port: options.port ?? 0, acceptFrom: (peer) => this.servers.has(peer.address + ":" + peer.port) });
	}

	/** Datagrams dropped, by reason: `foreign` counts those from senders that are not this client's servers. */
	get dropped(): Readonly<DropCounts> {
		return this.transport.endpoint.dropped;
	}

	/** Where message ids and tokens go on from (`resume` of the next client, across deep sleep). */
	get sequence(): { readonly messageId: number; readonly tokenCounter: number } {
		return this.transport.endpoint.sequence;
	}

	get(uri: string, options?: RequestOptions): Promise<CoapResponse> {
		return this.request(m.Code.GET, uri, options);
	}

	put(uri: string, payload: Uint8Array | string, options?: RequestOptions): Promise<CoapResponse> {
		return this.request(m.Code.PUT, uri, options, payload);
	}

	post(uri: string, payload: Uint8Array | string, options?: RequestOptions): Promise<CoapResponse> {
		return this.request(m.Code.POST, uri, options, payload);
	}

	delete(uri: string, options?: RequestOptions): Promise<CoapResponse> {
		return this.request(m.Code.DELETE, uri, options);
	}

	/**
	 * One request, block-wise when it needs to be. A single exchange to the URI, Content-Format and Accept of the
	 * request before takes a promise, a Pending and the datagram: no parse (on XS ~3,000 computrons), no closure.
	 */
	request(method: number, uri: string, options: RequestOptions = NO_OPTIONS, body = options.payload): Promise<CoapResponse> {
		const promise = new Promise<CoapResponse>(capture);
		const resolve = resolving;
		const reject = rejecting;
		// What throws here (a bad URI, a bad option value) rejects the promise.
		try {
			const prepared = this.prepare(uri, options);
			const payload = bodyBytes(body);
			const request = new Pending(method, prepared, payload, options.confirmable ?? true, resolve, reject);
			const peer = prepared.peer;
			if (peer) {
				this.remember(prepared.server); // addressed now, as the resolver's peers are
				request.go(peer);
			} else this.resolved(prepared.target).then((resolved) => request.go(resolved), reject);
		} catch (error) {
			reject(error);
		}
		return promise;
	}

	/**
	 * A NON request the server is asked not to answer (RFC 7967 No-Response 26): CoAP's QoS 0 publish. Nothing of it
	 * is kept: it resolves (one shared promise) once handed to the socket, or after the resolver; it rejects, nothing
	 * sent, for a bad URI, a payload over one block (blocks need answers), a stopped client, or RATE_LIMITED: what
	 * goes to a peer that does not respond averages PROBING_RATE at most (RFC 7252 4.7), so a send waits until the
	 * bytes before it are paid for (for all servers together: a device reports to one).
	 */
	requestNoResponse(method: number, uri: string, options: RequestOptions = NO_OPTIONS, body = options.payload): Promise<void> {
		try {
			if (this.stopped) throw stoppedError();
			const prepared = this.prepare(uri, options);
			const payload = bodyBytes(body);
			if (payload.length > 16 << prepared.szx) throw new ProtocolError("PACKET_TOO_LARGE", payload.length + " bytes, over one block");
			const now = this.board.now();
			if ((this.quietUntil as number) > now) throw new ProtocolError("RATE_LIMITED", "over PROBING_RATE");
			const head = prepared.quiet ?? (prepared.quiet = quietHead(prepared.base));
			const length = payload.length;
			const bytes = length > 0 ? new Uint8Array(head.length + length) : head.slice(0, -1);
			if (length > 0) {
				bytes.set(head);
				bytes.set(payload, head.length);
			}
			const messageId = this.transport.endpoint.nextMessageId();
			bytes[1] = method;
			bytes[2] = messageId >> 8;
			bytes[3] = messageId;
			this.quietUntil = now + bytes.length * (this.msPerByte ?? 1000);
			const peer = prepared.peer;
			if (peer) {
				this.remember(prepared.server);
				this.transport.sendNow(peer, bytes);
				return SENT;
			}
			return this.resolved(prepared.target).then((resolved) => this.transport.sendNow(resolved, bytes));
		} catch (error) {
			return Promise.reject(error);
		}
	}

	/**
	 * `uri` parsed and its options encoded with the request's Content-Format and Accept: made again only for a
	 * request with another URI, Content-Format, Accept or block size than the one before.
	 */
	private prepare(uri: string, options: RequestOptions): Prepared {
		const last = this.prepared;
		if (last && last.uri === uri && last.contentFormat === options.contentFormat && last.accept === options.accept && last.blockSize === options.blockSize) return last;
		const target = parseCoapUri(uri);
		// coaps:// only over DTLS, coap:// only without: never a silent downgrade.
		if (target.secure !== (this.transport.dtls !== void 0)) throw new ProtocolError("INVALID_URI", target.secure ? "coaps:// needs a client with DTLS keys" : "coap:// on a DTLS client");
		const base = target.options.slice();
		const contentFormat = options.contentFormat;
		const accept = options.accept;
		if (contentFormat !== void 0) base.push(m.uintOption(m.Option.CONTENT_FORMAT, contentFormat));
		if (accept !== void 0) base.push(m.uintOption(m.Option.ACCEPT, accept));
		m.sortOptions(base);
		// An IPv4 literal needs no resolver: its peer is made once.
		const peer = ipv4Octets(target.host) ? { address: target.host, port: target.port } : void 0;
		const blockSize = options.blockSize;
		return (this.prepared = { client: this, server: target.host + ":" + target.port, uri, contentFormat, accept, blockSize, szx: blockSize === void 0 ? this.szx : m.szxFor(blockSize), target, base, encoded: m.encodeOptions(base), peer });
	}

	/**
	 * A transfer in blocks, or one going on from its `first` response's Block2 (for Pending). Without `first`,
	 * Block1 (RFC 7959 2.5) first: the payload is over one block, or the server asked for blocks with 4.13
	 * (hintedSzx makes them smaller than the payload). The uploads' block size is its own (`up`): a server's
	 * smaller Block1 does not shrink the Block2 size asked for.
	 */
	async blockwise(peer: Peer, method: number, base: CoapOption[], payload: Uint8Array, szx: number, confirmable: boolean, first?: CoapResponse): Promise<CoapResponse> {
		let response = first as CoapResponse;
		let up = szx;
		let offset = 0;
		while (!first) {
			const size = m.blockSize(up);
			const more = offset + size < payload.length;
			const options = m.sortOptions(base.concat(m.blockOption(m.Option.BLOCK1, { num: offset / size, more, szx: up }), m.uintOption(m.Option.SIZE1, payload.length)));
			response = await this.exchange(peer, { code: method, options, payload: payload.subarray(offset, offset + size) }, confirmable);
			const answered = blockOf(response, m.Option.BLOCK1);
			if (response.code === m.Code.REQUEST_ENTITY_TOO_LARGE && answered && answered.szx < up) {
				up = answered.szx;
				continue;
			}
			if (!more || response.code !== m.Code.CONTINUE) break;
			offset += size;
			// 2.3: a server that wants smaller blocks says so in its Block1; the rest goes at that size.
			if (answered && answered.szx < up) up = answered.szx;
		}
		const parts: Uint8Array[] = [response.payload];
		let block = blockOf(response, m.Option.BLOCK2);
		let received = response.payload.length;
		while (block?.more && m.isSuccess(response.code)) {
			// RFC 7959 2.4: follow with the next block, at the server's size if smaller than ours (2.2).
			const size = Math.min(szx, block.szx);
			const next: Block = { num: Math.floor(received / m.blockSize(size)), more: false, szx: size };
			response = await this.exchange(peer, { code: method, options: m.sortOptions(base.concat(m.blockOption(m.Option.BLOCK2, next))), payload: m.EMPTY_BYTES }, confirmable);
			block = blockOf(response, m.Option.BLOCK2);
			parts.push(response.payload);
			received += response.payload.length;
		}
		// Ours, made by toResponse: the last block's answer, with the whole representation.
		if (parts.length > 1) (response as { payload: Uint8Array }).payload = bytes.concat(parts, received);
		return response;
	}

	/** Rejects every request still waiting with CLOSED and closes the socket. */
	stop(): void {
		if (this.stopped) return;
		this.stopped = true;
		this.transport.endpoint.failAll(stoppedError());
		this.transport.close();
	}

	/** One request and its response, whose payload and options are copies (decoded ones are views into a datagram). */
	protected exchange(peer: Peer, content: Content, confirmable: boolean, token?: Uint8Array): Promise<CoapResponse> {
		return new Promise((resolve, reject) => {
			const answered = (error: ProtocolError | undefined, message: CoapMessage | undefined) => (error || !message ? reject(error) : resolve(toResponse(message)));
			this.send(exchangeOf(peer, content, confirmable, false, answered), token);
		});
	}

	/** Hands the endpoint a request (Pending's, `exchange`'s): before the socket is bound it waits there, its deadline running. */
	send(exchange: Exchange, token?: Uint8Array): void {
		if (this.stopped) return exchange.answered(stoppedError(), void 0);
		const transport = this.transport;
		transport.endpoint.submit(exchange, this.board.now(), token);
		transport.transmit();
	}

	/** A server ("address:port") addressed now goes to the back of the table (where the last one is already); past the cap the oldest is forgotten. */
	private remember(key: string): void {
		if (key === this.lastServer) return;
		this.lastServer = key;
		const servers = this.servers;
		servers.delete(key);
		servers.add(key);
		if (servers.size > MAX_SERVERS) servers.delete(servers.values().next().value as string);
	}

	/** The peer of a host name, from the board's resolver; EXCHANGE_TIMEOUT when it does not resolve. */
	protected resolved(target: CoapUri): Promise<Peer> {
		return new Promise((resolve, reject) =>
			this.board.resolve(target.host, (address) => {
				if (address === void 0) return reject(new ProtocolError("EXCHANGE_TIMEOUT", 'cannot resolve the host "' + target.host + '"'));
				this.remember(address + ":" + target.port);
				resolve({ address, port: target.port });
			}),
		);
	}
}

/** A request's URI with its options (Content-Format and Accept among them): as objects for blocks, encoded for a single exchange. */
interface Prepared {
	readonly client: CoapClient;
	readonly uri: string;
	readonly contentFormat: number | undefined;
	readonly accept: number | undefined;
	/** The request's block size preference; `szx` is its SZX, or the client's without one. */
	readonly blockSize: number | undefined;
	readonly szx: number;
	readonly target: CoapUri;
	readonly base: CoapOption[];
	readonly encoded: Uint8Array;
	/** The first bytes of a request without response (quietHead), made at the first `requestNoResponse`. */
	quiet?: Uint8Array;
	/** For an IPv4 literal host (otherwise the board resolves it per request), and its key among the client's servers. */
	readonly peer: Peer | undefined;
	readonly server: string;
}

const bodyBytes = (body: Uint8Array | string | undefined): Uint8Array => (typeof body === "string" ? utf8.encodeUtf8(body) : (body ?? m.EMPTY_BYTES));

/**
 * A NON request's first bytes, up to the payload marker, with `base` and No-Response 26 last (its 258 is above every other
 * option), and an empty token, as no response is matched to it; each datagram adds code, message id and payload (or,
 * without one, ends before the marker: 3.).
 */
function quietHead(base: readonly CoapOption[]): Uint8Array {
	// assemble writes header, options and marker for a payload of one byte, which is cut off.
	return m.assemble(m.Type.NON, 0, 0, m.EMPTY_BYTES, m.encodeOptions(base.concat(m.uintOption(m.Option.NO_RESPONSE, 26))), new Uint8Array(1)).subarray(0, -1);
}

/** The settling functions of the promise being made: one executor for every request, so none is a closure. */
let resolving: (response: CoapResponse) => void;
let rejecting: (error: unknown) => void;
function capture(resolve: (response: CoapResponse) => void, reject: (error: unknown) => void): void {
	resolving = resolve;
	rejecting = reject;
}

/**
 * A request in flight: the endpoint's exchange and its promise's settling functions, one object in place of closures.
 * Its Exchange fields come by the interface of the same name (the method is its code; `go` sets peer and options).
 */
interface Pending extends Exchange {}
class Pending {
	declare readonly prepared: Prepared;
	declare readonly resolve: (response: CoapResponse) => void;
	declare readonly reject: (error: unknown) => void;

	constructor(method: number, prepared: Prepared, payload: Uint8Array, confirmable: boolean, resolve: (response: CoapResponse) => void, reject: (error: unknown) => void) {
		this.code = method;
		this.prepared = prepared;
		this.payload = payload;
		this.confirmable = confirmable;
		this.observe = false;
		this.resolve = resolve;
		this.reject = reject;
	}

	go(peer: Peer): void {
		this.peer = peer;
		const payload = this.payload;
		const prepared = this.prepared;
		const szx = prepared.szx;
		if (payload.length > 16 << szx) {
			prepared.client.blockwise(peer, this.code, prepared.base, payload, szx, this.confirmable).then(this.resolve, this.reject);
			return;
		}
		// A GET with a block size of its own asks for it from the first block on (RFC 7959 2.4 early negotiation).
		const early = prepared.blockSize !== void 0 && this.code === m.Code.GET;
		this.options = early ? m.encodeOptions(m.sortOptions(prepared.base.concat(m.blockOption(m.Option.BLOCK2, { num: 0, more: false, szx })))) : prepared.encoded;
		prepared.client.send(this);
	}

	answered(error: ProtocolError | undefined, message: CoapMessage | undefined): void {
		if (error || !message) return this.reject(error);
		const response = toResponse(message);
		const payload = this.payload;
		// A 4.13 asks for blocks (RFC 7959 2.9.3), a Block2 with more says there are more: the long way.
		const tooLarge = response.code === m.Code.REQUEST_ENTITY_TOO_LARGE && payload.length > 16;
		if (tooLarge || (response.options.length > 0 && blockOf(response, m.Option.BLOCK2)?.more)) {
			const prepared = this.prepared;
			const szx = prepared.szx;
			prepared.client.blockwise(this.peer, this.code, prepared.base, payload, tooLarge ? hintedSzx(response, szx, payload.length) : szx, this.confirmable, tooLarge ? void 0 : response).then(this.resolve, this.reject);
		} else this.resolve(response);
	}
}

/** After a 4.13 to a whole payload: blocks at the size the server names if it does (RFC 7959 2.9.3), smaller than the payload. */
function hintedSzx(response: CoapResponse, szx: number, length: number): number {
	const hinted = blockOf(response, m.Option.BLOCK1)?.szx ?? m.szxFor(Math.min(m.blockSize(szx), m.uintValue(response.options, m.Option.SIZE1) ?? m.blockSize(szx)) / 2);
	return Math.min(hinted, m.szxFor(length - 1));
}

function blockOf(message: CoapResponse, number: number): Block | undefined {
	const value = m.optionValue(message.options, number);
	return value === void 0 ? void 0 : m.readBlock(value);
}

/** What the client keeps of a response: code, options and payload copied out of the datagram (the token is the exchange's, not needed). */
export function toResponse(message: CoapMessage): CoapResponse {
	const options = message.options;
	// Most responses have no options: they share one empty list.
	const kept: CoapOption[] = options.length === 0 ? NO_RESPONSE_OPTIONS : [];
	for (let i = 0; i < options.length; i++) kept.push({ number: options[i].number, value: options[i].value.slice() });
	const payload = message.payload;
	const code = message.code;
	return { code, status: m.codeName(code), options: kept, payload: payload.length === 0 ? m.EMPTY_BYTES : payload.slice(), contentFormat: options.length === 0 ? void 0 : m.uintValue(kept, m.Option.CONTENT_FORMAT) };
}

/** Frozen: no caller can add to the list that every response without options shares. */
const NO_RESPONSE_OPTIONS: CoapOption[] = Object.freeze([]) as unknown as CoapOption[];
