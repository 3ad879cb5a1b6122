/**
 * What a CoAP client on a host does beyond what the device needs (the device only sends:
 * src/coap/client.ts): Observe (RFC 7641) and discovery (RFC 6690), with the reading of
 * link-format that discovery needs. Kept out of src/ so they take no flash on the device;
 * the tests, the interop suites and the benches use them against our server and others.
 */
import { DeadlineTimer } from "./deadline-timer";
import { ProtocolError } from "../../src/common/errors";
import { CoapClient, toResponse, type CoapResponse, type RequestOptions } from "../../src/coap/client";
import type { Content, Peer } from "../../src/coap/endpoint";
import { matches, type Link, type LinkFilter } from "../../src/coap/server-tables";
import * as m from "../../src/coap/message";
import * as o from "./coap-options";
import { parseCoapUri } from "../../src/coap/uri";
import { isSpace } from "../../src/common/text";
import { readUtf8 } from "../../src/common/utf8";
import { sendRequest } from "./coap-endpoint-requests";

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

/** 5.10.5: a response without Max-Age is fresh for 60 s. */
const DEFAULT_MAX_AGE = 60;
/** Re-register a little after Max-Age, so a notification under way is not mistaken for silence. */
const REREGISTER_SLACK_MS = 2000;

/** The payload as text (UTF-8). */
export function responseText(response: CoapResponse): string {
	return readUtf8(response.payload);
}

/** A CoapClient that can also observe resources and discover them. */
export class HostCoapClient extends CoapClient {
	/** GET /.well-known/core at `uri` (a coap://host:port), filtered by rt / if / ct (RFC 6690 4.1). */
	async discover(uri: string, filter: LinkFilter = {}): Promise<Link[]> {
		const query: string[] = [];
		// The server may filter by one attribute (4.1); all of them are applied here anyway.
		for (const name of ["rt", "if", "ct"] as const) if (filter[name] !== undefined) query.push(`${name}=${filter[name]}`);
		const base = uri.endsWith("/") ? uri.slice(0, -1) : uri;
		const response = await this.get(`${base}/.well-known/core${query.length ? `?${query[0]}` : ""}`);
		if (!m.isSuccess(response.code)) throw new ProtocolError("PROTOCOL_VIOLATION", `/.well-known/core answered ${response.status}`);
		const links = parseLinkFormat(responseText(response));
		if (!links) throw new ProtocolError("MALFORMED_PACKET", "/.well-known/core is not in link-format");
		return filterLinks(links, filter);
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
			const list = [...target.options, o.uintOption(o.Option.OBSERVE, observe)];
			if (options.accept !== undefined) list.push(o.uintOption(o.Option.ACCEPT, options.accept));
			return { code: m.Code.GET, options: o.sortOptions(list), payload: m.EMPTY_BYTES };
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
			token = sendRequest(endpoint, peer, content(0), board.now(), (error, message) => {
				if (error) return end(error);
				if (!message) return;
				const sequence = o.uintValue(message.options, o.Option.OBSERVE);
				if (sequence === undefined) {
					handlers.onNotification(toResponse(message));
					return end();
				}
				if (!order.accept(sequence, board.now())) return;
				renewal.clear();
				renewal.arm(board.now() + (o.uintValue(message.options, o.Option.MAX_AGE) ?? DEFAULT_MAX_AGE) * 1000 + REREGISTER_SLACK_MS);
				handlers.onNotification(toResponse(message));
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
				return this.exchange(peer, content(1), options.confirmable ?? true, token);
			},
			forget: () => {
				end();
				if (peer && token) this.transport.endpoint.cancel(peer, token);
			},
		};
	}
}

/** The links that match every filter given (RFC 6690 4.1). */
export function filterLinks(links: readonly Link[], filter: LinkFilter): Link[] {
	return links.filter((link) => matches(link.attributes, "rt", filter.rt) && matches(link.attributes, "if", filter.if) && matches(link.attributes, "ct", filter.ct));
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

/** Undefined when `text` is not link-format. */
export function parseLinkFormat(text: string): Link[] | undefined {
	const links: Link[] = [];
	let at = 0;
	const n = text.length;
	const skipSpace = () => {
		while (at < n && isSpace(text.charCodeAt(at))) at++;
	};
	skipSpace();
	if (at === n) return links;
	for (;;) {
		if (text[at] !== "<") return undefined;
		const close = text.indexOf(">", at);
		if (close < 0) return undefined;
		const target = text.slice(at + 1, close);
		at = close + 1;
		const attributes: Record<string, string> = {};
		skipSpace();
		while (text[at] === ";") {
			at++;
			skipSpace();
			const nameStart = at;
			while (at < n && isTokenChar(text.charCodeAt(at))) at++;
			const name = text.slice(nameStart, at);
			if (name === "") return undefined;
			let value = "";
			skipSpace();
			if (text[at] === "=") {
				at++;
				skipSpace();
				if (text[at] === '"') {
					let end = at + 1;
					let quoted = "";
					while (end < n && text[end] !== '"') {
						if (text[end] === "\\" && end + 1 < n) end++;
						quoted += text[end++];
					}
					if (end >= n) return undefined;
					value = quoted;
					at = end + 1;
				} else {
					const start = at;
					while (at < n && text[at] !== ";" && text[at] !== ",") at++;
					value = text.slice(start, at).trim();
				}
			}
			attributes[name] = name in attributes ? `${attributes[name]} ${value}` : value;
			skipSpace();
		}
		links.push({ target, attributes });
		if (at === n) return links;
		if (text[at] !== ",") return undefined;
		at++;
		skipSpace();
	}
}

/** A parameter name's characters (RFC 6690 2 parmname, RFC 5987 attr-char): letters, digits, !#$&+-.^_`|~*. */
function isTokenChar(c: number): boolean {
	return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || "!#$&+-.^_`|~*".includes(String.fromCharCode(c));
}
