/**
 * The MQTT 3.1.1 client session as a sans-IO state machine: it is told what happened
 * (`open`, `received`, `closed`, `tick`) and what the application wants (`publish`,
 * `subscribe`, ...), and it answers with bytes to send (`pollTransmit`), events
 * (`pollEvent`) and the time it next needs a `tick` (`nextTimeout`). It owns no socket
 * and no timer, so tests drive it on a virtual clock and every board reuses it.
 *
 * The parts live in files named after the specification's concepts: outgoing QoS flows
 * (inflight.ts), subscriptions (subscriptions.ts), keep alive (keep-alive.ts); the bytes
 * to send are packed by transmit.ts. Tables a broker can grow are capped here.
 */
import { ProtocolError } from "../common/errors";
import type { StreamSession } from "../common/session";
import { encode, varIntLength, writePublish } from "./encode";
import { PacketReader } from "./decode";
import { KEEP_ALIVE_DEAD, KEEP_ALIVE_PING, KeepAlive } from "./keep-alive";
import { AWAITING_RELEASE_CAP, AwaitingRelease } from "./awaiting-release";
import { Inflight, sendAck, type Done } from "./inflight";
import { ACTIVE, Subscriptions, type SubscribeDone } from "./subscriptions";
import { TopicCache, validateTopicFilter } from "./topic";
import { Transmit } from "./transmit";
import type { SessionOptions } from "./connect-options";
import type { SessionState } from "./state";
import { CONNECT, CONNACK, CONNACK_REASONS, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK, PINGRESP, DISCONNECT, type ConnackPacket, type Packet, type PublishPacket, type QoS, type SubackPacket, type Subscription } from "./packet";
import { decode5 } from "./v5/decode";
import { AUTH, type Ack5, type Connack5, type Disconnect5, type Packet5, type Suback5 } from "./v5/packet";
import { Version5, reasonError } from "./v5/session5";

export type { Done } from "./inflight";
export type { SubscribeDone } from "./subscriptions";
export type { SessionOptions } from "./connect-options";
export type { SessionState } from "./state";

export type SessionEvent =
	| { readonly type: "connected"; readonly sessionPresent: boolean }
	| { readonly type: "message"; readonly packet: PublishPacket }
	/** MQTT 5: the server sent DISCONNECT (3.14); a "close" with a DISCONNECTED error follows. */
	| { readonly type: "disconnected"; readonly reasonCode: number; readonly reasonString?: string; readonly serverReference?: string }
	/** Close the transport now (after sending what is queued); `error` unless it was a DISCONNECT. */
	| { readonly type: "close"; readonly error?: ProtocolError };

export type SessionStatus = "offline" | "connecting" | "online";

/** The packet id a queued QoS 1/2 PUBLISH carries until it enters the window. */
const UNASSIGNED_ID = 0xffff;

export class MqttSession implements StreamSession {
	readonly clientId: string;
	readonly #options: SessionOptions;
	readonly #reader: PacketReader<Packet | Packet5>;
	/** Replaced when an MQTT 5 server sets its own keep-alive (Server Keep Alive). */
	#keepAlive: KeepAlive;
	/** Present exactly when the session runs MQTT 5.0. */
	readonly #v5: Version5 | undefined;
	readonly #subscriptions = new Subscriptions();
	readonly #out = new Transmit();
	/** Made on first use: a session that only receives never needs them. */
	#flows: Inflight | undefined;
	#topics: TopicCache | undefined;
	#awaitingRelease: AwaitingRelease | undefined;
	#events: SessionEvent[] = [];
	#eventHead = 0;
	readonly #maxPacketSize: number;
	#status: SessionStatus = "offline";
	#openedAt = 0;
	#nextPacketId = 1;
	/** CleanSession of the next CONNECT (connect-options.ts discardStaleSession). */
	#clean: boolean;

	constructor(options: SessionOptions) {
		this.#options = options;
		this.#clean = options.cleanSession || options.discardStaleSession === true;
		this.#keepAlive = new KeepAlive(options.keepAlive);
		this.#maxPacketSize = options.maxPacketSize ?? 8192;
		if (options.protocolVersion === 5) {
			const v5 = (this.#v5 = new Version5(options));
			// Incoming topic aliases are resolved as packets are read, so handling a PUBLISH is the same for both versions.
			this.#reader = new PacketReader<Packet | Packet5>(this.#maxPacketSize, (bytes, memo) => {
				const packet = decode5(bytes, memo);
				return packet.type === PUBLISH ? v5.received(packet) : packet;
			});
			// Its own publish, so a 3.1.1 session's hot path never even tests the version. Defined,
			// not assigned: on the device the prototype is frozen, and assigning over its method throws.
			Object.defineProperty(this, "publish", { value: (topic: string, payload: Uint8Array, qos: QoS, retain: boolean, now: number, done?: Done) => MqttSession.#publish5(this, v5, topic, payload, qos, retain, now, done) });
		} else this.#reader = new PacketReader(this.#maxPacketSize);
		// MQTT 5 lets the server assign an identifier to an empty one, persistent session or not (3.1.3.1).
		if (options.clientId === "" && this.#v5) this.clientId = "";
		else if (options.clientId === "") {
			if (!options.cleanSession) throw new ProtocolError("PROTOCOL_VIOLATION", "an empty ClientId needs CleanSession 1 (3.1.3.1)");
			this.clientId = generateClientId(options.random ?? Math.random);
		} else this.clientId = options.clientId;
		if (options.state) this.#restore(options.state);
	}

	get status(): SessionStatus {
		return this.#status;
	}

	/** QoS 1/2 messages sent or waiting to be sent and not yet acknowledged. */
	get unacknowledged(): number {
		const flows = this.#flows;
		if (!flows) return 0;
		let count = flows.messages.size;
		for (const message of flows.queue) if (message.qos > 0) count++;
		return count;
	}

	/** Nothing in flight, nothing queued, no request awaiting its acknowledgement. */
	get idle(): boolean {
		const flows = this.#flows;
		return (!flows || (flows.messages.size === 0 && flows.queue.length === 0)) && this.#subscriptions.requests.size === 0;
	}

	/** Entries in the tables a broker can grow, for tests and the fuzzer: incoming QoS 2 ids. */
	get awaitingRelease(): number {
		return this.#awaitingRelease?.ids.size ?? 0;
	}

	// --- what happened on the transport -------------------------------------------------

	/** The transport is connected: send CONNECT and, without waiting for CONNACK (3.1.4), everything pending. */
	open(now: number): void {
		this.#status = "connecting";
		this.#openedAt = now;
		this.#keepAlive.reset(now);
		this.#reader.reset();
		const options = this.#options;
		const out = this.#out;
		const v5 = this.#v5;
		// 3.1.1: CleanSession 1 until a stale session is known discarded (discardStaleSession).
		const clean = v5 ? v5.cleanStart : this.#clean;
		out.push(
			v5
				? v5.connect(this.clientId, options.maxAwaitingRelease ?? AWAITING_RELEASE_CAP, this.#maxPacketSize)
				: encode({
						type: CONNECT,
						clientId: this.clientId,
						cleanSession: clean,
						keepAlive: options.keepAlive,
						will: options.will,
						username: options.username,
						password: options.password,
					}),
		);
		// A clean session discards the broker's QoS 2 state for us too (3.1.2-6).
		if (clean) this.#awaitingRelease = undefined;
		this.#flows?.resend(out, clean);
		this.#subscriptions.resend(out, clean, v5);
		// MQTT 5: new messages wait for CONNACK's Receive Maximum (what is resent was within the last one).
		if (!v5) this.#drain();
	}

	/** Bytes arrived from the transport. */
	received(bytes: Uint8Array, now: number): void {
		if (this.#status === "offline") return;
		const reader = this.#reader;
		try {
			reader.feed(bytes);
			for (let packet = reader.next(); packet; packet = reader.next()) {
				// Only whole answers count as heard (keep-alive.ts): a broker that stopped
				// reading may still send PUBLISHes, but every other packet it sends answers ours.
				if (packet.type !== PUBLISH) this.#keepAlive.lastHeard = now;
				this.#handle(packet, now);
				if ((this.#status as SessionStatus) === "offline") return;
			}
		} catch (error) {
			if (!(error instanceof ProtocolError)) throw error;
			// MQTT 5: say why before closing (4.13.1): malformed 0x81, too large 0x95, otherwise protocol error 0x82.
			const v5 = this.#v5;
			if (v5 && (this.#status as SessionStatus) !== "offline" && error.code !== "DISCONNECTED") this.#out.push(v5.disconnect(error.code === "MALFORMED_PACKET" ? 0x81 : error.code === "PACKET_TOO_LARGE" ? 0x95 : 0x82));
			this.#fail(error);
		}
	}

	/** The transport closed, for whatever reason. State is kept for the next `open`. */
	closed(): void {
		this.#status = "offline";
		this.#reader.reset();
		// Bytes not yet taken will never reach this connection; everything that matters
		// is rebuilt by the next `open`.
		this.#out.clear();
	}

	/** Time passed: keep-alive and CONNACK deadlines. */
	tick(now: number): void {
		if (this.#status === "connecting") {
			const timeout = this.#options.connectTimeout ?? 10_000;
			if (now - this.#openedAt >= timeout) this.#fail(new ProtocolError("CONNECT_TIMEOUT", `no CONNACK within ${timeout} ms`));
			return;
		}
		if (this.#status !== "online") return;
		const keepAlive = this.#keepAlive;
		const due = keepAlive.due(now);
		if (due === KEEP_ALIVE_DEAD) this.#fail(new ProtocolError("KEEP_ALIVE_TIMEOUT", "the broker went silent"));
		else if (due === KEEP_ALIVE_PING) {
			keepAlive.pinged(now);
			this.#sendEmpty(0xc0, now);
		}
	}

	/** When `tick` must next be called, or undefined when no deadline is pending. */
	nextTimeout(): number | undefined {
		if (this.#status === "connecting") return this.#openedAt + (this.#options.connectTimeout ?? 10_000);
		return this.#status === "online" ? this.#keepAlive.next() : undefined;
	}

	// --- what the application wants -----------------------------------------------------

	/** True when a QoS 0 message published now goes to the transport at once (a connection, nothing queued before it). */
	get sendsAtOnce(): boolean {
		return this.#status !== "offline" && (!this.#flows || this.#flows.queue.length === 0);
	}

	/**
	 * Sends or queues a message. Throws ProtocolError for an invalid topic, a packet over the maximum size or a full
	 * queue; nothing is queued then. `done` runs when a QoS 0 message is handed to the
	 * transport or a QoS 1/2 message is acknowledged.
	 */
	publish(topic: string, payload: Uint8Array, qos: QoS, retain: boolean, now: number, done?: Done): void {
		const field = (this.#topics ??= new TopicCache()).field(topic);
		let remaining = field.length + payload.length + (qos ? 2 : 0);
		const size = remaining + (remaining < 128 ? 2 : 1 + varIntLength(remaining));
		if (size > this.#maxPacketSize) throw new ProtocolError("PACKET_TOO_LARGE", `PUBLISH of ${size} bytes, over ${this.#maxPacketSize}`);
		if (qos === 0 && this.#status !== "offline" && !this.#flows?.queue.length) {
			// The hot path: straight into the transmit chunk, nothing allocated per message
			// (writePublish's steps, inlined: a call with seven arguments costs XS as much).
			const out = this.#out;
			let chunk = out.chunk;
			let at = out.offset;
			if (!chunk || at + size > chunk.length) {
				chunk = out.reserve(size);
				at = out.offset;
			}
			out.offset = at + size;
			out.bytes += size;
			chunk[at++] = retain ? 0x31 : 0x30;
			while (remaining > 127) {
				chunk[at++] = (remaining & 127) | 128;
				remaining >>= 7;
			}
			chunk[at++] = remaining;
			chunk.set(field, at);
			chunk.set(payload, at + field.length);
			this.#keepAlive.lastSent = now;
			if (done) done();
			return;
		}
		if (qos !== 0 && qos !== 1 && qos !== 2) throw new ProtocolError("PROTOCOL_VIOLATION", `QoS ${qos} does not exist`);
		const first = 0x30 | (qos << 1) | (retain ? 1 : 0);
		const packet = new Uint8Array(size);
		writePublish(packet, 0, first, remaining, field, qos ? UNASSIGNED_ID : 0, payload);
		(this.#flows ??= new Inflight(this.#options.inflightWindow ?? 16, this.#options.maxQueued ?? 100)).add(packet, qos, done);
		if (this.#status !== "offline") this.#drain(now);
	}

	/** Subscribes (and remembers the filters, to resubscribe when the broker lost the session). */
	subscribe(subscriptions: readonly Subscription[], now: number, done?: SubscribeDone): void {
		for (const s of subscriptions) validateTopicFilter(s.topic);
		this.#v5?.checkSubscriptions(subscriptions);
		const wanted = this.#subscriptions.wanted(subscriptions);
		// Already active in this (persistent) session: nothing to send, e.g. after a deep-sleep wake.
		if (wanted.length === 0) done?.(undefined, subscriptions.map((s) => s.qos));
		else this.#request({ subscriptions: wanted, done }, now);
	}

	unsubscribe(topics: readonly string[], now: number, done?: Done): void {
		for (const topic of topics) {
			validateTopicFilter(topic);
			this.#subscriptions.filters.delete(topic);
		}
		this.#request({ topics, done }, now);
	}

	/**
	 * Sends DISCONNECT and asks for the transport to close. With reason 0 the broker drops
	 * the will; MQTT 5 only: 0x04 keeps it (published after its Will Delay Interval unless
	 * the client is back by then), and `sessionExpiry` sets the session's new lifetime.
	 */
	disconnect(now: number, reasonCode = 0, sessionExpiry?: number): void {
		if (this.#status === "offline") return;
		const v5 = this.#v5;
		if (v5) {
			this.#out.push(v5.disconnect(reasonCode, sessionExpiry));
			this.#keepAlive.lastSent = now;
		} else this.#sendEmpty(DISCONNECT << 4, now);
		this.#status = "offline";
		this.#emit({ type: "close" });
	}

	/** Completes every waiting callback with `error` (the client is stopping); messages stay for `exportState`. */
	failPending(error: ProtocolError): void {
		this.#flows?.failPending(error);
		this.#subscriptions.failPending(error);
	}

	exportState(): SessionState {
		const subscriptions: Subscription[] = [];
		for (const [topic, s] of this.#subscriptions.filters) if (s & ACTIVE) subscriptions.push({ topic, qos: (s & 3) as QoS });
		const inflight: { packet: Uint8Array; released: boolean }[] = [];
		const queued: Uint8Array[] = [];
		const flows = this.#flows;
		if (flows) {
			for (const m of flows.messages.values()) inflight.push({ packet: m.packet, released: m.released });
			for (const m of flows.queue) if (m.qos > 0) queued.push(m.packet);
		}
		return { nextPacketId: this.#nextPacketId, inflight, queued, awaitingRelease: [...(this.#awaitingRelease?.ids ?? [])], subscriptions };
	}

	// --- outputs ---------------------------------------------------------------------------

	/** Bytes waiting in pollTransmit. */
	get transmitBytes(): number {
		return this.#out.bytes;
	}

	/** The next bytes to write; a burst of small packets comes as one run. */
	pollTransmit(): Uint8Array | undefined {
		return this.#out.poll();
	}

	pollEvent(): SessionEvent | undefined {
		const events = this.#events;
		if (this.#eventHead < events.length) return events[this.#eventHead++];
		if (events.length > 0) {
			this.#events = [];
			this.#eventHead = 0;
		}
		return undefined;
	}

	// --- internals --------------------------------------------------------------------------

	#handle(packet: Packet | Packet5, now: number): void {
		if (this.#status === "connecting" && packet.type !== CONNACK) throw violation(`type ${packet.type} before CONNACK`);
		if (packet.type === PUBLISH) return this.#onPublish(packet, now);
		const v5 = this.#v5;
		switch (packet.type) {
			case CONNACK:
				if (!v5) return this.#onConnack((packet as ConnackPacket).sessionPresent, (packet as ConnackPacket).returnCode, now);
				if (this.#status !== "connecting") throw violation("second CONNACK");
				v5.connack(packet as Connack5);
				return this.#onConnack(packet.sessionPresent, 0, now);
			case PUBACK:
			case PUBREC:
			case PUBCOMP: {
				const id = packet.packetId;
				const reason = v5 ? (packet as Ack5).reasonCode : 0;
				if (reason >= 0x80) {
					// MQTT 5: the server refused this message; a refused QoS 2 flow ends here, no PUBREL (4.3.3).
					if (this.#flows?.refused(packet.type, id, reasonError("PUBLISH_REFUSED", `message ${id} refused`, reason, (packet as Ack5).properties))) this.#drain(now);
					return;
				}
				if (this.#flows?.acknowledged(packet.type, id)) this.#drain(now);
				// Answer a PUBREC even for an unknown id, so the broker can free it.
				if (packet.type === PUBREC) this.#ack(PUBREL, id, now);
				return;
			}
			case PUBREL:
				this.#awaitingRelease?.ids.delete(packet.packetId);
				return this.#ack(PUBCOMP, packet.packetId, now);
			case SUBACK:
				return this.#subscriptions.suback(packet.packetId, v5 ? (packet as Suback5).reasonCodes : (packet as SubackPacket).returnCodes);
			case UNSUBACK:
				return this.#subscriptions.unsuback(packet.packetId);
			case PINGRESP:
				return this.#keepAlive.answered();
			case DISCONNECT:
			case AUTH: {
				if (!v5) break;
				const { reasonCode, properties } = packet as Disconnect5;
				if (packet.type === AUTH) {
					// No enhanced authentication here (4.12): refuse it as the specification's code says.
					this.#out.push(v5.disconnect(0x8c));
					throw reasonError("DISCONNECTED", "the server began enhanced authentication (AUTH), which this client does not do; sent DISCONNECT", 0x8c, properties);
				}
				this.#emit({ type: "disconnected", reasonCode, reasonString: properties.reasonString, serverReference: properties.serverReference });
				throw reasonError("DISCONNECTED", "the server disconnected", reasonCode, properties);
			}
		}
		throw violation(`type ${packet.type} from a broker`);
	}

	// MQTT 5 only, as static members: a private method or accessor costs XS slots in every instance.

	/** After CONNACK: the server's Receive Maximum and Server Keep Alive, then what waited for them. */
	static #applyLimits(session: MqttSession, v5: Version5, now: number): void {
		const flows = session.#flows;
		if (flows) flows.window = MqttSession.#window(session, v5);
		const seconds = v5.serverKeepAlive;
		const old = session.#keepAlive;
		if (seconds !== undefined && seconds * 1000 !== old.ms) {
			const keepAlive = (session.#keepAlive = new KeepAlive(seconds));
			keepAlive.lastSent = old.lastSent;
			keepAlive.lastHeard = old.lastHeard;
		}
		session.#drain(now);
	}

	/** QoS 1/2 messages in flight at most: ours, within the server's Receive Maximum (3.3.4). */
	static #window(session: MqttSession, v5: Version5): number {
		const ours = session.#options.inflightWindow ?? 16;
		return v5.receiveMaximum < ours ? v5.receiveMaximum : ours;
	}

	static #publish5(session: MqttSession, v5: Version5, topic: string, payload: Uint8Array, qos: QoS, retain: boolean, now: number, done?: Done): void {
		// The topic is checked as it is encoded (Version5.publish).
		if (qos !== 0 && qos !== 1 && qos !== 2) throw new ProtocolError("PROTOCOL_VIOLATION", `QoS ${qos} does not exist`);
		const atOnce = qos === 0 && session.#status === "online" && !session.#flows?.queue.length;
		const packet = v5.publish(topic, payload, qos, retain, atOnce, session.#maxPacketSize);
		if (atOnce) {
			session.#out.push(packet);
			session.#keepAlive.lastSent = now;
			if (done) done();
			return;
		}
		(session.#flows ??= new Inflight(MqttSession.#window(session, v5), session.#options.maxQueued ?? 100)).add(packet, ((packet[0] >> 1) & 3) as QoS, done);
		if (session.#status === "online") session.#drain(now);
	}


	#onConnack(sessionPresent: boolean, returnCode: number, now: number): void {
		if (this.#status !== "connecting") throw violation("second CONNACK");
		if (returnCode !== 0) throw new ProtocolError("CONNECTION_REFUSED", `broker refused the connection: ${CONNACK_REASONS[returnCode] ?? `return code ${returnCode}`}`);
		// The server MUST answer a clean-session CONNECT with session present 0 (3.2.2-1):
		// trusting a 1 would stop the resubscription and leave the lamp deaf.
		if (sessionPresent && (this.#v5 ? this.#v5.cleanStart : this.#clean)) throw violation("session present for a clean session");
		this.#status = "online";
		// The stale session is gone: from now on the session is kept (discardStaleSession).
		this.#clean = this.#options.cleanSession;
		if (!sessionPresent) {
			// The broker holds no QoS 2 delivery to us either: every id it sends from now on is
			// a new message, and a remembered one must not suppress it (4.3.3).
			this.#awaitingRelease = undefined;
			// Nor our subscriptions: request again every one that is not already being requested.
			const lost = this.#subscriptions.lost();
			if (lost.length > 0) this.#request({ subscriptions: lost }, now);
		}
		if (this.#v5) MqttSession.#applyLimits(this, this.#v5, now);
		this.#emit({ type: "connected", sessionPresent });
	}

	#onPublish(packet: PublishPacket, now: number): void {
		const packetId = packet.packetId ?? 0;
		if (packet.qos === 2) {
			let fresh: boolean;
			try {
				fresh = (this.#awaitingRelease ??= new AwaitingRelease(this.#options.maxAwaitingRelease ?? AWAITING_RELEASE_CAP)).arrived(packetId);
			} catch (error) {
				// Full: no refusal exists in 3.1.1, so DISCONNECT and close (awaiting-release.ts);
				// an MQTT 5 server went past the Receive Maximum we announced (0x93).
				if (this.#v5) this.#out.push(this.#v5.disconnect(0x93));
				else this.#sendEmpty(DISCONNECT << 4, now);
				throw error;
			}
			if (fresh) this.#emit({ type: "message", packet });
			return this.#ack(PUBREC, packetId, now);
		}
		this.#emit({ type: "message", packet });
		if (packet.qos === 1) this.#ack(PUBACK, packetId, now);
	}

	#request(request: { subscriptions?: readonly Subscription[]; topics?: readonly string[]; done?: SubscribeDone | Done }, now: number): void {
		this.#subscriptions.request(this.#allocatePacketId(), request, this.#status !== "offline" ? this.#out : undefined, this.#v5);
		this.#keepAlive.lastSent = now;
	}

	/** Sends queued messages while there is a connection and a window slot. */
	#drain(now = this.#keepAlive.lastSent): void {
		const flows = this.#flows;
		if (!flows) return;
		const before = this.#out.bytes;
		flows.drain(this.#out, () => this.#allocatePacketId());
		if (this.#out.bytes !== before) this.#keepAlive.lastSent = now;
	}

	/** The next packet id not in use by a message or request in flight (2.3.1). */
	#allocatePacketId(): number {
		const inflight = this.#flows?.messages;
		const requests = this.#subscriptions.requests;
		for (let tries = 0; tries < 0xffff; tries++) {
			const id = this.#nextPacketId;
			this.#nextPacketId = id === 0xffff ? 1 : id + 1;
			if (!inflight?.has(id) && !requests.has(id)) return id;
		}
		throw new ProtocolError("QUEUE_FULL", "no free packet id");
	}

	#ack(type: number, packetId: number, now: number): void {
		sendAck(this.#out, type, packetId);
		this.#keepAlive.lastSent = now;
	}

	/** PINGREQ (0xc0) or DISCONNECT (0xe0): a fixed header alone. */
	#sendEmpty(first: number, now: number): void {
		const out = this.#out;
		const chunk = out.reserve(2);
		chunk[out.offset] = first;
		chunk[out.offset + 1] = 0;
		out.commit(2);
		this.#keepAlive.lastSent = now;
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
		if (state.inflight.length > 0 || state.queued.length > 0) {
			const flows = (this.#flows = new Inflight(this.#options.inflightWindow ?? 16, this.#options.maxQueued ?? 100));
			for (const { packet, released } of state.inflight) flows.restore(packet, released, false);
			for (const packet of state.queued) flows.restore(packet, false, true);
		}
		if (state.awaitingRelease.length > 0) this.#awaitingRelease = new AwaitingRelease(this.#options.maxAwaitingRelease ?? AWAITING_RELEASE_CAP, state.awaitingRelease);
		for (const s of state.subscriptions) this.#subscriptions.filters.set(s.topic, s.qos | ACTIVE);
	}
}

function violation(message: string): ProtocolError {
	return new ProtocolError("PROTOCOL_VIOLATION", message);
}

function generateClientId(random: () => number): string {
	let id = "lampnode-";
	for (let i = 0; i < 8; i++) id += Math.floor(random() * 16).toString(16);
	return id;
}
