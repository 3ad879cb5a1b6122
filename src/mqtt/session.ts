/**
 * The MQTT 3.1.1 client session as a sans-IO state machine: it is told what happened
 * (`open`, `received`, `closed`, `tick`) and what the application wants (`publish`,
 * `subscribe`, ...), and it answers with bytes to send (`pollTransmit`), events
 * (`pollEvent`) and the time it next needs a `tick` (`nextTimeout`). It owns no socket
 * and no timer, so tests drive it on a virtual clock and every board reuses it.
 *
 * Delivery guarantees follow the specification (4.3, 4.4, 4.6): QoS 1 and 2 messages
 * stay in flight until acknowledged and are resent on the next connection, PUBLISH with
 * DUP=1 in their original order and PUBREL in PUBREC order. In-flight messages are held
 * as their encoded PUBLISH packet: one allocation per message, resent by flipping the
 * DUP bit.
 */
import { ProtocolError } from "../common/errors";
import { Fifo } from "../common/fifo";
import { encode, encodedLength } from "./encode";
import { PacketReader } from "./decode";
import { validateTopicFilter, validateTopicName } from "./topic";
import {
	CONNECT,
	CONNACK,
	CONNACK_REASONS,
	PUBLISH,
	PUBACK,
	PUBREC,
	PUBREL,
	PUBCOMP,
	SUBSCRIBE,
	SUBACK,
	SUBACK_FAILURE,
	UNSUBSCRIBE,
	UNSUBACK,
	PINGREQ,
	PINGRESP,
	DISCONNECT,
	type Packet,
	type PublishPacket,
	type QoS,
	type Subscription,
	type Will,
} from "./packet";

export interface SessionOptions {
	/** Empty with a clean session: an id is generated (3.1.3.1). */
	readonly clientId: string;
	readonly cleanSession: boolean;
	/** Seconds; 0 turns keep-alive off. */
	readonly keepAlive: number;
	readonly will?: Will;
	readonly username?: string;
	readonly password?: Uint8Array;
	/** Largest packet accepted or sent, in bytes (default 8 KiB). */
	readonly maxPacketSize?: number;
	/** QoS 1/2 messages awaiting acknowledgement at once (default 16). */
	readonly inflightWindow?: number;
	/** Messages waiting for a connection or a window slot (default 100). */
	readonly maxQueued?: number;
	/** How long to wait for CONNACK, in ms (default 10 s). */
	readonly connectTimeout?: number;
	/** State saved by `exportState` (for instance across deep sleep). */
	readonly state?: SessionState;
	readonly random?: () => number;
}

/** Everything a persistent session must remember between connections and reboots. */
export interface SessionState {
	readonly nextPacketId: number;
	/** Encoded PUBLISH packets not yet fully acknowledged, in send order. */
	readonly inflight: readonly { readonly packet: Uint8Array; readonly released: boolean }[];
	/** Encoded PUBLISH packets not yet sent (no packet id yet). */
	readonly queued: readonly Uint8Array[];
	/** Incoming QoS 2 packet ids whose PUBREL has not arrived. */
	readonly awaitingRelease: readonly number[];
	/** Subscriptions the broker acknowledged. */
	readonly subscriptions: readonly Subscription[];
}

export type SessionEvent =
	| { readonly type: "connected"; readonly sessionPresent: boolean }
	| { readonly type: "message"; readonly packet: PublishPacket }
	/** Close the transport now (after sending what is queued); `error` unless it was a DISCONNECT. */
	| { readonly type: "close"; readonly error?: ProtocolError };

export type Done = (error?: ProtocolError) => void;
export type SubscribeDone = (error: ProtocolError | undefined, returnCodes: readonly number[]) => void;

interface Outgoing {
	/** The encoded PUBLISH; its packet id bytes are patched when it enters the window. */
	readonly packet: Uint8Array;
	readonly qos: QoS;
	packetId: number;
	/** QoS 2: PUBREC received and PUBREL sent; waiting for PUBCOMP. */
	released: boolean;
	sent: boolean;
	done?: Done;
}

type Request =
	| { readonly kind: "subscribe"; readonly subscriptions: readonly Subscription[]; readonly done?: SubscribeDone }
	| { readonly kind: "unsubscribe"; readonly topics: readonly string[]; readonly done?: Done };

export type SessionStatus = "offline" | "connecting" | "online";

const DUP = 0x08;
/** PINGREQ leaves this share of the keep-alive early, at most MAX_PING_MARGIN_MS. */
const PING_MARGIN = 0.1;
const MAX_PING_MARGIN_MS = 5000;

export class MqttSession {
	readonly clientId: string;
	readonly #options: SessionOptions;
	readonly #keepAliveMs: number;
	/** Idle time after which PINGREQ goes out: inside the keep-alive, so that timer latency
	 * never stretches the gap between packets past it (3.1.2-23). */
	readonly #pingAfterMs: number;
	readonly #maxPacketSize: number;
	readonly #window: number;
	readonly #maxQueued: number;
	readonly #connectTimeout: number;
	readonly #reader: PacketReader;

	#status: SessionStatus = "offline";
	#openedAt = 0;
	#lastSent = 0;
	#lastReceived = 0;
	#pingOutstanding = false;
	#nextPacketId = 1;

	/** QoS 1/2 messages in flight, by packet id, in (re)send order. */
	readonly #inflight = new Map<number, Outgoing>();
	/** Messages not yet sent. */
	readonly #queue = new Fifo<Outgoing>();
	readonly #awaitingRelease = new Set<number>();
	/** Subscriptions the application wants; `true` once the broker acknowledged them. */
	readonly #subscriptions = new Map<string, { qos: QoS; active: boolean }>();
	/** SUBSCRIBE and UNSUBSCRIBE awaiting their acknowledgement, by packet id. */
	readonly #requests = new Map<number, Request>();

	readonly #transmit = new Fifo<Uint8Array>();
	#transmitBytes = 0;
	readonly #events = new Fifo<SessionEvent>();

	constructor(options: SessionOptions) {
		this.#options = options;
		this.#keepAliveMs = options.keepAlive * 1000;
		this.#pingAfterMs = this.#keepAliveMs - Math.min(this.#keepAliveMs * PING_MARGIN, MAX_PING_MARGIN_MS);
		this.#maxPacketSize = options.maxPacketSize ?? 8192;
		this.#window = options.inflightWindow ?? 16;
		this.#maxQueued = options.maxQueued ?? 100;
		this.#connectTimeout = options.connectTimeout ?? 10_000;
		this.#reader = new PacketReader(this.#maxPacketSize);
		if (options.clientId === "") {
			if (!options.cleanSession) throw new ProtocolError("PROTOCOL_VIOLATION", "an empty ClientId needs CleanSession 1 (MQTT 3.1.3.1): a persistent session is kept under its ClientId");
			this.clientId = generateClientId(options.random ?? Math.random);
		} else this.clientId = options.clientId;
		if (options.state) this.#restore(options.state);
	}

	get status(): SessionStatus {
		return this.#status;
	}

	/** QoS 1/2 messages sent or waiting to be sent and not yet acknowledged. */
	get unacknowledged(): number {
		let count = this.#inflight.size;
		for (const message of this.#queue) if (message.qos > 0) count++;
		return count;
	}

	/** Nothing in flight, nothing queued, no request awaiting its acknowledgement. */
	get idle(): boolean {
		return this.#inflight.size === 0 && this.#queue.length === 0 && this.#requests.size === 0;
	}

	// --- what happened on the transport -------------------------------------------------

	/** The transport is connected: send CONNECT and, without waiting for CONNACK (3.1.4), everything pending. */
	open(now: number): void {
		this.#status = "connecting";
		this.#openedAt = this.#lastSent = this.#lastReceived = now;
		this.#pingOutstanding = false;
		this.#reader.reset();
		const options = this.#options;
		this.#send(
			encode({
				type: CONNECT,
				clientId: this.clientId,
				cleanSession: options.cleanSession,
				keepAlive: options.keepAlive,
				will: options.will,
				username: options.username,
				password: options.password,
			}),
			now,
		);
		if (options.cleanSession) {
			// A clean session discards the old one (3.1.2-6). A QoS 2 message whose PUBREC
			// came back is the broker's now: it must never be published again (4.3.3-1), so it
			// is done. One not yet acknowledged starts over as a first delivery in the new
			// session (DUP 0): at least once rather than lost. Incoming QoS 2 state goes too.
			for (const [packetId, message] of this.#inflight) {
				if (message.released) {
					this.#inflight.delete(packetId);
					takeDone(message)?.();
				} else {
					message.packet[0] &= ~DUP;
					message.sent = false;
				}
			}
			this.#awaitingRelease.clear();
			for (const [id, request] of this.#requests) {
				if (request.kind === "unsubscribe") {
					this.#requests.delete(id);
					request.done?.();
				}
			}
		}
		for (const message of this.#inflight.values()) this.#transmitOutgoing(message, now);
		for (const [packetId, request] of this.#requests) this.#sendRequest(packetId, request, now);
		this.#drainQueue(now);
	}

	/** Bytes arrived from the transport. */
	received(bytes: Uint8Array, now: number): void {
		if (this.#status === "offline") return;
		this.#lastReceived = now;
		try {
			this.#reader.push(bytes, (packet) => this.#handle(packet, now));
		} catch (error) {
			if (!(error instanceof ProtocolError)) throw error;
			this.#fail(error);
		}
	}

	/** The transport closed, for whatever reason. State is kept for the next `open`. */
	closed(): void {
		this.#status = "offline";
		this.#pingOutstanding = false;
		this.#reader.reset();
		// Bytes not yet taken will never reach this connection; everything that matters
		// is rebuilt by the next `open`.
		this.#transmit.clear();
		this.#transmitBytes = 0;
	}

	/** Time passed: keep-alive and CONNACK deadlines. */
	tick(now: number): void {
		if (this.#status === "connecting" && now - this.#openedAt >= this.#connectTimeout) {
			this.#fail(new ProtocolError("CONNECT_TIMEOUT", `no CONNACK within ${this.#connectTimeout} ms`));
			return;
		}
		const keepAlive = this.#keepAliveMs;
		if (this.#status !== "online" || keepAlive === 0) return;
		if (now - this.#lastReceived >= keepAlive * 1.5) {
			this.#fail(new ProtocolError("KEEP_ALIVE_TIMEOUT", `nothing received from the broker for ${now - this.#lastReceived} ms`));
			return;
		}
		const pingAfter = this.#pingAfterMs;
		if (!this.#pingOutstanding && (now - this.#lastSent >= pingAfter || now - this.#lastReceived >= pingAfter)) {
			this.#pingOutstanding = true;
			this.#send(encode({ type: PINGREQ }), now);
		}
	}

	/** When `tick` must next be called, or undefined when no deadline is pending. */
	nextTimeout(): number | undefined {
		if (this.#status === "connecting") return this.#openedAt + this.#connectTimeout;
		const keepAlive = this.#keepAliveMs;
		if (this.#status !== "online" || keepAlive === 0) return undefined;
		const dead = this.#lastReceived + keepAlive * 1.5;
		if (this.#pingOutstanding) return dead;
		const pingAfter = this.#pingAfterMs;
		return Math.min(dead, this.#lastSent + pingAfter, this.#lastReceived + pingAfter);
	}

	// --- what the application wants -----------------------------------------------------

	/**
	 * Queues a message. Throws ProtocolError for an invalid topic, a packet over the
	 * maximum size or a full queue; nothing is queued then. `done` runs when a QoS 0
	 * message is handed to the transport or a QoS 1/2 message is acknowledged.
	 */
	publish(topic: string, payload: Uint8Array, qos: QoS, retain: boolean, now: number, done?: Done): void {
		validateTopicName(topic);
		if (qos !== 0 && qos !== 1 && qos !== 2) throw new ProtocolError("PROTOCOL_VIOLATION", `QoS ${qos} does not exist`);
		const packet: PublishPacket = { type: PUBLISH, topic, payload, qos, retain, dup: false, packetId: qos > 0 ? 0xffff : undefined };
		const size = encodedLength(packet);
		if (size > this.#maxPacketSize)
			throw new ProtocolError("PACKET_TOO_LARGE", `PUBLISH of ${size} bytes is over the ${this.#maxPacketSize}-byte maximum`);
		if (this.#queue.length >= this.#maxQueued) throw new ProtocolError("QUEUE_FULL", `${this.#maxQueued} messages already wait to be sent`);
		this.#queue.push({ packet: encode(packet), qos, packetId: 0, released: false, sent: false, done });
		if (this.#status !== "offline") this.#drainQueue(now);
	}

	/** Subscribes (and remembers the filters, to resubscribe when the broker lost the session). */
	subscribe(subscriptions: readonly Subscription[], now: number, done?: SubscribeDone): void {
		for (const s of subscriptions) validateTopicFilter(s.topic);
		const wanted = subscriptions.filter((s) => {
			const known = this.#subscriptions.get(s.topic);
			return !(known?.active && known.qos === s.qos);
		});
		if (wanted.length === 0) {
			// Already active in this (persistent) session: nothing to send, e.g. after a deep-sleep wake.
			done?.(undefined, subscriptions.map((s) => s.qos));
			return;
		}
		for (const s of wanted) this.#subscriptions.set(s.topic, { qos: s.qos, active: false });
		this.#request({ kind: "subscribe", subscriptions: wanted, done }, now);
	}

	unsubscribe(topics: readonly string[], now: number, done?: Done): void {
		for (const topic of topics) {
			validateTopicFilter(topic);
			this.#subscriptions.delete(topic);
		}
		this.#request({ kind: "unsubscribe", topics, done }, now);
	}

	/** Sends DISCONNECT (the broker then drops the will) and asks for the transport to close. */
	disconnect(now: number): void {
		if (this.#status === "offline") return;
		this.#send(encode({ type: DISCONNECT }), now);
		this.#status = "offline";
		this.#emit({ type: "close" });
	}

	/** Completes every waiting callback with `error` (the client is stopping); messages stay for `exportState`. */
	failPending(error: ProtocolError): void {
		for (const message of this.#inflight.values()) takeDone(message)?.(error);
		for (const message of this.#queue) takeDone(message)?.(error);
		for (const [id, request] of this.#requests) {
			if (request.kind === "subscribe") request.done?.(error, []);
			else request.done?.(error);
			this.#requests.delete(id);
		}
	}

	exportState(): SessionState {
		const subscriptions: Subscription[] = [];
		for (const [topic, s] of this.#subscriptions) if (s.active) subscriptions.push({ topic, qos: s.qos });
		return {
			nextPacketId: this.#nextPacketId,
			inflight: [...this.#inflight.values()].map((m) => ({ packet: m.packet, released: m.released })),
			queued: [...this.#queue].filter((m) => m.qos > 0).map((m) => m.packet),
			awaitingRelease: [...this.#awaitingRelease],
			subscriptions,
		};
	}

	// --- outputs ---------------------------------------------------------------------------

	/** Bytes waiting in pollTransmit. */
	get transmitBytes(): number {
		return this.#transmitBytes;
	}

	pollTransmit(): Uint8Array | undefined {
		const bytes = this.#transmit.shift();
		if (bytes) this.#transmitBytes -= bytes.length;
		return bytes;
	}

	pollEvent(): SessionEvent | undefined {
		return this.#events.shift();
	}

	// --- internals --------------------------------------------------------------------------

	#handle(packet: Packet, now: number): void {
		if (this.#status === "connecting" && packet.type !== CONNACK)
			throw violation(`packet type ${packet.type} before CONNACK (3.2.0-1)`);
		switch (packet.type) {
			case CONNACK:
				return this.#onConnack(packet.sessionPresent, packet.returnCode, now);
			case PUBLISH:
				return this.#onPublish(packet, now);
			case PUBACK: {
				const message = this.#inflight.get(packet.packetId);
				if (message?.qos === 1) this.#complete(packet.packetId, message, now);
				return;
			}
			case PUBREC: {
				const message = this.#inflight.get(packet.packetId);
				if (message?.qos === 2 && !message.released) {
					message.released = true;
					// Move it to the back: PUBRELs are resent in PUBREC order (4.6).
					this.#inflight.delete(packet.packetId);
					this.#inflight.set(packet.packetId, message);
				}
				// Answer even an unknown id, so the broker can free it.
				this.#send(encode({ type: PUBREL, packetId: packet.packetId }), now);
				return;
			}
			case PUBCOMP: {
				const message = this.#inflight.get(packet.packetId);
				if (message?.qos === 2) this.#complete(packet.packetId, message, now);
				return;
			}
			case PUBREL:
				this.#awaitingRelease.delete(packet.packetId);
				this.#send(encode({ type: PUBCOMP, packetId: packet.packetId }), now);
				return;
			case SUBACK:
				return this.#onSuback(packet.packetId, packet.returnCodes);
			case UNSUBACK: {
				const request = this.#requests.get(packet.packetId);
				if (request?.kind !== "unsubscribe") return;
				this.#requests.delete(packet.packetId);
				request.done?.();
				return;
			}
			case PINGRESP:
				this.#pingOutstanding = false;
				return;
			default:
				throw violation(`a broker does not send packet type ${packet.type}`);
		}
	}

	#onConnack(sessionPresent: boolean, returnCode: number, now: number): void {
		if (this.#status !== "connecting") throw violation("second CONNACK");
		if (returnCode !== 0) {
			const reason = CONNACK_REASONS[returnCode] ?? `return code ${returnCode}`;
			throw new ProtocolError("CONNECTION_REFUSED", `broker refused the connection: ${reason}`);
		}
		// The server MUST answer a clean-session CONNECT with session present 0 (3.2.2-1):
		// trusting a 1 would stop the resubscription and leave the lamp deaf.
		if (sessionPresent && this.#options.cleanSession) throw violation("session present 1 in answer to a clean-session CONNECT (3.2.2-1)");
		this.#status = "online";
		if (!sessionPresent) {
			// The broker holds no QoS 2 delivery to us either: every id it sends from now on is
			// a new message, and a remembered one must not suppress it (4.3.3).
			this.#awaitingRelease.clear();
			// The broker has no subscriptions for us (clean session, or it lost the session):
			// subscribe again to everything that is not already being requested.
			const lost: Subscription[] = [];
			for (const [topic, s] of this.#subscriptions) {
				if (s.active) {
					s.active = false;
					lost.push({ topic, qos: s.qos });
				}
			}
			if (lost.length > 0) this.#request({ kind: "subscribe", subscriptions: lost }, now);
		}
		this.#emit({ type: "connected", sessionPresent });
	}

	#onPublish(packet: PublishPacket, now: number): void {
		const packetId = packet.packetId ?? 0;
		if (packet.qos === 2) {
			// Method B of 4.3.3: deliver on PUBLISH, remember the id until PUBREL so a
			// resent PUBLISH is acknowledged but not delivered twice.
			if (!this.#awaitingRelease.has(packetId)) {
				this.#awaitingRelease.add(packetId);
				this.#emit({ type: "message", packet });
			}
			this.#send(encode({ type: PUBREC, packetId }), now);
			return;
		}
		this.#emit({ type: "message", packet });
		if (packet.qos === 1) this.#send(encode({ type: PUBACK, packetId }), now);
	}

	#onSuback(packetId: number, returnCodes: readonly number[]): void {
		const request = this.#requests.get(packetId);
		if (request?.kind !== "subscribe") return;
		if (returnCodes.length !== request.subscriptions.length)
			throw violation(`SUBACK has ${returnCodes.length} return codes for ${request.subscriptions.length} filters`);
		this.#requests.delete(packetId);
		let refused: string[] | undefined;
		request.subscriptions.forEach((s, i) => {
			const known = this.#subscriptions.get(s.topic);
			if (returnCodes[i] === SUBACK_FAILURE) {
				(refused ??= []).push(s.topic);
				if (known && !known.active) this.#subscriptions.delete(s.topic);
			} else if (known) known.active = true;
		});
		const error = refused && new ProtocolError("SUBSCRIPTION_REFUSED", `broker refused the subscription to ${refused.join(", ")}`);
		request.done?.(error, returnCodes);
	}

	#complete(packetId: number, message: Outgoing, now: number): void {
		this.#inflight.delete(packetId);
		takeDone(message)?.();
		this.#drainQueue(now);
	}

	/** Sends queued messages while there is a connection and a window slot. */
	#drainQueue(now: number): void {
		const queue = this.#queue;
		for (let message = queue.peek(); message; message = queue.peek()) {
			if (message.qos > 0) {
				if (this.#inflight.size >= this.#window) break;
				queue.shift();
				message.packetId = this.#allocatePacketId();
				const packet = message.packet;
				// The packet id sits just before the payload, after the topic (3.3.2).
				const idOffset = packetIdOffset(packet);
				packet[idOffset] = message.packetId >> 8;
				packet[idOffset + 1] = message.packetId & 0xff;
				this.#inflight.set(message.packetId, message);
				this.#transmitOutgoing(message, now);
			} else {
				queue.shift();
				this.#send(message.packet, now);
				takeDone(message)?.();
			}
		}
	}

	#transmitOutgoing(message: Outgoing, now: number): void {
		if (message.released) {
			this.#send(encode({ type: PUBREL, packetId: message.packetId }), now);
			return;
		}
		if (message.sent) message.packet[0] |= DUP;
		message.sent = true;
		this.#send(message.packet, now);
	}

	#request(request: Request, now: number): void {
		const packetId = this.#allocatePacketId();
		this.#requests.set(packetId, request);
		if (this.#status !== "offline") this.#sendRequest(packetId, request, now);
	}

	#sendRequest(packetId: number, request: Request, now: number): void {
		this.#send(
			request.kind === "subscribe"
				? encode({ type: SUBSCRIBE, packetId, subscriptions: request.subscriptions })
				: encode({ type: UNSUBSCRIBE, packetId, topics: request.topics }),
			now,
		);
	}

	/** The next packet id not in use by a message or request in flight (2.3.1). */
	#allocatePacketId(): number {
		for (let tries = 0; tries < 0xffff; tries++) {
			const id = this.#nextPacketId;
			this.#nextPacketId = id === 0xffff ? 1 : id + 1;
			if (!this.#inflight.has(id) && !this.#requests.has(id)) return id;
		}
		throw new ProtocolError("QUEUE_FULL", "all 65535 packet identifiers are in use");
	}

	#send(bytes: Uint8Array, now: number): void {
		this.#transmit.push(bytes);
		this.#transmitBytes += bytes.length;
		this.#lastSent = now;
	}

	#emit(event: SessionEvent): void {
		this.#events.push(event);
	}

	#fail(error: ProtocolError): void {
		this.#status = "offline";
		this.#emit({ type: "close", error });
	}

	#restore(state: SessionState): void {
		this.#nextPacketId = state.nextPacketId >= 1 && state.nextPacketId <= 0xffff ? state.nextPacketId : 1;
		for (const { packet, released } of state.inflight) {
			const idOffset = packetIdOffset(packet);
			const packetId = (packet[idOffset] << 8) | packet[idOffset + 1];
			const qos = ((packet[0] >> 1) & 3) as QoS;
			this.#inflight.set(packetId, { packet, qos, packetId, released, sent: true });
		}
		for (const packet of state.queued) this.#queue.push({ packet, qos: ((packet[0] >> 1) & 3) as QoS, packetId: 0, released: false, sent: false });
		for (const id of state.awaitingRelease) this.#awaitingRelease.add(id);
		for (const s of state.subscriptions) this.#subscriptions.set(s.topic, { qos: s.qos, active: true });
	}
}

/** Offset of the packet id in an encoded QoS 1/2 PUBLISH: after the fixed header and topic. */
function packetIdOffset(packet: Uint8Array): number {
	let i = 1;
	while (packet[i] & 0x80) i++;
	i++;
	return i + 2 + ((packet[i] << 8) | packet[i + 1]);
}

function takeDone(message: Outgoing): Done | undefined {
	const done = message.done;
	message.done = undefined;
	return done;
}

function violation(message: string): ProtocolError {
	return new ProtocolError("PROTOCOL_VIOLATION", message);
}

function generateClientId(random: () => number): string {
	let id = "lampnode-";
	for (let i = 0; i < 8; i++) id += Math.floor(random() * 16).toString(16);
	return id;
}
