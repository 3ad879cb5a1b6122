/**
 * The MQTT 3.1.1 client session as a sans-IO state machine: told what happened (`open`,
 * `received`, `closed`, `tick`) and what the application wants (`publish`, `subscribe`,
 * ...), it answers with bytes to send (`pollTransmit`), events (`pollEvent`) and when it
 * next needs a `tick` (`nextTimeout`). No socket, no timer: tests drive it on a virtual
 * clock. The parts are named after the specification's concepts: outgoing QoS flows
 * (inflight.ts), subscriptions, keep alive, incoming QoS 2 (awaiting-release.ts); the
 * bytes to send are packed by transmit.ts. Tables a broker can grow are capped. MQTT 5.0
 * is a subclass (v5/session.ts, in an image only if it wants it) overriding the protected
 * methods. Fields are plain, not #private: XS reads those ten times slower.
 */
import { ProtocolError } from "../common/errors";
import type { StreamSession } from "../common/session";
import { encode, varIntLength, writePublish } from "./encode";
import { PacketReader } from "./decode";
import { KEEP_ALIVE_DEAD, KEEP_ALIVE_PING, KeepAlive } from "./keep-alive";
import { AWAITING_RELEASE_CAP, AwaitingRelease } from "./awaiting-release";
import { Inflight, UNASSIGNED_ID, sendAck, type Done } from "./inflight";
import { Subscriptions, requestPacket, type Request, type SubscribeDone } from "./subscriptions";
import { TopicCache, validateTopicFilter } from "./topic";
import { Transmit } from "./transmit";
import { clientIdOf, type SessionOptions } from "./connect-options";
import type { SessionState } from "./state";
import type { SessionEvent, SessionStatus } from "./session-event";
// The packet types as one namespace, not a dozen named imports: each of those costs XS about 20 bytes.
import { PacketType } from "./packet";
import { checkQoS, violation, type MessageProperties, type Packet, type PublishPacket, type QoS, type Subscription } from "./packet";

export type { Done } from "./inflight";
export type { SubscribeDone } from "./subscriptions";
export type { SessionOptions } from "./connect-options";
export type { SessionState } from "./state";
export type { SessionEvent, SessionStatus } from "./session-event";

/** CONNACK return codes 1-5, 3.2.2.3 table 3.1 (one string: an array of them costs XS more). */
const CONNACK_REASONS = "|unacceptable protocol version|identifier rejected|server unavailable|bad user name or password|not authorized";

/** What a session that never published exports. */
const NO_FLOWS = { inflight: [], queued: [] } as const;

export class MqttSession implements StreamSession {
	// Fields are `declare`d and set in the constructor: a class field costs XS bytecode of its own.
	declare readonly clientId: string;
	declare status: SessionStatus; // read only, outside the session
	protected declare readonly options: SessionOptions;
	protected declare reader: PacketReader<Packet>;
	protected declare keepAlive: KeepAlive;
	protected declare readonly subscriptions: Subscriptions;
	protected declare readonly out: Transmit;
	/** Made on first use, absent before (a property not yet set costs no slot): a session that only receives never needs them. */
	protected declare flows: Inflight | undefined;
	protected declare topics: TopicCache | undefined;
	protected declare releases: AwaitingRelease | undefined;
	protected declare readonly events: SessionEvent[];
	protected declare eventHead: number;
	protected declare readonly maxPacketSize: number;
	protected declare openedAt: number;
	protected declare nextPacketId: number;
	/** Clean Session / Clean Start of the next CONNECT (a stale session is discarded by the app's clean start: app/adapters/mqtt-retained.ts). */
	protected declare clean: boolean;

	/** `serverAssigns`: an empty ClientId is left for the server to assign (MQTT 5). */
	constructor(options: SessionOptions, serverAssigns = false) {
		this.status = "offline";
		this.subscriptions = new Subscriptions();
		this.out = new Transmit();
		this.events = [];
		this.eventHead = this.openedAt = 0;
		this.nextPacketId = 1;
		this.options = options;
		this.clean = options.cleanSession;
		this.keepAlive = new KeepAlive(options.keepAlive);
		this.maxPacketSize = options.maxPacketSize ?? 8192;
		this.reader = new PacketReader(this.maxPacketSize);
		this.clientId = clientIdOf(options, serverAssigns);
		const state = options.state;
		if (!state) return;
		this.nextPacketId = state.nextPacketId >= 1 && state.nextPacketId <= 0xffff ? state.nextPacketId : 1;
		if (state.inflight.length > 0 || state.queued.length > 0) this.newFlows().restore(state.inflight, state.queued);
		if (state.awaitingRelease.length > 0) this.releases = new AwaitingRelease(options.maxAwaitingRelease ?? AWAITING_RELEASE_CAP, state.awaitingRelease);
		this.subscriptions.restore(state.subscriptions);
	}

	/** QoS 1/2 messages sent or waiting to be sent, not yet acknowledged. */
	get unacknowledged(): number {
		return this.flows?.unacknowledged ?? 0;
	}

	/** Nothing in flight, nothing queued, no request awaiting its acknowledgement. */
	get idle(): boolean {
		return (this.flows?.empty ?? true) && this.subscriptions.requests.size === 0;
	}

	/** Entries in the tables a broker can grow, for tests and the fuzzer: incoming QoS 2 ids. */
	get awaitingRelease(): number {
		return this.releases?.ids.size ?? 0;
	}

	/** The transport is connected: send CONNECT and, without waiting for CONNACK (3.1.4), everything pending. */
	open(now: number): void {
		this.status = "connecting";
		this.openedAt = now;
		this.keepAlive.reset(now);
		this.reader.reset();
		const out = this.out;
		const clean = this.clean;
		out.push(this.connectPacket());
		// A clean session discards the broker's QoS 2 state for us too (3.1.2-6).
		if (clean) this.releases = undefined;
		this.flows?.resend(out, clean);
		this.subscriptions.resend(out, clean, this);
		this.opened();
	}

	/** Bytes arrived from the transport. */
	received(bytes: Uint8Array, now: number): void {
		if (this.status === "offline") return;
		const reader = this.reader;
		try {
			reader.feed(bytes);
			for (let packet = reader.next(); packet; packet = reader.next()) {
				// Only whole answers count as heard (keep-alive.ts): a broker that stopped reading may still send PUBLISHes.
				if (packet.type !== PacketType.PUBLISH) this.keepAlive.lastHeard = now;
				this.handle(packet, now);
				if ((this.status as SessionStatus) === "offline") return;
			}
		} catch (error) {
			if (!(error instanceof ProtocolError)) throw error;
			if ((this.status as SessionStatus) !== "offline") this.refuse(error);
			this.fail(error);
		}
	}

	/** The transport closed, for whatever reason. State is kept; unsent bytes are dropped (`open` rebuilds what matters). */
	closed(): void {
		this.status = "offline";
		this.reader.reset();
		this.out.clear();
	}

	/** Time passed: keep-alive and CONNACK deadlines. */
	tick(now: number): void {
		if (this.status === "connecting") {
			if (now >= (this.nextTimeout() as number)) this.fail(new ProtocolError("CONNECT_TIMEOUT", "no CONNACK in time"));
			return;
		}
		if (this.status !== "online") return;
		const keepAlive = this.keepAlive;
		const due = keepAlive.due(now);
		if (due === KEEP_ALIVE_DEAD) this.fail(new ProtocolError("KEEP_ALIVE_TIMEOUT", "the broker went silent"));
		else if (due === KEEP_ALIVE_PING) {
			this.out.empty(0xc0);
			keepAlive.pinged(now);
		}
	}

	/** When `tick` must next be called, or undefined when no deadline is pending. */
	nextTimeout(): number | undefined {
		if (this.status === "connecting") return this.openedAt + (this.options.connectTimeout ?? 10_000);
		return this.status === "online" ? this.keepAlive.next() : undefined;
	}

	/** True when a QoS 0 message published now goes to the transport at once (a connection, nothing queued before it). */
	get sendsAtOnce(): boolean {
		return this.status !== "offline" && (!this.flows || this.flows.queue.length === 0);
	}

	/**
	 * Sends or queues a message; throws ProtocolError (nothing queued) for an invalid topic, a packet too large or a full queue.
	 * `done`: the QoS 0 message is handed to the transport, or the QoS 1/2 one acknowledged. `properties`: MQTT 5 only
	 * (v5/session.ts), not a parameter of this implementation: XS gives every declared parameter a slot in every call.
	 */
	publish(topic: string, payload: Uint8Array, qos: QoS, retain: boolean, now: number, done?: Done, properties?: MessageProperties): void;
	publish(topic: string, payload: Uint8Array, qos: QoS, retain: boolean, now: number, done?: Done): void {
		const field = (this.topics ??= new TopicCache()).field(topic);
		let remaining = field.length + payload.length + (qos ? 2 : 0);
		const size = remaining + (remaining < 128 ? 2 : 1 + varIntLength(remaining));
		if (size > this.maxPacketSize) throw new ProtocolError("PACKET_TOO_LARGE", `PUBLISH of ${size} bytes`);
		if (qos === 0 && this.status !== "offline" && !this.flows?.queue.length) {
			// The hot path: straight into the transmit chunk, nothing allocated (writePublish inlined: its call costs as much).
			const out = this.out;
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
			this.keepAlive.lastSent = now;
			if (done) done();
			return;
		}
		checkQoS(qos);
		const packet = new Uint8Array(size);
		writePublish(packet, 0, 0x30 | (qos << 1) | (retain ? 1 : 0), remaining, field, qos ? UNASSIGNED_ID : 0, payload);
		this.enqueue(packet, qos, now, done);
	}

	/** Subscribes (and remembers the filters, to resubscribe when the broker lost the session). */
	subscribe(subscriptions: readonly Subscription[], now: number, done?: SubscribeDone): void {
		this.checkSubscriptions(subscriptions);
		const wanted = this.subscriptions.wanted(subscriptions);
		// Already active in this (persistent) session: nothing to send, e.g. after a deep-sleep wake.
		if (wanted.length === 0) done?.(undefined, subscriptions.map((s) => s.qos));
		else this.request({ subscriptions: wanted, done }, now);
	}

	unsubscribe(topics: readonly string[], now: number, done?: Done): void {
		topics.forEach(validateTopicFilter);
		for (let i = 0; i < topics.length; i++) this.subscriptions.filters.delete(topics[i]);
		this.request({ topics, done }, now);
	}

	/** DISCONNECT, then the transport closes. Reason 0 drops the will; MQTT 5: 0x04 keeps it for its delay, `sessionExpiry` sets the session's lifetime. */
	disconnect(now: number, reasonCode = 0, sessionExpiry?: number): void {
		if (this.status === "offline") return;
		this.sendDisconnect(now, reasonCode, sessionExpiry);
		this.status = "offline";
		this.events.push({ type: "close" });
	}

	/** Completes every waiting callback with `error` (the client is stopping); messages stay for `exportState`. */
	failPending(error: ProtocolError): void {
		this.flows?.failPending(error);
		this.subscriptions.failPending(error);
	}

	exportState(): SessionState {
		const { inflight, queued } = this.flows ?? NO_FLOWS;
		return { nextPacketId: this.nextPacketId, inflight, queued, awaitingRelease: this.releases ? Array.from(this.releases.ids) : [], subscriptions: this.subscriptions.active() };
	}

	/** Bytes waiting in pollTransmit. */
	get transmitBytes(): number {
		return this.out.bytes;
	}

	/** The next bytes to write; a burst of small packets comes as one run. */
	pollTransmit(): Uint8Array | undefined {
		return this.out.poll();
	}

	pollEvent(): SessionEvent | undefined {
		const events = this.events;
		if (this.eventHead < events.length) return events[this.eventHead++];
		events.length = this.eventHead = 0;
		return undefined;
	}

	// --- what MQTT 5 (v5/session.ts) overrides ---------------------------------------------

	protected connectPacket(): Uint8Array {
		const options = this.options;
		return encode({ type: PacketType.CONNECT, clientId: this.clientId, cleanSession: this.clean, keepAlive: options.keepAlive, will: options.will, username: options.username, password: options.password });
	}

	/** After CONNECT and what is resent, new messages go at once too (3.1.4). */
	protected opened(): void {
		this.drain();
	}

	/** A packet from the broker, in order. */
	protected handle(packet: Packet, now: number): void {
		if (this.status === "connecting" && packet.type !== PacketType.CONNACK) throw violation(`type ${packet.type} before CONNACK`);
		switch (packet.type) {
			case PacketType.PUBLISH:
				return this.onPublish(packet, now);
			case PacketType.CONNACK:
				return this.onConnack(packet.sessionPresent, packet.returnCode, now);
			case PacketType.PUBACK:
			case PacketType.PUBREC:
			case PacketType.PUBCOMP: {
				const id = packet.packetId;
				if (this.flows?.acknowledged(packet.type, id)) this.drain(now);
				// Answer a PUBREC even for an unknown id, so the broker can free it.
				if (packet.type === PacketType.PUBREC) this.ack(PacketType.PUBREL, id, now);
				return;
			}
			case PacketType.PUBREL:
				this.releases?.ids.delete(packet.packetId);
				return this.ack(PacketType.PUBCOMP, packet.packetId, now);
			case PacketType.SUBACK:
				return this.subscriptions.suback(packet.packetId, packet.returnCodes);
			case PacketType.UNSUBACK:
				return this.subscriptions.unsuback(packet.packetId);
			case PacketType.PINGRESP:
				return this.keepAlive.answered();
		}
		throw violation(`type ${packet.type} from a broker`);
	}

	/** A received packet broke the protocol; the link closes. 3.1.1 has nothing to say first. */
	protected refuse(_error: ProtocolError): void {}

	/** 3.1.1's DISCONNECT has no reason code, no session expiry. */
	protected sendDisconnect(now: number, _reasonCode: number, _sessionExpiry?: number): void {
		this.out.empty(PacketType.DISCONNECT << 4);
		this.keepAlive.lastSent = now;
	}

	protected checkSubscriptions(subscriptions: readonly Subscription[]): void {
		for (let i = 0; i < subscriptions.length; i++) validateTopicFilter(subscriptions[i].topic);
	}

	requestPacket(packetId: number, request: Request): Uint8Array {
		return requestPacket(packetId, request);
	}

	/** QoS 1/2 messages in flight at most. */
	protected window(): number {
		return this.options.inflightWindow ?? 16;
	}

	protected newFlows(): Inflight {
		return (this.flows ??= new Inflight(this.window(), this.options.maxQueued ?? 100));
	}

	/** An encoded PUBLISH to send when the connection and the window allow. */
	protected enqueue(packet: Uint8Array, qos: QoS, now: number, done?: Done): void {
		this.newFlows().add(packet, qos, done);
		if (this.status !== "offline") this.drain(now);
	}

	protected onConnack(sessionPresent: boolean, returnCode: number, now: number): void {
		if (this.status !== "connecting") throw violation("second CONNACK");
		if (returnCode !== 0) throw new ProtocolError("CONNECTION_REFUSED", "broker refused the connection: " + (CONNACK_REASONS.split("|")[returnCode] || "return code " + returnCode));
		// A clean session must get session present 0 (3.2.2-1): trusting a 1 would leave the lamp deaf, unsubscribed.
		if (sessionPresent && this.clean) throw violation("session present for a clean session");
		this.status = "online";
		if (!sessionPresent) {
			// Nor any QoS 2 delivery to us: a remembered id must not suppress a new message (4.3.3).
			this.releases = undefined;
			// Nor our subscriptions: request again every one that is not already being requested.
			const lost = this.subscriptions.active(true);
			if (lost.length > 0) this.request({ subscriptions: lost }, now);
		}
		this.events.push({ type: "connected", sessionPresent });
	}

	protected onPublish(packet: PublishPacket, now: number): void {
		const packetId = packet.packetId ?? 0;
		if (packet.qos === 2) {
			const fresh = (this.releases ??= new AwaitingRelease(this.options.maxAwaitingRelease ?? AWAITING_RELEASE_CAP)).arrived(packetId);
			if (fresh instanceof ProtocolError) {
				// Full: 3.1.1 has no refusal, so DISCONNECT and close; MQTT 5: past the Receive Maximum we announced (0x93).
				this.sendDisconnect(now, 0x93);
				throw fresh;
			}
			if (fresh) this.events.push({ type: "message", packet });
			return this.ack(PacketType.PUBREC, packetId, now);
		}
		this.events.push({ type: "message", packet });
		if (packet.qos === 1) this.ack(PacketType.PUBACK, packetId, now);
	}

	protected request(request: Request, now: number): void {
		this.subscriptions.request(this.allocatePacketId(), request, this.status !== "offline" ? this.out : undefined, this);
		this.keepAlive.lastSent = now;
	}

	/** Sends queued messages while there is a connection and a window slot. */
	protected drain(now = this.keepAlive.lastSent): void {
		const flows = this.flows;
		if (!flows) return;
		const before = this.out.bytes;
		flows.drain(this.out, this);
		if (this.out.bytes !== before) this.keepAlive.lastSent = now;
	}

	/** The next packet id not in use by a message or request in flight (2.3.1). */
	allocatePacketId(): number {
		const inflight = this.flows?.messages;
		const requests = this.subscriptions.requests;
		for (let tries = 0; tries < 0xffff; tries++) {
			const id = this.nextPacketId;
			this.nextPacketId = id === 0xffff ? 1 : id + 1;
			if (!inflight?.has(id) && !requests.has(id)) return id;
		}
		throw new ProtocolError("QUEUE_FULL", "no free packet id");
	}

	protected ack(type: number, packetId: number, now: number): void {
		sendAck(this.out, type, packetId);
		this.keepAlive.lastSent = now;
	}

	protected fail(error: ProtocolError): void {
		this.status = "offline";
		this.events.push({ type: "close", error });
	}
}

