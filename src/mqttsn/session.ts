/**
 * The MQTT-SN 1.2 client as a sans-IO state machine. It is told what arrived
 * (`received`, with the sender's address) and what time it is (`tick`), and what the
 * application wants (`connect`, `publish`, `subscribe`, `sleep`, ...); it answers with
 * datagrams to send (`pollTransmit`), events (`pollEvent`) and the time it next needs a
 * tick (`nextTimeout`). No socket, no timer: tests run it on a virtual clock.
 *
 * This file is the face: the application's requests, what arrives and the gateway found;
 * the other procedures are layers of this class (see link.ts): what they share, `tick`
 * with discovery's deadlines, retransmission and keep-alive, connect, the sleeping client
 * and disconnect (link.ts), the lane of one request at a time with SUBSCRIBE, PUBLISH's
 * QoS flows, REGISTER and the dispatch of the gateway's messages (lane.ts; QoS 2 ids in
 * topic-registry.ts).
 *
 * Two exchanges can be open at once, each supervised by Tretry/Nretry (6.13): the
 * control exchange (CONNECT, DISCONNECT, PINGREQ) and the lane's request. Unanswered
 * after Nretry retransmissions, or silent for N_ADV advertise periods, the gateway is
 * lost: a discovered one is forgotten and searched for again.
 *
 * Bounded whatever the gateway sends: topic ids it registers (maxTopics), QoS 2 ids
 * awaiting PUBREL (maxAwaitingRelease), and datagrams and events not yet polled
 * (maxBacklog) each have a cap, and past one the protocol's answer goes back
 * ("rejected: congestion") or the datagram is dropped unanswered, so the gateway
 * retransmits it later.
 */
import { ProtocolError } from "../common/errors";
import type { DatagramSession, Peer } from "../common/session";
import * as mqtt from "../mqtt/topic";
import * as codec from "./encode";
import { Kind, Lane, type Operation } from "./lane";
import { State } from "./link";
import { Flags, MsgType, TopicIdType, type Message, type QoS } from "./packet";
import type { SessionState } from "./state";
import { TopicRegistry } from "./topic-registry";
import { Default } from "./timers";
import type { Datagram, Done, DropCounts, Gateway, MqttSnSessionOptions, SessionEvent, SubscribeDone, Will } from "./types";

export type { Datagram, Done, DropCounts, MqttSnSessionOptions, ReceivedMessage, SearchTarget, SessionEvent, SessionStatus, SubscribeDone, Will } from "./types";

export class MqttSnSession extends Lane implements DatagramSession {
	constructor(options: MqttSnSessionOptions) {
		super(options);
		this.topics = new TopicRegistry(options.predefinedTopics, options.maxTopics);
		const state = options.state;
		if (!state) return;
		if (!this.gateway && state.gateway) this.gateway = state.gateway;
		if (state.asleep && this.gateway) this.state = State.ASLEEP;
		this.nextMsgId = state.nextMsgId >= 1 && state.nextMsgId <= 0xffff ? state.nextMsgId : 1;
		const registrations = state.registrations;
		for (let i = 0; i < registrations.length; i++) this.topics.register(registrations[i].topicName, registrations[i].topicId);
		if (state.awaitingRelease.length > 0) this.window().restore(state.awaitingRelease);
		this.restoreLane(state);
	}

	/** Bad datagrams dropped so far, by reason: counted from the first one (or the first look), till then no slot. */
	get dropped(): DropCounts {
		return (this.drops ??= { malformed: 0, oversized: 0, unknownType: 0, foreign: 0, unexpected: 0, overflow: 0 });
	}

	/** A configured gateway whose host name the board has just resolved. */
	setGateway(gateway: Gateway): void {
		const old = this.gateway;
		if (old && (old.port !== gateway.port || old.address !== gateway.address)) this.topics.clear();
		this.gateway = gateway;
		this.configured = true;
	}

	// --- what the application wants (connect, sleep, checkMessages, disconnect: link.ts; failPending: lane.ts) ---

	/**
	 * Publishes. QoS -1 goes out at once, connected or not, to a predefined or short
	 * topic; the others wait their turn in the lane. Throws ProtocolError, with nothing
	 * queued, for an invalid topic, a message over the maximum size or a full queue.
	 * Returns the operation when it waits in the lane (each request returns its own).
	 */
	publish(topic: string, payload: Uint8Array, qos: QoS, retain: boolean, now: number, done?: Done): Operation | undefined {
		this.now = now;
		// A topic with an id was checked when it got it (configuration, or the gateway's REGISTER).
		const id = this.topics.idOf(topic);
		if (!id) mqtt.validateTopicName(topic);
		if (qos !== 0 && qos !== 1 && qos !== 2 && qos !== -1) throw new ProtocolError("PROTOCOL_VIOLATION", "no QoS " + qos);
		// Length, MsgType, Flags, TopicId, MsgId: 7 octets, or 9 with the long Length (5.2).
		const size = payload.length + (payload.length > 248 ? 9 : 7);
		if (size > this.maxPacketSize) throw new ProtocolError("PACKET_TOO_LARGE", size + "-byte PUBLISH, max " + this.maxPacketSize);
		if (qos === -1) {
			if (id >> 16 === TopicIdType.NORMAL) throw new ProtocolError("INVALID_TOPIC", "QoS -1 to a topic neither predefined nor short: " + topic);
			if (!this.gateway) throw new ProtocolError("PROTOCOL_VIOLATION", "QoS -1 needs a known gateway");
		} else if (qos !== 0 || !id || this.state !== State.ACTIVE || this.request || this.queue.length > 0) return this.enqueue(Kind.PUBLISH, topic, payload, qos, retain, done);
		// QoS -1, or QoS 0 with nothing ahead of it: straight out, nothing queued.
		// Written out (`send`, publishFlags without DUP): on the device a call costs more than its body.
		// The id goes as it is (its TopicIdType above it, see topic-registry.ts): encodePublish writes its two low octets.
		const gateway = this.gateway as Gateway;
		this.transmit.push({ bytes: codec.encodePublish(((qos & 3) << 5) | (retain ? Flags.RETAIN : 0) | (id >> 16), id, 0, payload), address: gateway.address, port: gateway.port });
		this.lastSent = now;
		if (done) done();
		return;
	}

	/** Subscribes to a filter (wildcards allowed), a predefined topic or a short name. */
	subscribe(topic: string, qos: 0 | 1 | 2, now: number, done?: SubscribeDone): Operation {
		this.now = now;
		mqtt.validateTopicFilter(topic);
		// Made at the first subscription: a client that only publishes holds no Map.
		(this.subscriptions ??= new Map()).set(topic, { qos, active: false });
		return this.enqueue(Kind.SUBSCRIBE, topic, void 0, qos, false, done);
	}

	unsubscribe(topic: string, now: number, done?: Done): Operation {
		this.now = now;
		mqtt.validateTopicFilter(topic);
		this.subscriptions?.delete(topic);
		return this.enqueue(Kind.UNSUBSCRIBE, topic, void 0, 0, false, done);
	}

	/** Changes the will at the gateway (WILLTOPICUPD, then WILLMSGUPD); undefined deletes it. */
	updateWill(will: Will | undefined, now: number, done?: Done): Operation {
		this.now = now;
		if (!will) {
			this.will = will;
			return this.enqueue(Kind.WILLTOPIC, "", void 0, 0, false, done);
		}
		mqtt.validateTopicName(will.topic);
		this.will = will;
		this.enqueue(Kind.WILLTOPIC, will.topic, void 0, will.qos, will.retain, void 0);
		return this.enqueue(Kind.WILLMSG, "", will.payload, 0, false, done);
	}

	exportState(): SessionState {
		const subscriptions: { topic: string; qos: 0 | 1 | 2 }[] = [];
		this.subscriptions?.forEach((s, topic) => {
			if (s.active) subscriptions.push({ topic, qos: s.qos });
		});
		return {
			gateway: this.gateway,
			asleep: this.asleepAtGateway,
			nextMsgId: this.nextMsgId,
			registrations: this.topics.registrations(),
			subscriptions,
			outgoing: this.outgoing(),
			awaitingRelease: this.incoming ? this.incoming.awaiting() : [],
		};
	}

	// --- what happened ---------------------------------------------------------------------

	/** A datagram arrived from `from`. Bad ones are counted in `dropped`, never thrown. */
	received(datagram: Uint8Array, from: Peer, now: number): void {
		this.now = now;
		const gateway = this.gateway;
		// Once the gateway is known, nothing from anyone else is even decoded: a stray or forged
		// datagram from another port costs a comparison, and cannot reach the decoder or the state.
		// While searching, anyone may answer (ADVERTISE, GWINFO, another client's SEARCHGW).
		if (gateway && (gateway.port !== from.port || gateway.address !== from.address)) {
			this.dropped.foreign++;
			return;
		}
		// Nobody polls: what arrives now is not answered, so the gateway sends it again later.
		const maxBacklog = this.maxBacklog ?? 32;
		if (this.transmit.length >= maxBacklog || this.events.length >= maxBacklog) {
			this.dropped.overflow++;
			return;
		}
		let message: Message;
		try {
			message = codec.decode(datagram, this.maxPacketSize);
		} catch (error) {
			// The decoder throws ProtocolErrors only; anything else would be its bug, and still
			// only a bad datagram: counted as malformed rather than thrown at the socket.
			const code = error instanceof ProtocolError ? error.code : "";
			if (code === "PACKET_TOO_LARGE") this.dropped.oversized++;
			else if (code === "UNKNOWN_PACKET_TYPE") this.dropped.unknownType++;
			else this.dropped.malformed++;
			return;
		}
		if (message.type === MsgType.SEARCHGW) this.heardSearch();
		else if (gateway) {
			if (!this.handle(message)) this.dropped.unexpected++;
		} else if (message.type !== MsgType.ADVERTISE && message.type !== MsgType.GWINFO) this.dropped.foreign++;
		else {
			// An ADVERTISE or GWINFO while no gateway is known: that is the gateway now (discovery, below).
			let found: Gateway = { gwId: message.gwId, address: from.address, port: from.port };
			// GWINFO from another client carries the gateway's address; on UDP, 4 octets of IPv4 and a port.
			if (message.type === MsgType.GWINFO && message.gwAdd) {
				const a = message.gwAdd;
				if (a.length !== 6) {
					this.dropped.unexpected++;
					return;
				}
				found = { gwId: message.gwId, address: a[0] + "." + a[1] + "." + a[2] + "." + a[3], port: (a[4] << 8) | a[5] };
			}
			this.gateway = found;
			this.topics.clear();
			if (message.type === MsgType.ADVERTISE) this.heardAdvertise(message.duration);
			this.events.push({ type: "gateway", gateway: found });
			if (this.state === State.SEARCHING) {
				this.searchAt = Infinity;
				this.state = State.DISCONNECTED;
				this.connect(now);
			}
		}
	}

	pollTransmit(): Datagram | undefined {
		return this.transmit.shift();
	}

	pollEvent(): SessionEvent | undefined {
		return this.events.shift();
	}

	// --- discovery (6.1, 6.2): its deadlines are link.ts's, with `tick` -------------------

	/** The gateway advertised; the next one is due in `duration` seconds. */
	protected heardAdvertise(duration: number): void {
		this.advertiseDeadline = duration > 0 ? this.now + duration * 1000 * ((this.nAdv ?? Default.N_ADV) + 0.5) : Infinity;
	}
}
