/**
 * The MQTT 3.1.1 client session as a sans-IO state machine: told what happened (`open`,
 * `received`, `closed`, `tick`) and what the application wants (`publish`, `subscribe`,
 * ...), it answers with bytes to send (`pollTransmit`), events (`pollEvent`) and when it
 * next needs a `tick` (`nextTimeout`). No socket, no timer: tests drive it on a virtual
 * clock. The connection's part (status, bytes to send, keep alive, CONNECT) is link.ts,
 * which this class extends; here is the specification's session: outgoing QoS flows
 * (inflight.ts), subscriptions, incoming QoS 2. Tables a broker can grow are capped.
 * MQTT 5.0 is a subclass (v5/session.ts, in an image only if it wants it).
 *
 * Subscriptions (3.8 - 3.11): `filters` holds each filter the application wants and its
 * QoS, plus ACTIVE once the broker acknowledged it; `requests` the SUBSCRIBE and
 * UNSUBSCRIBE requests awaiting SUBACK or UNSUBACK. The broker forgets them with the
 * session (session present 0): then every acknowledged filter is requested again.
 * Incoming QoS 2 (method B): a message is delivered on PUBLISH and its packet id kept in
 * `releases` until PUBREL, so a resent PUBLISH is acknowledged but not delivered twice;
 * 3.1.1 cannot refuse one more id, so past the cap the link closes (TABLE_FULL).
 * Both are flat arrays: a Map or Set entry costs XS more slots than an array element.
 */
import { ProtocolError } from "../common/errors";
import * as codec from "./codec"; // one namespace, not five named imports: each costs XS ~20 bytes
import { Id, Inflight, type Done } from "./inflight";
import { Ack, Default, MqttLink, State, type SessionOptions } from "./link";
import { TopicCache, validateTopicFilter } from "./topic";
import type { SessionState } from "./state";
import { PacketType, Wire, type EncodedPacket, type MessageProperties, type Packet, type QoS, type Subscription } from "./packet";

export type { Done } from "./inflight";
export type { SessionEvent, SessionOptions, SessionStatus } from "./link";
export type { SessionState } from "./state";

export type SubscribeDone = (error: ProtocolError | undefined, returnCodes: readonly number[]) => void;

/** A SUBSCRIBE or UNSUBSCRIBE awaiting its acknowledgement. */
export interface Request {
	packetId: number;
	readonly subscriptions?: readonly Subscription[]; // SUBSCRIBE
	readonly topics?: readonly string[]; // UNSUBSCRIBE
	readonly done?: SubscribeDone | Done;
}

/** In `filters`, beside a filter's QoS: the broker acknowledged it. */
const enum Filter { ACTIVE = 4 }

export class MqttSession extends MqttLink {
	/** Made on first use, absent before (a property not yet set costs no slot): a session that only receives never needs them. */
	protected declare flows: Inflight | undefined;
	protected declare topics: TopicCache | undefined;
	/** Incoming QoS 2 packet ids whose PUBREL has not arrived. */
	protected declare releases: number[] | undefined;
	/** Filter, QoS (| ACTIVE), filter, QoS...: in the order they were first wanted. */
	protected declare readonly filters: (string | number)[];
	protected declare requests: Request[];
	protected declare nextPacketId: number;

	constructor(options: SessionOptions, serverAssigns?: boolean) {
		super(options, serverAssigns);
		this.filters = [];
		this.requests = [];
		this.nextPacketId = 1;
		const state = options.state;
		if (!state) return;
		this.nextPacketId = state.nextPacketId >= 1 && state.nextPacketId <= 0xffff ? state.nextPacketId : 1;
		if (state.inflight.length > 0 || state.queued.length > 0) this.newFlows().restore(state.inflight, state.queued);
		const ids = state.awaitingRelease;
		const cap = options.maxAwaitingRelease ?? Default.MAX_AWAITING_RELEASE;
		// Never more remembered ids than the cap: the excess would only be refused later.
		const releases: number[] = [];
		for (let i = 0; i < ids.length && releases.length < cap; i++) if (releases.indexOf(ids[i]) < 0) releases.push(ids[i]);
		if (releases.length > 0) this.releases = releases;
		const subscriptions = state.subscriptions;
		for (let i = 0; i < subscriptions.length; i++) this.filters.push(subscriptions[i].topic, subscriptions[i].qos | Filter.ACTIVE);
	}

	/** Nothing in flight, nothing queued, no request awaiting its acknowledgement. */
	get idle(): boolean {
		return (!this.flows || this.flows.empty) && this.requests.length === 0;
	}

	/** The transport is connected: send CONNECT and, without waiting for CONNACK (3.1.4), everything pending (MQTT 5 waits: v5/session.ts). */
	open(now: number): void {
		this.state = State.CONNECTING;
		this.lastSent = this.lastHeard = now;
		this.pingSent = -1;
		this.reader.reset();
		const clean = this.clean;
		this.sendConnect();
		// A clean session discards the broker's QoS 2 state for us too (3.1.2-6).
		if (clean && this.releases) this.releases = void 0;
		// What is in flight, again right after CONNECT (4.4), before new messages.
		if (this.flows) this.flows.resend(this, clean);
		// Every request again; a clean session drops its UNSUBSCRIBEs (nothing to undo).
		const requests = this.requests;
		for (let i = 0; i < requests.length; ) {
			const request = requests[i];
			if (clean && request.topics) {
				requests.splice(i, 1);
				if (request.done) (request.done as Done)();
			} else {
				this.sendRequest(request);
				i++;
			}
		}
		this.drain(now);
	}

	/** True when a QoS 0 message published now goes to the transport at once (a connection, nothing queued before it). */
	get sendsAtOnce(): boolean {
		return this.state !== State.OFFLINE && (!this.flows || this.flows.queue.length === 0);
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
		const size = remaining + (remaining < 128 ? 2 : 1 + codec.varIntLength(remaining));
		if (size > this.reader.maxPacketSize) throw new ProtocolError("PACKET_TOO_LARGE", "PUBLISH of " + size + " bytes");
		if (qos === 0 && this.state !== State.OFFLINE && !(this.flows && this.flows.queue.length)) {
			// The hot path: straight into the transmit chunk, nothing allocated (writePublish inlined: its call costs as much).
			let chunk = this.chunk;
			let at = this.offset;
			if (!chunk || at + size > chunk.length) {
				chunk = this.reserve(size);
				at = this.offset;
			}
			this.offset = at + size;
			this.transmitBytes += size;
			chunk[at++] = retain ? 0x31 : 0x30;
			while (remaining > 127) {
				chunk[at++] = (remaining & 127) | 128;
				remaining >>= 7;
			}
			chunk[at++] = remaining;
			chunk.set(field, at);
			chunk.set(payload, at + field.length);
			this.lastSent = now;
			if (done) done();
			return;
		}
		codec.checkQoS(qos);
		const packet = new Uint8Array(size);
		codec.writePublish(packet, 0, 0x30 | (qos << 1) | (retain ? 1 : 0), remaining, field, qos ? Id.UNASSIGNED : 0, payload);
		this.enqueue(packet, now, done);
	}

	/** Subscribes (and remembers the filters, to resubscribe when the broker lost the session). */
	subscribe(subscriptions: readonly Subscription[], now: number, done?: SubscribeDone): void {
		this.checkSubscriptions(subscriptions);
		// Of `subscriptions`, those not already active at their QoS, now marked wanted.
		const filters = this.filters;
		const wanted: Subscription[] = [];
		for (let i = 0; i < subscriptions.length; i++) {
			const s = subscriptions[i];
			const at = filters.indexOf(s.topic);
			if (at < 0) filters.push(s.topic, s.qos);
			else if (filters[at + 1] === (s.qos | Filter.ACTIVE)) continue;
			else filters[at + 1] = s.qos;
			wanted.push(s);
		}
		// Already active in this (persistent) session: nothing to send, e.g. after a deep-sleep wake.
		if (wanted.length > 0) this.request({ packetId: 0, subscriptions: wanted, done }, now);
		else if (done) done(void 0, subscriptions.map((s) => s.qos));
	}

	unsubscribe(topics: readonly string[], now: number, done?: Done): void {
		topics.forEach(validateTopicFilter);
		const filters = this.filters;
		for (let i = 0; i < topics.length; i++) {
			const at = filters.indexOf(topics[i]);
			if (at >= 0) filters.splice(at, 2);
		}
		this.request({ packetId: 0, topics, done }, now);
	}

	/** Completes every waiting callback with `error` (the client is stopping); messages stay for `exportState`. */
	failPending(error: ProtocolError): void {
		if (this.flows) this.flows.failPending(error);
		const requests = this.requests;
		this.requests = [];
		for (let i = 0; i < requests.length; i++) if (requests[i].done) (requests[i].done as SubscribeDone)(error, []);
	}

	exportState(): SessionState {
		const flows = this.flows;
		return { nextPacketId: this.nextPacketId, inflight: flows ? flows.inflight : [], queued: flows ? flows.queued : [], awaitingRelease: this.releases ? this.releases.slice() : [], subscriptions: this.active(false) };
	}

	/** A packet from the broker, in order. */
	protected handle(packet: Packet, now: number): void {
		const type = packet.type;
		if (this.state === State.CONNECTING && type !== PacketType.CONNACK) throw codec.violation("type " + type + " before CONNACK");
		switch (type) {
			case PacketType.PUBLISH: {
				// Here, not in a method of its own: the call was on every message received.
				const qos = packet.qos;
				const packetId = packet.packetId as number;
				if (qos === 2) {
					const releases = (this.releases ??= []);
					// A resent QoS 2 PUBLISH whose PUBREL has not come: acknowledged again, not delivered twice.
					if (releases.indexOf(packetId) >= 0) {
						this.ack(Ack.PUBREC, packetId);
						this.lastSent = now;
						return;
					}
					const cap = this.options.maxAwaitingRelease ?? Default.MAX_AWAITING_RELEASE;
					if (releases.length >= cap) {
						// Full: 3.1.1 has no refusal, so DISCONNECT and close; MQTT 5: past the Receive Maximum we announced (0x93).
						this.sendDisconnect(now, 0x93);
						throw new ProtocolError("TABLE_FULL", cap + " QoS 2 ids await PUBREL");
					}
					releases.push(packetId);
				}
				this.events.push({ type: "message", packet });
				if (qos) {
					this.ack(qos === 1 ? Ack.PUBACK : Ack.PUBREC, packetId);
					this.lastSent = now;
				}
				return;
			}
			case PacketType.CONNACK:
				return this.onConnack(packet.sessionPresent, packet.returnCode, now);
			case PacketType.PUBACK:
			case PacketType.PUBREC:
			case PacketType.PUBCOMP: {
				if (this.flows && this.flows.acknowledged(type, packet.packetId)) this.drain(now);
				// Answer a PUBREC even for an unknown id, so the broker can free it.
				if (type === PacketType.PUBREC) {
					this.ack(Ack.PUBREL, packet.packetId);
					this.lastSent = now;
				}
				return;
			}
			case PacketType.PUBREL: {
				const releases = this.releases;
				const at = releases ? releases.indexOf(packet.packetId) : -1;
				if (at >= 0) (releases as number[]).splice(at, 1);
				this.ack(Ack.PUBCOMP, packet.packetId);
				this.lastSent = now;
				return;
			}
			case PacketType.SUBACK:
				return this.suback(packet.packetId, packet.returnCodes);
			case PacketType.UNSUBACK: {
				const request = this.takeRequest(packet.packetId);
				if (request && request.done) (request.done as Done)();
				return;
			}
			case PacketType.PINGRESP:
				this.pingSent = -1;
				return;
		}
		throw codec.violation("type " + type + " from a broker");
	}

	protected checkSubscriptions(subscriptions: readonly Subscription[]): void {
		for (let i = 0; i < subscriptions.length; i++) validateTopicFilter(subscriptions[i].topic);
	}

	/** SUBSCRIBE or UNSUBSCRIBE at 3.1.1, written into the transmit chunk. */
	protected sendRequest(request: Request): void {
		// The request holds the packet's fields (packet id, then the filters or the topics).
		codec.encodeInto({ ...request, type: request.subscriptions ? PacketType.SUBSCRIBE : PacketType.UNSUBSCRIBE } as EncodedPacket, this);
	}

	/** QoS 1/2 messages in flight at most. */
	protected window(): number {
		return this.options.inflightWindow ?? Default.INFLIGHT_WINDOW;
	}

	protected newFlows(): Inflight {
		return (this.flows ??= new Inflight(this.window()));
	}

	/** An encoded PUBLISH to send when the connection and the window allow. */
	protected enqueue(packet: Uint8Array, now: number, done?: Done): void {
		const flows = this.newFlows();
		const cap = this.options.maxQueued ?? Default.MAX_QUEUED;
		if (flows.queue.length >= cap) throw new ProtocolError("QUEUE_FULL", cap + " messages already wait");
		flows.add(packet, done);
		if (this.state !== State.OFFLINE) this.drain(now);
	}

	protected onConnack(sessionPresent: boolean, returnCode: number, now: number): void {
		if (this.state !== State.CONNECTING) throw codec.violation("second CONNACK");
		// Return codes 1-5, 3.2.2.3 table 3.1, as one string in place: an array, or a module constant, costs XS more.
		if (returnCode !== 0) throw new ProtocolError("CONNECTION_REFUSED", "CONNACK: " + ("|unacceptable protocol version|identifier rejected|server unavailable|bad user name or password|not authorized".split("|")[returnCode] || "return code " + returnCode));
		// A clean session must get session present 0 (3.2.2-1): trusting a 1 would leave the lamp deaf, unsubscribed.
		if (sessionPresent && this.clean) throw codec.violation("session present for a clean session");
		this.state = State.ONLINE;
		if (!sessionPresent) {
			// Nor any QoS 2 delivery to us: a remembered id must not suppress a new message (4.3.3).
			if (this.releases) this.releases = void 0;
			// Nor our subscriptions: request again every one that is not already being requested.
			const lost = this.active(true);
			if (lost.length > 0) this.request({ packetId: 0, subscriptions: lost }, now);
		}
		this.events.push({ type: "connected", sessionPresent });
	}

	/** SUBACK: each refused filter is forgotten (unless it was active before), each granted one active; MQTT 5 so refuses one too large to send, `error` saying why. */
	protected suback(packetId: number, returnCodes: readonly number[], error?: ProtocolError): void {
		const request = this.takeRequest(packetId, returnCodes);
		if (!request) return;
		const subscriptions = request.subscriptions as readonly Subscription[];
		const filters = this.filters;
		let refused = "";
		for (let i = 0; i < subscriptions.length; i++) {
			const topic = subscriptions[i].topic;
			const at = filters.indexOf(topic);
			const known = filters[at + 1] as number;
			// 3.1.1 has one failure code (0x80); every MQTT 5 reason code from 0x80 up is one too.
			if (returnCodes[i] >= Wire.SUBACK_FAILURE) {
				refused += (refused ? ", " : "") + topic;
				if (at >= 0 && !(known & Filter.ACTIVE)) filters.splice(at, 2);
			} else if (at >= 0) filters[at + 1] = known | Filter.ACTIVE;
		}
		if (request.done) (request.done as SubscribeDone)(error || (refused ? new ProtocolError("SUBSCRIPTION_REFUSED", "broker refused " + refused) : void 0), returnCodes);
	}

	/**
	 * The request `packetId` acknowledges, taken off the list: a SUBSCRIBE for a SUBACK's
	 * `returnCodes`, an UNSUBSCRIBE without; none for an unknown id. SUBACK codes that do
	 * not match the SUBSCRIBE are a violation (the request stays, to be sent again).
	 */
	protected takeRequest(packetId: number, returnCodes?: readonly number[]): Request | undefined {
		const at = this.requestAt(packetId);
		const request = this.requests[at];
		if (!request || !request.subscriptions !== !returnCodes) return void 0;
		if (request.subscriptions && request.subscriptions.length !== (returnCodes as readonly number[]).length) throw codec.violation("SUBACK return codes do not match the SUBSCRIBE");
		this.requests.splice(at, 1);
		return request;
	}

	/** Where the request with `packetId` is in `requests`, or -1. */
	private requestAt(packetId: number): number {
		const requests = this.requests;
		for (let i = 0; i < requests.length; i++) if (requests[i].packetId === packetId) return i;
		return -1;
	}

	/**
	 * The acknowledged filters: for SessionState (state.ts), or `lost` when the broker lost
	 * the session, to request again (then no longer acknowledged).
	 */
	private active(lost: boolean): Subscription[] {
		const active: Subscription[] = [];
		const filters = this.filters;
		for (let i = 0; i < filters.length; i += 2) {
			const s = filters[i + 1] as number;
			if (!(s & Filter.ACTIVE)) continue;
			if (lost) filters[i + 1] = s & 3;
			active.push({ topic: filters[i] as string, qos: (s & 3) as QoS });
		}
		return active;
	}

	protected request(request: Request, now: number): void {
		request.packetId = this.allocatePacketId();
		this.requests.push(request);
		if (this.state !== State.OFFLINE) this.sendRequest(request);
		this.lastSent = now;
	}

	/** Sends queued messages while there is a connection and a window slot. */
	protected drain(now: number): void {
		const flows = this.flows;
		if (!flows) return;
		const before = this.transmitBytes;
		flows.drain(this);
		if (this.transmitBytes !== before) this.lastSent = now;
	}

	/** The next packet id not in use by a message or request in flight (2.3.1). */
	allocatePacketId(): number {
		const flows = this.flows;
		for (let tries = 0; tries < 0xffff; tries++) {
			const id = this.nextPacketId;
			this.nextPacketId = id === 0xffff ? 1 : id + 1;
			if (!(flows && flows.inUse(id)) && this.requestAt(id) < 0) return id;
		}
		throw new ProtocolError("QUEUE_FULL", "no free packet id");
	}
}
