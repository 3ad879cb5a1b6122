/**
 * The CoAP message layer (RFC 7252 section 4), under the request/response layer of
 * endpoint.ts, as aiocoap splits its message manager from its token manager:
 * - message ids (4.4), and Confirmable messages retransmitted with exponential back-off
 *   until an ACK or RST for their id arrives or MAX_RETRANSMIT is spent (4.2);
 * - duplicates recognised by peer and message id over EXCHANGE_LIFETIME, answered with
 *   the reply cached for them (4.5);
 * - pings (an Empty CON, answered with RST, 4.3) and message format errors: a CON is
 *   reset, anything else dropped (4.2, 4.3).
 *
 * A GET is not tracked at all: 4.5 lets a duplicate of an idempotent request be processed
 * again, and serving it costs less than keeping it (a slow one is tracked once it waits).
 * The duplicate table holds at most `maxTracked` message ids, each forgotten when its
 * lifetime ends as datagrams arrive, and an idle table on the timer (`nextTimeout`), all of
 * it when its newest id's lifetime ends: never held for want of later traffic. When
 * it is full, the oldest entry that may be forgotten makes room: an idempotent request's
 * (4.5: its duplicate may be executed again), a NON's (never retransmitted, so a
 * duplicate is only the network's), a response's. When every entry is a CON POST's, a
 * request is answered 5.03 Service Unavailable, Max-Age saying when a slot frees, and is
 * not executed.
 *
 * The endpoint (endpoint.ts) is this class extended, one object: its members are
 * protected, not #private (smaller bytecode and faster on XS), and nothing passes between
 * the two layers but method calls on `this`.
 */
import { encodeUtf8 } from "../common/utf8";
import * as m from "./message";
import type { CoapMessage, Content } from "./message";
import { Default, type EndpointOptions, type IncomingRequest } from "./types";

export interface Peer {
	readonly address: string;
	readonly port: number;
}

export interface Outgoing extends Peer {
	readonly bytes: Uint8Array;
}

/** Datagrams dropped or refused, by reason; none of them reaches the application. */
export interface DropCounts {
	/** Message format errors (3., 4.1). */
	malformed: number;
	/** Duplicates by message id (4.5). */
	duplicate: number;
	/** ACK or RST for no message of ours, or a response nobody waits for. */
	unexpected: number;
	/** Responses with an unknown critical option (5.4.1). */
	rejected: number;
	/** From a sender `acceptFrom` refused, dropped before decoding. */
	foreign: number;
	/** Requests refused with 5.03 because a table was full (duplicates, uploads). */
	overloaded: number;
}

/** The key of `peer` in a table, or of one of its message ids or tokens: "10.0.0.2:5683/4711". */
export function peerKey(peer: Peer, detail?: string | number): string {
	const key = peer.address + ":" + peer.port;
	return detail === void 0 ? key : key + "/" + detail;
}

/** What becomes of a Confirmable message of ours; told which, so one outcome can serve many (the endpoint's requests). */
export interface Outcome {
	onAck(message: CoapMessage, transmission: Transmission): void;
	onReset(transmission: Transmission): void;
	onTimeout(transmission: Transmission): void;
}

/** A message of ours waiting for its ACK (a CON), or for a RST that may still come (a NON notification). */
export interface Transmission {
	key: string;
	readonly outcome: Outcome;
	/** What the outcome is about, for one that serves many: the endpoint's exchange. */
	readonly subject: object | undefined;
	readonly peer: Peer;
	bytes: Uint8Array;
	retransmissions: number;
	timeout: number;
	nextAt: number;
	/**
	 * A newer message to go in this one's place (RFC 7641 4.5.2: one notification in flight
	 * per observer, the newest state waiting): sent at this one's ACK, or instead of its
	 * next retransmission, with its retransmission counter and timeout.
	 */
	next?: CoapMessage;
}

/** An observer as the layers see it: where its notifications go, and the one in flight. */
export interface Notified {
	readonly peer: Peer;
	/** Its bytes alone (a Uint8Array takes XS 7 heap slots, its ArrayBuffer 3): a view is made for each notification. */
	readonly token: ArrayBuffer;
	/** The endpoint's: a CON not acknowledged yet, or the last NON (whose RST still cancels). */
	inFlight?: Transmission;
}

/** A message id seen from a peer, and what was sent in answer, replayed for a duplicate. */
export interface Seen {
	readonly key: string;
	readonly expires: number;
	/** A CON POST's, which never makes room when the table is full; absent (no slot) for anything else, whose entry may. */
	kept?: true;
	/** Its buffer alone, the whole datagram (a Uint8Array takes XS 7 heap slots, its ArrayBuffer 3): a duplicate is rare, and gets a view made then. */
	reply?: ArrayBuffer;
	/** The entry that arrived next (MessageLayer's `oldest`). */
	next?: Seen;
}

/** An Empty message (4.1): 4 bytes, no token. */
export function emptyMessage(type: m.Type.ACK | m.Type.RST | m.Type.CON, messageId: number): Uint8Array {
	const bytes = new Uint8Array(4);
	bytes[0] = 0x40 | (type << 4);
	bytes[2] = messageId >> 8;
	bytes[3] = messageId;
	return bytes;
}

const ignore = (): void => void 0;
/** For a message whose fate nobody waits for (a separate response). */
export const UNWATCHED: Outcome = { onAck: ignore, onReset: ignore, onTimeout: ignore };

/** A response with a diagnostic payload (5.5.2): what was wrong, as text. */
export function error(code: number, diagnostic: string): Content {
	return { code, options: [], payload: encodeUtf8(diagnostic) };
}

/** 5.03 Service Unavailable (5.9.3.4), come back in `ms` (Max-Age in whole seconds, at least 1): a table is full. */
export function unavailable(ms: number): Content {
	return { code: m.Code.SERVICE_UNAVAILABLE, options: [m.uintOption(m.Option.MAX_AGE, Math.max(1, Math.ceil(ms / 1000)))], payload: m.EMPTY_BYTES };
}

/** The empty Map shared by tables an endpoint may never use (its own requests, CONs in flight), never written: each gets its own at its first entry (6 slots on XS). */
export const NO_ENTRIES = new Map<never, never>();

export abstract class MessageLayer {
	/** The endpoint's randomness (the board's on a device), for the server's ETags too. */
	declare readonly random: () => number;
	/** As given: the caps, settings and transmission parameters (RFC defaults for those not given) read where they are used (a field or object of them would cost slots). */
	declare readonly options: EndpointOptions;
	declare messageId: number;
	/** Absent until the first datagram is dropped: a server that drops none keeps no counts (7 slots on XS). */
	declare private counts?: DropCounts;
	declare protected transmissions: Map<string, Transmission>; // NO_ENTRIES until the first message awaiting an ACK or RST
	declare private readonly seen: Map<string, Seen>;
	/**
	 * The same entries in arrival order, which is expiry order (one lifetime for all): a list
	 * through their `next`, so the oldest leaves with no walk, no array moved and nothing
	 * allocated. Absent until the first entry, undefined while the table is empty.
	 */
	declare private oldest?: Seen;
	declare protected newest?: Seen;
	/** Datagrams to send, a few at a time and drained at once: a plain array, whose shift allocates nothing (a Fifo makes a new array each time it empties). */
	declare private readonly out: Outgoing[];
	/** The duplicate-table entry of the message `arrive` returned last (absent until the first). */
	declare protected arrived: Seen | undefined;
	/**
	 * How long a message id of a CON stays in use, so duplicates are recognised
	 * (EXCHANGE_LIFETIME, 4.8.2, 247 s); held for a NON's id too (NON_LIFETIME is only the
	 * least): with one lifetime, arrival order is expiry order and expiring looks at the
	 * oldest alone. The server's Block1 uploads are kept as long.
	 */
	declare readonly lifetime: number;

	/** The endpoint's options: the transmission parameters (the RFC's defaults for those not given), its randomness, the table's cap, where message ids go on from. */
	constructor(options: EndpointOptions) {
		const random = (this.random = options.random ?? Math.random);
		this.options = options;
		const resume = options.resume;
		// 4.4: start message ids at a random value, so a restart does not repeat recent ones.
		this.messageId = resume ? resume.messageId : Math.floor(random() * 0x10000);
		this.transmissions = NO_ENTRIES;
		this.seen = new Map();
		this.out = [];
		// MAX_TRANSMIT_SPAN (4.8.2, 45 s): from the first transmission of a CON to the last retransmission.
		const ackTimeout = options.ackTimeout ?? Default.ACK_TIMEOUT;
		const span = ackTimeout * (2 ** (options.maxRetransmit ?? Default.MAX_RETRANSMIT) - 1) * (options.ackRandomFactor ?? Default.ACK_RANDOM_FACTOR);
		this.lifetime = span + 2 * Default.MAX_LATENCY + ackTimeout;
	}

	/** Datagrams dropped or refused so far, by reason. */
	get dropped(): DropCounts {
		return (this.counts ??= { malformed: 0, duplicate: 0, unexpected: 0, rejected: 0, foreign: 0, overloaded: 0 });
	}

	/** Message ids held for duplicate detection (at most `maxTracked`). */
	get tracked(): number {
		return this.seen.size;
	}

	nextMessageId(): number {
		return (this.messageId = (this.messageId + 1) & 0xffff);
	}

	send(peer: Peer, bytes: Uint8Array): void {
		this.out.push({ address: peer.address, port: peer.port, bytes });
	}

	pollTransmit(): Outgoing | undefined {
		return this.out.shift();
	}

	/** Sends `bytes` in answer to a message, kept in `seen` (when tracked) for its duplicates. */
	reply(peer: Peer, seen: Seen | undefined, bytes: Uint8Array): void {
		if (seen) seen.reply = bytes.buffer as ArrayBuffer;
		this.send(peer, bytes);
	}

	reset(peer: Peer, messageId: number, seen?: Seen): void {
		this.reply(peer, seen, emptyMessage(m.Type.RST, messageId));
	}

	/** Sends a CON, encoded already, whose id is `messageId`, and retransmits it (4.2) until its ACK or RST, or `onTimeout`. */
	sendEncoded(peer: Peer, messageId: number, bytes: Uint8Array, now: number, outcome: Outcome, subject?: object): Transmission {
		const timeout = this.firstTimeout();
		return this.hold(peer, messageId, bytes, 0, timeout, now + timeout, outcome, subject);
	}

	/** 4.2: the first timeout is random in [ACK_TIMEOUT, ACK_TIMEOUT * ACK_RANDOM_FACTOR]. */
	private firstTimeout(): number {
		const options = this.options;
		const ackTimeout = options.ackTimeout ?? Default.ACK_TIMEOUT;
		return ackTimeout + this.random() * ackTimeout * ((options.ackRandomFactor ?? Default.ACK_RANDOM_FACTOR) - 1);
	}

	/** Sends a NON and keeps its id until `until`, so a RST for it still finds `onReset` (RFC 7641 3.6). */
	sendTracked(peer: Peer, message: CoapMessage, until: number, onReset: () => void): Transmission {
		return this.hold(peer, message.messageId, m.encode(message), Infinity, 0, until, { onAck: ignore, onReset, onTimeout: ignore });
	}

	/** Whether `transmission` still waits for its ACK or RST. */
	active(transmission: Transmission): boolean {
		return this.transmissions.get(transmission.key) === transmission;
	}

	/** Puts `transmission.next` in its place, under its own id. */
	private swap(transmission: Transmission): void {
		const next = transmission.next as CoapMessage;
		transmission.next = void 0;
		transmission.key = peerKey(transmission.peer, next.messageId);
		transmission.bytes = m.encode(next);
		this.transmissions.set(transmission.key, transmission);
	}

	stop(transmission: Transmission | undefined): void {
		if (transmission && this.active(transmission)) this.transmissions.delete(transmission.key);
	}

	/** Answers a request (the endpoint's: piggybacked on a CON's ACK, NON for a NON). */
	abstract respond(request: IncomingRequest, content: Content, now: number): void;

	/**
	 * Handles what the message layer answers itself; returns a request or response for the layer
	 * above, its duplicate-table entry in `arrived` (undefined when untracked): no object per datagram.
	 */
	protected arrive(bytes: Uint8Array, peer: Peer, now: number): CoapMessage | undefined {
		const message = m.parse(bytes);
		if (typeof message === "string") {
			this.dropped.malformed++;
			// A CON is reset (4.2): version 1 and type CON in the first byte, the message id in the next but one; anything else (even another version, 3.) is dropped.
			if (bytes.length >= 4 && (bytes[0] & 0xf0) === 0x40) this.reset(peer, (bytes[2] << 8) | bytes[3]);
			return void 0;
		}
		const type = message.type;
		const code = message.code;
		// A GET is not tracked, its duplicate served anew (4.5); a slow one is, once it waits (`track`):
		// with the table empty, a GET is not even looked up (a fifth of what serving it costs XS).
		if (code === m.Code.GET && type <= m.Type.NON && this.seen.size === 0) {
			this.arrived = void 0;
			return message;
		}
		const messageId = message.messageId;
		// peerKey(peer, messageId), written out (here and below): this runs for every datagram.
		const key = peer.address + ":" + peer.port + "/" + messageId;
		if (type === m.Type.ACK || type === m.Type.RST) {
			const transmission = this.transmissions.get(key);
			if (!transmission) this.dropped.unexpected++;
			else {
				this.transmissions.delete(transmission.key);
				if (type === m.Type.RST) transmission.outcome.onReset(transmission);
				else if (!transmission.next) transmission.outcome.onAck(message, transmission);
				else {
					// Acknowledged with a newer one waiting: that one goes now, as a fresh CON.
					transmission.retransmissions = 0;
					transmission.timeout = this.firstTimeout();
					transmission.nextAt = now + transmission.timeout;
					this.swap(transmission);
					this.send(peer, transmission.bytes);
				}
			}
			return void 0;
		}
		// 4.3: an Empty CON is a ping, answered with RST; an Empty NON, or a reserved code class, is a format error.
		const codeClass = code >> 5;
		// A request is class 0 (1-31), a response class 2, 4 or 5 (1, 6 and 7 are reserved).
		if (code === m.Code.EMPTY || !(codeClass === 0 || codeClass === 2 || codeClass === 4 || codeClass === 5)) {
			if (type === m.Type.CON) this.reset(peer, messageId);
			if (code !== m.Code.EMPTY || type !== m.Type.CON) this.dropped.malformed++;
			return void 0;
		}
		const oldest = this.oldest;
		if (oldest && now >= oldest.expires) this.expire(now);
		const seen = this.seen.get(key);
		if (seen) {
			this.dropped.duplicate++;
			if (seen.reply && type === m.Type.CON) this.send(peer, new Uint8Array(seen.reply));
			return void 0;
		}
		const entry = code === m.Code.GET ? void 0 : this.enter(key, message, now);
		if (!entry) {
			// Untracked (a GET, or the table full): no entry, not the last message's, keeps what is sent in answer.
			this.arrived = void 0;
			if (codeClass !== 0 || code === m.Code.GET) return message;
			this.dropped.overloaded++;
			// Come back when a slot is free; unless the request asked for no 5.xx (RFC 7967), as every answer honours it.
			const first = this.oldest;
			const quiet = m.optionValue(message.options, m.Option.NO_RESPONSE);
			this.respond({ peer, message, noResponse: quiet && m.readUint(quiet) }, unavailable((first ? first.expires : Infinity) - now), now);
			return void 0;
		}
		this.arrived = entry;
		return message;
	}

	/** From now on, duplicates of a request that arrived untracked (a GET) are recognised: one answered later (server-tables.ts `hold`). */
	track(request: IncomingRequest, now: number): void {
		const peer = request.peer;
		request.seen ??= this.enter(peer.address + ":" + peer.port + "/" + request.message.messageId, request.message, now);
	}

	/** A new entry in the duplicate table, or undefined when it is full and nothing may make room. */
	private enter(key: string, message: CoapMessage, now: number): Seen | undefined {
		if (this.seen.size >= (this.options.maxTracked ?? 16) && !this.evict()) return void 0;
		const entry: Seen = { key, expires: now + this.lifetime };
		// Anything but a CON POST may make room when the table is full.
		if (message.code === m.Code.POST && message.type === m.Type.CON) entry.kept = true;
		this.seen.set(key, entry);
		const newest = this.newest;
		if (newest) newest.next = entry;
		else this.oldest = entry;
		this.newest = entry;
		return entry;
	}

	tick(now: number): void {
		// Iterating an empty Map still allocates an iterator on XS: skip it.
		if (this.transmissions.size > 0)
			this.transmissions.forEach((transmission) => {
				if (transmission.nextAt > now) return;
				if (transmission.retransmissions >= (this.options.maxRetransmit ?? Default.MAX_RETRANSMIT)) {
					this.transmissions.delete(transmission.key);
					transmission.outcome.onTimeout(transmission);
					return;
				}
				transmission.retransmissions++;
				transmission.timeout *= 2;
				transmission.nextAt = now + transmission.timeout;
				// A newer message waiting goes instead: the stale one is never sent again. (The
				// Map visits the swapped entry once more in this walk; it is not due.)
				if (transmission.next) {
					this.transmissions.delete(transmission.key);
					this.swap(transmission);
				}
				this.send(transmission.peer, transmission.bytes);
			});
		this.expire(now);
	}

	private hold(peer: Peer, messageId: number, bytes: Uint8Array, retransmissions: number, timeout: number, nextAt: number, outcome: Outcome, subject?: object): Transmission {
		const transmission: Transmission = { key: peerKey(peer, messageId), outcome, subject, peer, bytes, retransmissions, timeout, nextAt };
		if (this.transmissions === NO_ENTRIES) this.transmissions = new Map();
		this.transmissions.set(transmission.key, transmission);
		this.send(peer, bytes);
		return transmission;
	}

	/** Makes room by forgetting the oldest entry that may be forgotten, most often the oldest itself; false when every entry is a CON POST's (or there is none: `maxTracked` 0). */
	private evict(): boolean {
		let previous: Seen | undefined;
		for (let entry = this.oldest; entry; previous = entry, entry = entry.next) {
			if (entry.kept) continue;
			this.seen.delete(entry.key);
			if (previous) previous.next = entry.next;
			else this.oldest = entry.next;
			if (this.newest === entry) this.newest = previous;
			return true;
		}
		return false;
	}

	/** Forgets message ids past their lifetime: the oldest first, in arrival order. */
	private expire(now: number): void {
		let oldest = this.oldest;
		while (oldest && oldest.expires <= now) {
			this.seen.delete(oldest.key);
			oldest = oldest.next;
		}
		this.oldest = oldest;
		if (!oldest) this.newest = void 0;
	}
}
