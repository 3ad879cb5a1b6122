/**
 * A CoAP endpoint for a client and a server sharing one UDP socket, sans-IO: told what
 * arrived (`received`, with the sender) and what time it is (`tick`), it answers with
 * datagrams to send (`pollTransmit`) and when it next needs a tick (`nextTimeout`), and
 * hands each request to its server (`server.handle`) as it arrives. No socket, no timer.
 *
 * This is the request/response layer (RFC 7252 section 5) over the message layer of
 * message-layer.ts (section 4), as aiocoap's token manager sits over its message manager:
 * - requests carry fresh tokens (5.3.1); responses are matched by peer and token (5.3.2),
 *   piggybacked on the ACK or separate after an Empty ACK (5.2); one the client did not ask
 *   for is reset, which is also how an unwanted notification is cancelled (RFC 7641 3.6);
 * - at most NSTART requests per peer are outstanding (4.7); more wait in order;
 * - an exchange ends with a typed EXCHANGE_TIMEOUT when no response comes in time;
 * - Observe notifications go out at most one in flight per observer (RFC 7641 4.5.2);
 * - tables of the server with deadlines of their own (`keep`) expire on this timer too.
 */
import { ProtocolError, type ProtocolErrorCode } from "../common/errors";
import type { DatagramSession } from "../common/session";
import * as m from "./message";
import type { CoapMessage, Content } from "./message";
import * as messageLayer from "./message-layer";
import type { Notified, Peer } from "./message-layer";

export type { DropCounts, Notified, Outgoing, Peer, Transmission } from "./message-layer";
export type { Content } from "./message";

import { Default, type EndpointOptions, type Exchange, type Expiring, type IncomingRequest, type ResponseHandler } from "./types";

export type { EndpointOptions, Exchange, Expiring, IncomingRequest, RequestOptions, RequestSink, ResponseHandler, ResponseListener } from "./types";

/** An exchange of `content` for `submit`, its endpoint fields still to be filled in. */
export function exchangeOf(peer: Peer, content: Content, confirmable: boolean, observe: boolean, answered: ResponseHandler): Exchange {
	return { peer, code: content.code, options: m.encodeOptions(content.options), payload: content.payload, confirmable, observe, answered, peerKey: "", tokenKey: "", token: m.EMPTY_BYTES, outstanding: false, transmission: void 0, deadline: Infinity };
}

export class Endpoint extends messageLayer.MessageLayer implements DatagramSession, messageLayer.Outcome {
	/** A client's: absent for a server, which takes datagrams from anyone (an undefined field would still take a slot). */
	declare private readonly acceptFrom?: (peer: Peer) => boolean;
	/** These three are NO_ENTRIES until the endpoint's first request (a server may never make one) or, for `queues`, the first to wait behind NSTART. */
	declare private exchanges: Map<string, Exchange>;
	declare private queues: Map<string, Exchange[]>;
	declare private outstanding: Map<string, number>;
	/** The server's table with deadlines of its own, while it holds anything; absent until then. */
	declare private expiring?: Expiring;
	/** Absent (no heap slot on XS) until the first request or `sequence` (`tokens`, from a random start), unless resumed: a server may never make one. */
	declare private tokenCounter?: number;
	/**
	 * No exchange's deadline is earlier (Infinity for none): kept on setting one, not on
	 * finishing one, so a timer may come early, find nothing due, and walk them for the next.
	 * Absent until the first request, which sets it, as no exchange has a deadline before: read
	 * as undefined, which no comparison with a time holds.
	 */
	declare private due: number;
	/** The latest time the endpoint was told, for work that starts without one (a request freed by `cancel`). */
	declare private now: number;

	constructor(options: EndpointOptions = {}) {
		super(options);
		const resume = options.resume;
		if (options.acceptFrom) this.acceptFrom = options.acceptFrom;
		this.exchanges = this.queues = this.outstanding = messageLayer.NO_ENTRIES;
		if (resume) this.tokenCounter = resume.tokenCounter;
		this.now = 0;
	}

	private tokens(): number {
		return (this.tokenCounter ??= Math.floor(this.random() * 0x10000));
	}

	/** The last message id and token counter used, for `resume` after deep sleep. */
	get sequence(): { readonly messageId: number; readonly tokenCounter: number } {
		return { messageId: this.messageId, tokenCounter: this.tokens() };
	}

	/** Exchanges and transmissions held: 0 once everything has finished (no leaked state). */
	get pending(): number {
		return this.exchanges.size + this.transmissions.size;
	}

	/**
	 * Drives `table`'s expiries from this endpoint's timer, until it is called with undefined:
	 * one table (the server's, server-tables.ts; an endpoint serves one server), kept only
	 * while it holds something, so an idle server's ticks ask no table at all.
	 */
	keep(table: Expiring | undefined): void {
		this.expiring = table;
	}

	/** Sends an exchange the caller made (exchangeOf) to its peer, or queues it behind NSTART, and returns its token: its options encoded already (a client sending to one URI keeps them); with `token`, under that token. */
	submit(exchange: Exchange, now: number, token?: Uint8Array): Uint8Array {
		this.now = now;
		const peer = exchange.peer;
		// peerKey(peer), and peerKey(peer, tokenKey(token)) with the peer's part made once: written out, as calls cost XS more than the concatenation.
		const key = peer.address + ":" + peer.port;
		if (this.exchanges === messageLayer.NO_ENTRIES) {
			this.exchanges = new Map();
			this.outstanding = new Map();
			this.tokens();
			this.due ??= Infinity;
		}
		let exchangeKey: string;
		if (token) {
			if (token.length > 8) throw new ProtocolError("MALFORMED_PACKET", "a token longer than 8 bytes");
			token = token.slice();
			exchangeKey = key + "/" + m.tokenKey(token);
		} else
			// A fresh 4-byte token (5.3.1): a counter, so a late notification cannot match a new request, and two random bytes, hard to guess.
			do {
				token = new Uint8Array(4);
				const counter = (this.tokenCounter = ((this.tokenCounter as number) + 1) & 0xffff);
				// A Uint8Array keeps the low 8 bits, of the whole part: no masks, no Math.floor.
				token[0] = counter >> 8;
				token[1] = counter;
				const random = this.random() * 256;
				token[2] = random;
				token[3] = random * 256;
				exchangeKey = key + "/" + m.tokenKey(token);
			} while (this.exchanges.has(exchangeKey));
		exchange.peerKey = key;
		exchange.tokenKey = exchangeKey;
		exchange.token = token;
		exchange.outstanding = false;
		exchange.transmission = void 0;
		exchange.deadline = Infinity;
		const exchanges = this.exchanges;
		if (exchanges.size > 0) {
			const replaced = exchanges.get(exchangeKey);
			if (replaced) this.finish(replaced);
		}
		const queue = this.queues.size > 0 ? this.queues.get(key) : void 0;
		// A peer that never answers must not grow the queue behind NSTART without end (a NON's response is awaited EXCHANGE_LIFETIME).
		if (queue && queue.length >= (this.options.maxQueued ?? 32)) {
			exchange.answered(new ProtocolError("QUEUE_FULL", queue.length + " requests wait"), void 0);
			return token;
		}
		exchanges.set(exchangeKey, exchange);
		// Nothing waiting and a slot free: straight out, without making a queue.
		if (!queue && (this.outstanding.get(key) ?? 0) < (this.options.nstart ?? Default.NSTART)) this.start(exchange, now);
		else if (queue) {
			queue.push(exchange);
			this.startQueued(key, now);
		} else {
			if (this.queues === messageLayer.NO_ENTRIES) this.queues = new Map();
			this.queues.set(key, [exchange]);
		}
		return token;
	}

	/** Forgets a request or observation: later responses to its token are reset (RFC 7641 3.6). */
	cancel(peer: Peer, token: Uint8Array): void {
		const exchange = this.exchanges.get(messageLayer.peerKey(peer, m.tokenKey(token)));
		if (exchange) this.finish(exchange);
	}

	/**
	 * Answers a request: piggybacked on a CON's ACK (5.2.1), NON for a NON, a separate CON
	 * after `acknowledge` (5.2.2), retransmitted until acknowledged (`outcome` says how it ended).
	 * `now` by default the time the endpoint was told last (with the request, for one answered at once).
	 */
	respond(request: IncomingRequest, content: Content, now: number = this.now, outcome: messageLayer.Outcome = messageLayer.UNWATCHED): void {
		const peer = request.peer;
		const message = request.message;
		const seen = request.seen;
		const quiet = request.noResponse;
		// RFC 7967: none of a class the client wants none of; a CON still gets its (empty) ACK.
		if (quiet !== void 0 && (quiet >> ((content.code >> 5) - 1)) & 1) return this.acknowledge(request);
		if (message.type === m.Type.CON && !(seen && seen.reply)) {
			const wire = content.wire;
			const ack = wire ? m.assemble(m.Type.ACK, content.code, message.messageId, message.token, wire, m.EMPTY_BYTES) : m.encodeParts(m.Type.ACK, content.code, message.messageId, message.token, content.options, content.payload);
			// `reply`, written out: every piggybacked answer comes here.
			if (seen) seen.reply = ack.buffer as ArrayBuffer;
			this.send(peer, ack);
			return;
		}
		// A request is CON or NON: the response is of its type.
		const messageId = this.nextMessageId();
		const bytes = m.encodeParts(message.type, content.code, messageId, message.token, content.options, content.payload);
		if (message.type === m.Type.CON) this.sendEncoded(peer, messageId, bytes, now, outcome);
		else this.send(peer, bytes);
	}

	/** Acknowledges a CON request now, so its response can follow separately (5.2.2). */
	acknowledge(request: IncomingRequest): void {
		const message = request.message;
		if (message.type !== m.Type.CON) return;
		// Once. A GET, untracked (message-layer.ts `arrive`), gets a record of its own, outside the table: its response then goes separately.
		const seen = (request.seen ??= { key: "", expires: 0 });
		if (!seen.reply) this.reply(request.peer, seen, messageLayer.emptyMessage(m.Type.ACK, message.messageId));
	}

	/**
	 * Sends an Observe notification (RFC 7641 4.2). While a CON is in flight to this
	 * observer it waits, replacing any older one waiting, and goes at that CON's ACK or in
	 * place of its next retransmission (4.5.2): one in flight, never a stale state after a newer. `onGone` is called when the client resets
	 * it or a confirmable one is never acknowledged: the observer is gone (4.5).
	 */
	notify(observer: Notified, content: Content, confirmable: boolean, now: number, onGone: () => void): void {
		const previous = observer.inFlight;
		const live = previous !== void 0 && this.active(previous);
		const con = live && previous.retransmissions !== Infinity;
		const message: CoapMessage = { type: con || confirmable ? m.Type.CON : m.Type.NON, code: content.code, messageId: this.nextMessageId(), token: new Uint8Array(observer.token), options: content.options, payload: content.payload };
		if (con) {
			previous.next = message;
			return;
		}
		if (live) this.stop(previous);
		const gone = () => {
			observer.inFlight = void 0;
			onGone();
		};
		observer.inFlight = confirmable
			? this.sendEncoded(observer.peer, message.messageId, m.encode(message), now, { onAck: () => (observer.inFlight = void 0), onReset: gone, onTimeout: gone })
			: // Until NON_LIFETIME (4.8.2, 145 s: MAX_TRANSMIT_SPAN + MAX_LATENCY), as long as a RST may still come.
				this.sendTracked(observer.peer, message, now + this.lifetime - Default.MAX_LATENCY - (this.options.ackTimeout ?? Default.ACK_TIMEOUT), gone);
	}

	/** Stops notifying `observer`: its notification in flight is no longer retransmitted. */
	forget(observer: Notified): void {
		this.stop(observer.inFlight);
		observer.inFlight = void 0;
	}

	received(bytes: Uint8Array, peer: Peer, now: number): void {
		this.now = now;
		// Not even a Reset for a stranger: answering would make this endpoint a reflector.
		if (this.acceptFrom && !this.acceptFrom(peer)) {
			this.dropped.foreign++;
			return;
		}
		const message = this.arrive(bytes, peer, now);
		if (!message) return;
		const seen = this.arrived;
		// A request (class 0).
		if (message.code >> 5 === 0) {
			const critical = message.critical;
			const server = this.options.server;
			// Handed on at once, not queued: the request is this call's last work.
			if (critical === void 0 && server) server.handle({ peer, message, seen });
			// 5.4.1: an unknown critical option in a CON request gets 4.02; in a NON it is rejected.
			else if (message.type === m.Type.CON || critical === void 0) this.respond({ peer, message, seen }, critical === void 0 ? { code: m.Code.NOT_FOUND, options: [], payload: m.EMPTY_BYTES } : messageLayer.error(m.Code.BAD_OPTION, "unknown critical option " + critical), now);
			else this.reset(peer, message.messageId, seen);
			return;
		}
		const exchange = this.exchanges.get(peer.address + ":" + peer.port + "/" + m.tokenKey(message.token));
		// A response nobody waits for, or one we cannot understand (5.4.1), is reset.
		if (!exchange || message.critical !== void 0) {
			if (exchange) this.dropped.rejected++;
			else this.dropped.unexpected++;
			this.reset(peer, message.messageId, seen);
			return;
		}
		if (message.type === m.Type.CON) this.reply(peer, seen, messageLayer.emptyMessage(m.Type.ACK, message.messageId));
		this.deliver(exchange, message, now);
	}

	override tick(now: number): void {
		this.now = now;
		super.tick(now);
		if (now >= this.due) {
			// A failure may start a queued request, whose deadline lowers `due` from Infinity again during the walk.
			this.due = Infinity;
			let due = Infinity;
			this.exchanges.forEach((exchange) => {
				if (exchange.deadline <= now) this.fail(exchange, "EXCHANGE_TIMEOUT", "no response in time");
				else if (exchange.deadline < due) due = exchange.deadline;
			});
			if (due < this.due) this.due = due;
		}
		const expiring = this.expiring;
		if (expiring && expiring.nextExpiry() <= now) expiring.expire(now);
	}

	/** The next retransmission, expiry or deadline; undefined for none. */
	nextTimeout(): number | undefined {
		// Message ids past their lifetime are forgotten exactly as datagrams arrive (`arrive`); the
		// timer only frees what an idle table holds: all of it at once, when its newest id expires.
		// One wake-up for the table rather than one for each id (it stays capped meanwhile), and
		// none while traffic keeps it tidy.
		const newest = this.newest;
		const tidy = newest ? newest.expires : Infinity;
		let next = this.due < tidy ? this.due : tidy;
		if (this.transmissions.size > 0)
			this.transmissions.forEach((transmission) => {
				if (transmission.nextAt < next) next = transmission.nextAt;
			});
		const expiring = this.expiring;
		if (expiring) {
			const at = expiring.nextExpiry();
			if (at < next) next = at;
		}
		return next === Infinity ? void 0 : next;
	}

	/** Ends every exchange with `error` (the client was stopped) and forgets all state. */
	failAll(error: ProtocolError): void {
		const exchanges = this.exchanges;
		this.exchanges = this.queues = this.outstanding = this.transmissions = messageLayer.NO_ENTRIES;
		exchanges.forEach((exchange) => exchange.answered(error, void 0));
	}

	private deliver(exchange: Exchange, response: CoapMessage, now: number): void {
		// A separate response may overtake the ACK it makes unnecessary (5.2.2).
		if (exchange.transmission) {
			this.stop(exchange.transmission);
			exchange.transmission = void 0;
		}
		if (exchange.observe && m.isSuccess(response.code) && m.optionValue(response.options, m.Option.OBSERVE) !== void 0) {
			this.release(exchange, now);
			exchange.deadline = Infinity;
		} else this.finish(exchange);
		exchange.answered(void 0, response);
	}

	private startQueued(key: string, now: number): void {
		const queue = this.queues.get(key);
		if (!queue) return;
		while (queue.length > 0 && (this.outstanding.get(key) ?? 0) < (this.options.nstart ?? Default.NSTART)) {
			const exchange = queue.shift() as Exchange;
			if (this.exchanges.get(exchange.tokenKey) === exchange) this.start(exchange, now);
		}
		if (queue.length === 0) this.queues.delete(key);
	}

	/** Sends a request, which takes one of its peer's NSTART slots. */
	private start(exchange: Exchange, now: number): void {
		this.outstanding.set(exchange.peerKey, (this.outstanding.get(exchange.peerKey) ?? 0) + 1);
		exchange.outstanding = true;
		const messageId = (this.messageId = (this.messageId + 1) & 0xffff);
		const bytes = m.assemble(exchange.confirmable ? m.Type.CON : m.Type.NON, exchange.code, messageId, exchange.token, exchange.options, exchange.payload);
		if (!exchange.confirmable) {
			exchange.deadline = now + (this.options.responseTimeout ?? this.lifetime);
			if (exchange.deadline < this.due) this.due = exchange.deadline;
			this.send(exchange.peer, bytes);
			return;
		}
		// The endpoint is the outcome of every request's CON, told the exchange: no closures per request.
		exchange.transmission = this.sendEncoded(exchange.peer, messageId, bytes, now, this, exchange);
	}

	/** Outcome: a request's CON was acknowledged. */
	onAck(ack: CoapMessage, transmission: messageLayer.Transmission): void {
		this.acknowledged(transmission.subject as Exchange, ack);
	}

	/** Outcome: a request's CON was reset. */
	onReset(transmission: messageLayer.Transmission): void {
		this.fail(transmission.subject as Exchange, "RESET_BY_PEER", "the peer reset the request");
	}

	/** Outcome: a request's CON was never acknowledged. */
	onTimeout(transmission: messageLayer.Transmission): void {
		this.fail(transmission.subject as Exchange, "EXCHANGE_TIMEOUT", "no ACK within MAX_TRANSMIT_WAIT");
	}

	/** The ACK of a request: Empty, the response follows separately (5.2.2); otherwise the response itself. */
	private acknowledged(exchange: Exchange, ack: CoapMessage): void {
		exchange.transmission = void 0;
		const now = this.now;
		if (ack.code === m.Code.EMPTY) {
			// The NSTART slot is free (4.7).
			this.release(exchange, now);
			exchange.deadline = now + (this.options.responseTimeout ?? this.lifetime);
			if (exchange.deadline < this.due) this.due = exchange.deadline;
		} else if (ack.critical !== void 0) {
			this.dropped.rejected++;
			this.fail(exchange, "PROTOCOL_VIOLATION", "a response with an unknown critical option");
		} else if (!m.sameBytes(ack.token, exchange.token)) {
			this.dropped.unexpected++;
			this.fail(exchange, "PROTOCOL_VIOLATION", "an ACK with another token");
		} else this.deliver(exchange, ack, now);
	}

	/** Ends `exchange` with a ProtocolError of `code`, made here: one `new` for every caller. */
	private fail(exchange: Exchange, code: ProtocolErrorCode, why: string): void {
		this.finish(exchange);
		exchange.answered(new ProtocolError(code, why), void 0);
	}

	/** Frees the exchange's NSTART slot, and starts the next queued request. */
	private release(exchange: Exchange, now: number): void {
		if (!exchange.outstanding) return;
		exchange.outstanding = false;
		const key = exchange.peerKey;
		const count = (this.outstanding.get(key) ?? 1) - 1;
		if (count > 0) this.outstanding.set(key, count);
		else this.outstanding.delete(key);
		if (this.queues.size > 0) this.startQueued(key, now);
	}

	private finish(exchange: Exchange): void {
		if (exchange.transmission) {
			this.stop(exchange.transmission);
			exchange.transmission = void 0;
		}
		exchange.deadline = Infinity;
		if (this.exchanges.get(exchange.tokenKey) === exchange) this.exchanges.delete(exchange.tokenKey);
		this.release(exchange, this.now);
	}
}

