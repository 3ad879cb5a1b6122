/**
 * The CoAP message layer and request/response matching (RFC 7252 4 and 5.3) as a
 * sans-IO state machine, for a client and a server sharing one UDP endpoint. It is told
 * what arrived (`received`, with the sender) and what time it is (`tick`); it answers
 * with datagrams to send (`pollTransmit`), requests for the server (`pollRequest`) and
 * the time it next needs a tick (`nextTimeout`). No socket, no timer.
 *
 * - Confirmable messages are retransmitted with exponential back-off (4.2) until
 *   acknowledged, reset, or MAX_RETRANSMIT is spent: then the exchange ends with an
 *   EXCHANGE_TIMEOUT error and its state is gone.
 * - Duplicates (same peer and message id) are recognised over EXCHANGE_LIFETIME (4.5);
 *   a duplicate request gets the response cached for it, never a second execution.
 * - Responses are matched by peer and token (5.3.2); one the client did not ask for is
 *   reset, which is also how an unwanted Observe notification is cancelled (RFC 7641 3.6).
 * - At most NSTART requests per peer are outstanding (4.7); more wait in order.
 * - Message format errors: a CON is answered with a Reset, anything else dropped (4.2, 4.3).
 */
import { ProtocolError } from "../common/errors";
import { Fifo } from "../common/fifo";
import type { DatagramSession } from "../common/session";
import { decode, peekHeader } from "./decode";
import { encode } from "./encode";
import { ACK, BAD_OPTION, CON, EMPTY, EMPTY_BYTES, NON, RST, isRequest, isResponse, type CoapMessage, type CoapOption, type MessageType } from "./message";
import { OBSERVE, unknownCritical } from "./options";
import { DEFAULT_PARAMETERS, exchangeLifetime, nonLifetime, type TransmissionParameters } from "./parameters";
import { encodeUtf8 } from "../common/utf8";

export interface Peer {
	readonly address: string;
	readonly port: number;
}

export interface Outgoing extends Peer {
	readonly bytes: Uint8Array;
}

/** What a request or a response carries besides the message layer's fields. */
export interface Content {
	readonly code: number;
	/** In ascending option number (options.ts `sortOptions`). */
	readonly options: readonly CoapOption[];
	readonly payload: Uint8Array;
}

export interface RequestOptions {
	/** CON (default) or NON. */
	readonly confirmable?: boolean;
	/** Reuse a token, as re-registering an observation does (RFC 7641 3.3.1); otherwise a fresh one. */
	readonly token?: Uint8Array;
	/** Keep matching responses after the first (an Observe registration). */
	readonly observe?: boolean;
}

/**
 * Called with each response to a request, or once with an error. With `observe`, it is
 * called for every notification until `cancel`.
 */
export type ResponseHandler = (error: ProtocolError | undefined, response: CoapMessage | undefined) => void;

/** A request received by the server: answer it with `Endpoint.respond`. */
export interface IncomingRequest {
	readonly peer: Peer;
	readonly message: CoapMessage;
}

export interface EndpointOptions extends Partial<TransmissionParameters> {
	/** ms a client waits for a separate response after an empty ACK, or for a NON's response. */
	readonly responseTimeout?: number;
	readonly random?: () => number;
	/**
	 * Where message ids and tokens go on from, as `sequence` left them: a device waking
	 * from deep sleep keeps counting instead of starting at a random point (4.4).
	 */
	readonly resume?: { readonly messageId: number; readonly tokenCounter: number };
	/**
	 * Whom datagrams are taken from; absent for anyone (a server). A client names its
	 * servers: a datagram from anyone else is counted in `dropped.foreign` and never decoded.
	 */
	readonly acceptFrom?: (peer: Peer) => boolean;
}

/** Datagrams dropped, by reason; none of them reaches the application. */
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
}

/** A confirmable message of ours waiting for its ACK. */
interface Transmission {
	readonly key: string;
	readonly peer: Peer;
	readonly bytes: Uint8Array;
	retransmissions: number;
	timeout: number;
	nextAt: number;
	onAck(message: CoapMessage): void;
	onReset(): void;
	onTimeout(): void;
}

/** A request of ours, from queued until its (last) response. */
interface Exchange {
	readonly peer: Peer;
	readonly peerKey: string;
	readonly tokenKey: string;
	readonly token: Uint8Array;
	readonly confirmable: boolean;
	readonly observe: boolean;
	readonly content: Content;
	handler: ResponseHandler;
	/** Holds one of the peer's NSTART slots. */
	outstanding: boolean;
	transmission?: Transmission;
	/** When waiting for a response ends; Infinity while a CON is unacknowledged or an observation runs. */
	deadline: number;
}

interface Seen {
	readonly expires: number;
	/** What was sent in answer, replayed for a duplicate. */
	reply?: Uint8Array;
}

function peerKey(peer: Peer): string {
	return `${peer.address}:${peer.port}`;
}

/** A token as hex, for keys. */
export function tokenHex(token: Uint8Array): string {
	let text = "";
	for (let i = 0; i < token.length; i++) text += (token[i] < 16 ? "0" : "") + token[i].toString(16);
	return text;
}

export class Endpoint implements DatagramSession {
	readonly parameters: TransmissionParameters;
	readonly dropped: DropCounts = { malformed: 0, duplicate: 0, unexpected: 0, rejected: 0, foreign: 0 };
	readonly #random: () => number;
	readonly #acceptFrom?: (peer: Peer) => boolean;
	readonly #responseTimeout: number;
	readonly #transmissions = new Map<string, Transmission>();
	readonly #exchanges = new Map<string, Exchange>();
	readonly #queues = new Map<string, Fifo<Exchange>>();
	readonly #outstanding = new Map<string, number>();
	readonly #seen = new Map<string, Seen>();
	readonly #transmit = new Fifo<Outgoing>();
	readonly #requests = new Fifo<IncomingRequest>();
	#messageId: number;
	#tokenCounter: number;

	constructor(options: EndpointOptions = {}) {
		this.parameters = {
			ackTimeout: options.ackTimeout ?? DEFAULT_PARAMETERS.ackTimeout,
			ackRandomFactor: options.ackRandomFactor ?? DEFAULT_PARAMETERS.ackRandomFactor,
			maxRetransmit: options.maxRetransmit ?? DEFAULT_PARAMETERS.maxRetransmit,
			nstart: options.nstart ?? DEFAULT_PARAMETERS.nstart,
		};
		this.#random = options.random ?? Math.random;
		this.#acceptFrom = options.acceptFrom;
		this.#responseTimeout = options.responseTimeout ?? exchangeLifetime(this.parameters);
		// 4.4: start message ids at a random value, so a restart does not repeat recent ones.
		this.#messageId = options.resume?.messageId ?? Math.floor(this.#random() * 0x10000);
		this.#tokenCounter = options.resume?.tokenCounter ?? Math.floor(this.#random() * 0x10000);
	}

	/** The last message id and token counter used, for `resume` after deep sleep. */
	get sequence(): { readonly messageId: number; readonly tokenCounter: number } {
		return { messageId: this.#messageId, tokenCounter: this.#tokenCounter };
	}

	/** Exchanges and transmissions held: 0 once everything has finished (no leaked state). */
	get pending(): number {
		return this.#exchanges.size + this.#transmissions.size;
	}

	/** Sends a request to `peer` (or queues it behind NSTART); returns its token. */
	request(peer: Peer, content: Content, now: number, handler: ResponseHandler, options: RequestOptions = {}): Uint8Array {
		const key = peerKey(peer);
		const token = options.token ? options.token.slice() : this.#newToken(key);
		const tokenKey = `${key}/${tokenHex(token)}`;
		const replaced = this.#exchanges.get(tokenKey);
		if (replaced) this.#finish(replaced);
		const exchange: Exchange = {
			peer,
			peerKey: key,
			tokenKey,
			token,
			confirmable: options.confirmable ?? true,
			observe: options.observe ?? false,
			content,
			handler,
			outstanding: false,
			deadline: Infinity,
		};
		this.#exchanges.set(tokenKey, exchange);
		let queue = this.#queues.get(key);
		if (!queue) this.#queues.set(key, (queue = new Fifo()));
		queue.push(exchange);
		this.#startQueued(key, now);
		return token;
	}

	/** Forgets a request or observation: later responses to its token are reset (RFC 7641 3.6). */
	cancel(peer: Peer, token: Uint8Array): void {
		const exchange = this.#exchanges.get(`${peerKey(peer)}/${tokenHex(token)}`);
		if (exchange) this.#finish(exchange);
	}

	/** Sends an empty CON (4.3, "CoAP ping"): the handler gets the peer's RST as success. */
	ping(peer: Peer, now: number, handler: (error: ProtocolError | undefined) => void): void {
		const messageId = this.#nextMessageId();
		this.#sendConfirmable(peer, { type: CON, code: EMPTY, messageId, token: EMPTY_BYTES, options: [], payload: EMPTY_BYTES }, now, {
			onAck: () => handler(undefined),
			onReset: () => handler(undefined),
			onTimeout: () => handler(new ProtocolError("EXCHANGE_TIMEOUT", "no answer to a CoAP ping")),
		});
	}

	/**
	 * Answers a request: piggybacked on the ACK of a CON (5.2.1), as a NON for a NON, as a
	 * separate CON after `acknowledge` (5.2.2). The answer is kept for duplicates.
	 */
	respond(request: IncomingRequest, content: Content, now: number): void {
		const { peer, message } = request;
		const seen = this.#seen.get(`${peerKey(peer)}#${message.messageId}`);
		const acknowledged = seen?.reply !== undefined;
		if (message.type === CON && !acknowledged) {
			const bytes = encode({ type: ACK, messageId: message.messageId, token: message.token, ...content });
			if (seen) seen.reply = bytes;
			this.#send(peer, bytes);
			return;
		}
		const response: CoapMessage = { type: message.type === CON ? CON : NON, messageId: this.#nextMessageId(), token: message.token, ...content };
		if (response.type === CON) this.#sendConfirmable(peer, response, now, { onAck: () => undefined, onReset: () => undefined, onTimeout: () => undefined });
		else this.#send(peer, encode(response));
	}

	/** Acknowledges a CON request now, so its response can follow separately (5.2.2). */
	acknowledge(request: IncomingRequest): void {
		const { peer, message } = request;
		const seen = this.#seen.get(`${peerKey(peer)}#${message.messageId}`);
		if (message.type !== CON || !seen || seen.reply) return;
		seen.reply = encode({ type: ACK, code: EMPTY, messageId: message.messageId, token: EMPTY_BYTES, options: [], payload: EMPTY_BYTES });
		this.#send(peer, seen.reply);
	}

	/**
	 * Sends an Observe notification (RFC 7641 4.2). `onGone` is called when the client
	 * resets it or a confirmable one is never acknowledged: the observer is gone (4.5).
	 */
	notify(peer: Peer, token: Uint8Array, content: Content, confirmable: boolean, now: number, onGone: () => void): void {
		const message: CoapMessage = { type: confirmable ? CON : NON, messageId: this.#nextMessageId(), token, ...content };
		if (confirmable) this.#sendConfirmable(peer, message, now, { onAck: () => undefined, onReset: onGone, onTimeout: onGone });
		else {
			// A RST to a NON notification also cancels: remember its id like a CON's, without retransmitting.
			const key = `${peerKey(peer)}#${message.messageId}`;
			const bytes = encode(message);
			this.#transmissions.set(key, { key, peer, bytes, retransmissions: Infinity, timeout: 0, nextAt: now + nonLifetime(this.parameters), onAck: () => undefined, onReset: onGone, onTimeout: () => undefined });
			this.#send(peer, bytes);
		}
	}

	received(bytes: Uint8Array, peer: Peer, now: number): void {
		// Not even a Reset for a stranger: answering would make this endpoint a reflector.
		if (this.#acceptFrom && !this.#acceptFrom(peer)) {
			this.dropped.foreign++;
			return;
		}
		let message: CoapMessage;
		try {
			message = decode(bytes);
		} catch {
			this.dropped.malformed++;
			const header = peekHeader(bytes);
			if (header?.type === CON) this.#reset(peer, header.messageId);
			return;
		}
		const key = peerKey(peer);
		if (message.type === ACK || message.type === RST) {
			const transmission = this.#transmissions.get(`${key}#${message.messageId}`);
			if (!transmission) {
				this.dropped.unexpected++;
				return;
			}
			this.#transmissions.delete(transmission.key);
			if (message.type === ACK) transmission.onAck(message);
			else transmission.onReset();
			return;
		}
		if (message.code === EMPTY) {
			// 4.3: an empty CON is a ping, answered with RST; an empty NON is dropped.
			if (message.type === CON) this.#reset(peer, message.messageId);
			else this.dropped.malformed++;
			return;
		}
		this.#prune(now);
		const seenKey = `${key}#${message.messageId}`;
		const seen = this.#seen.get(seenKey);
		if (seen) {
			this.dropped.duplicate++;
			if (seen.reply && message.type === CON) this.#send(peer, seen.reply);
			return;
		}
		const entry: Seen = { expires: now + (message.type === CON ? exchangeLifetime(this.parameters) : nonLifetime(this.parameters)) };
		this.#seen.set(seenKey, entry);
		if (isRequest(message.code)) this.#receivedRequest(peer, message, now);
		else if (isResponse(message.code)) this.#receivedResponse(peer, message, entry, now);
		// 4.2/4.3: a reserved code class is a format error.
		else {
			this.dropped.malformed++;
			if (message.type === CON) entry.reply = this.#reset(peer, message.messageId);
		}
	}

	tick(now: number): void {
		for (const transmission of this.#transmissions.values()) {
			if (transmission.nextAt > now) continue;
			if (transmission.retransmissions >= this.parameters.maxRetransmit) {
				this.#transmissions.delete(transmission.key);
				transmission.onTimeout();
				continue;
			}
			transmission.retransmissions++;
			transmission.timeout *= 2;
			transmission.nextAt = now + transmission.timeout;
			this.#send(transmission.peer, transmission.bytes);
		}
		for (const exchange of this.#exchanges.values())
			if (exchange.deadline <= now) this.#fail(exchange, new ProtocolError("EXCHANGE_TIMEOUT", "no response in time"), now);
		this.#prune(now);
	}

	nextTimeout(): number | undefined {
		let next = Infinity;
		for (const transmission of this.#transmissions.values()) if (transmission.nextAt < next) next = transmission.nextAt;
		for (const exchange of this.#exchanges.values()) if (exchange.deadline < next) next = exchange.deadline;
		return next === Infinity ? undefined : next;
	}

	pollTransmit(): Outgoing | undefined {
		return this.#transmit.shift();
	}

	pollRequest(): IncomingRequest | undefined {
		return this.#requests.shift();
	}

	/** Ends every exchange with `error` (the client was stopped) and forgets all state. */
	failAll(error: ProtocolError): void {
		const exchanges = [...this.#exchanges.values()];
		this.#exchanges.clear();
		this.#queues.clear();
		this.#outstanding.clear();
		this.#transmissions.clear();
		for (const exchange of exchanges) exchange.handler(error, undefined);
	}

	#receivedRequest(peer: Peer, message: CoapMessage, now: number): void {
		const critical = unknownCritical(message.options);
		if (critical !== undefined) {
			// 5.4.1: an unknown critical option in a CON request gets 4.02; in a NON it is rejected.
			if (message.type === CON) this.respond({ peer, message }, { code: BAD_OPTION, options: [], payload: encodeUtf8(`unknown critical option ${critical}`) }, now);
			else this.#reset(peer, message.messageId);
			return;
		}
		this.#requests.push({ peer, message });
	}

	#receivedResponse(peer: Peer, message: CoapMessage, seen: Seen, now: number): void {
		const exchange = this.#exchanges.get(`${peerKey(peer)}/${tokenHex(message.token)}`);
		// A response nobody waits for, or one we cannot understand (5.4.1), is reset.
		if (!exchange || unknownCritical(message.options) !== undefined) {
			if (exchange) this.dropped.rejected++;
			else this.dropped.unexpected++;
			seen.reply = this.#reset(peer, message.messageId);
			return;
		}
		if (message.type === CON) {
			seen.reply = encode({ type: ACK, code: EMPTY, messageId: message.messageId, token: EMPTY_BYTES, options: [], payload: EMPTY_BYTES });
			this.#send(peer, seen.reply);
		}
		this.#deliver(exchange, message, now);
	}

	#deliver(exchange: Exchange, response: CoapMessage, now: number): void {
		// A separate response may overtake the ACK it makes unnecessary (5.2.2).
		if (exchange.transmission) this.#transmissions.delete(exchange.transmission.key);
		exchange.transmission = undefined;
		this.#release(exchange, now);
		const observing = exchange.observe && response.options.some((option) => option.number === OBSERVE) && response.code < 96;
		if (observing) exchange.deadline = Infinity;
		else this.#finish(exchange);
		exchange.handler(undefined, response);
	}

	#startQueued(key: string, now: number): void {
		const queue = this.#queues.get(key);
		if (!queue) return;
		while (queue.length > 0 && (this.#outstanding.get(key) ?? 0) < this.parameters.nstart) {
			const exchange = queue.shift() as Exchange;
			if (this.#exchanges.get(exchange.tokenKey) !== exchange) continue;
			this.#outstanding.set(key, (this.#outstanding.get(key) ?? 0) + 1);
			exchange.outstanding = true;
			const message: CoapMessage = { type: exchange.confirmable ? CON : NON, messageId: this.#nextMessageId(), token: exchange.token, ...exchange.content };
			if (!exchange.confirmable) {
				exchange.deadline = now + this.#responseTimeout;
				this.#send(exchange.peer, encode(message));
				continue;
			}
			exchange.transmission = this.#sendConfirmable(exchange.peer, message, now, {
				onAck: (ack) => {
					exchange.transmission = undefined;
					if (ack.code === EMPTY) {
						// 5.2.2: acknowledged; the response follows separately. The NSTART slot is free (4.7).
						this.#release(exchange, now);
						exchange.deadline = now + this.#responseTimeout;
					} else if (unknownCritical(ack.options) !== undefined) {
						this.dropped.rejected++;
						this.#fail(exchange, new ProtocolError("PROTOCOL_VIOLATION", "a response with an unknown critical option"), now);
					} else if (ack.token.length !== exchange.token.length || tokenHex(ack.token) !== tokenHex(exchange.token)) {
						this.dropped.unexpected++;
						this.#fail(exchange, new ProtocolError("PROTOCOL_VIOLATION", "a piggybacked response with another token"), now);
					} else this.#deliver(exchange, ack, now);
				},
				onReset: () => this.#fail(exchange, new ProtocolError("RESET_BY_PEER", "the peer reset the request"), now),
				onTimeout: () => this.#fail(exchange, new ProtocolError("EXCHANGE_TIMEOUT", "the request was never acknowledged (MAX_TRANSMIT_WAIT)"), now),
			});
		}
		if (queue.length === 0) this.#queues.delete(key);
	}

	#fail(exchange: Exchange, error: ProtocolError, now: number): void {
		this.#release(exchange, now);
		this.#finish(exchange);
		exchange.handler(error, undefined);
	}

	/** Frees the exchange's NSTART slot and starts the next queued request. */
	#release(exchange: Exchange, now: number): void {
		if (!exchange.outstanding) return;
		exchange.outstanding = false;
		const count = (this.#outstanding.get(exchange.peerKey) ?? 1) - 1;
		if (count > 0) this.#outstanding.set(exchange.peerKey, count);
		else this.#outstanding.delete(exchange.peerKey);
		this.#startQueued(exchange.peerKey, now);
	}

	#finish(exchange: Exchange): void {
		if (exchange.transmission) this.#transmissions.delete(exchange.transmission.key);
		exchange.transmission = undefined;
		exchange.deadline = Infinity;
		if (exchange.outstanding) {
			exchange.outstanding = false;
			const count = (this.#outstanding.get(exchange.peerKey) ?? 1) - 1;
			if (count > 0) this.#outstanding.set(exchange.peerKey, count);
			else this.#outstanding.delete(exchange.peerKey);
		}
		if (this.#exchanges.get(exchange.tokenKey) === exchange) this.#exchanges.delete(exchange.tokenKey);
	}

	#sendConfirmable(peer: Peer, message: CoapMessage, now: number, handlers: Pick<Transmission, "onAck" | "onReset" | "onTimeout">): Transmission {
		const { ackTimeout, ackRandomFactor } = this.parameters;
		// 4.2: the first timeout is random in [ACK_TIMEOUT, ACK_TIMEOUT * ACK_RANDOM_FACTOR].
		const timeout = ackTimeout + this.#random() * ackTimeout * (ackRandomFactor - 1);
		const key = `${peerKey(peer)}#${message.messageId}`;
		const transmission: Transmission = { key, peer, bytes: encode(message), retransmissions: 0, timeout, nextAt: now + timeout, ...handlers };
		this.#transmissions.set(key, transmission);
		this.#send(peer, transmission.bytes);
		return transmission;
	}

	#reset(peer: Peer, messageId: number): Uint8Array {
		const bytes = encode({ type: RST as MessageType, code: EMPTY, messageId, token: EMPTY_BYTES, options: [], payload: EMPTY_BYTES });
		this.#send(peer, bytes);
		return bytes;
	}

	#send(peer: Peer, bytes: Uint8Array): void {
		this.#transmit.push({ address: peer.address, port: peer.port, bytes });
	}

	#nextMessageId(): number {
		this.#messageId = (this.#messageId + 1) & 0xffff;
		return this.#messageId;
	}

	/**
	 * A fresh 4-byte token: a counter, so a token is not reused soon after its exchange
	 * ended (a late notification must not match a new request), and two random bytes so
	 * it is hard to guess (5.3.1).
	 */
	#newToken(key: string): Uint8Array {
		for (;;) {
			const token = new Uint8Array(4);
			this.#tokenCounter = (this.#tokenCounter + 1) & 0xffff;
			token[0] = this.#tokenCounter >> 8;
			token[1] = this.#tokenCounter & 0xff;
			token[2] = Math.floor(this.#random() * 256);
			token[3] = Math.floor(this.#random() * 256);
			if (!this.#exchanges.has(`${key}/${tokenHex(token)}`)) return token;
		}
	}

	/** Forgets message ids past their lifetime; entries are in arrival order, so the oldest go first. */
	#prune(now: number): void {
		for (const [key, seen] of this.#seen) {
			if (seen.expires > now) break;
			this.#seen.delete(key);
		}
	}
}
