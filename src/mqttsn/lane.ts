/**
 * The lane: the client's requests, one at a time and in order (REGISTER, PUBLISH QoS 1/2
 * with PUBREL, SUBSCRIBE, UNSUBSCRIBE, WILLTOPICUPD, WILLMSGUPD). The specification allows
 * one outstanding REGISTER, one QoS 1/2 PUBLISH and one SUBSCRIBE or UNSUBSCRIBE (6.5,
 * 6.6, 6.8); one lane for all keeps messages in the order the application published
 * them, QoS 0 included. The head operation (`link.queue[0]`) has its outstanding message
 * in `link.request`; each procedure says what its next message is and what answers it.
 *
 * SUBSCRIBE and UNSUBSCRIBE (6.9) are here: a filter travels as its name, a predefined
 * topic as its id, a short name as its two bytes. A SUBACK for a name without wildcards
 * carries the topic id the gateway assigned to it.
 *
 * Every operation has the same fields (one shape: less code to build and read them):
 * a will update carries the will's topic, payload, QoS and retain flag, and an empty
 * topic for "no will".
 */
import { ProtocolError } from "../common/errors";
import { GatewayLink, State } from "./link";
import * as codec from "./encode";
import type { MqttSnSessionOptions } from "./types";
import { Flags, MsgType, ReturnCode, TopicIdType, type Message, type QoS, type TopicAckMessage } from "./packet";
import { validateTopicName } from "../mqtt/topic";
import type { SessionState, StoredPublish } from "./state";
import { Default } from "./timers";
import { ReleaseWindow } from "./topic-registry";

/** What an operation does; the order makes the common questions one comparison (a `const enum`, see packet.ts). */
export const enum Kind {
	PUBLISH = 0,
	/** A QoS 2 PUBLISH whose PUBREC arrived. */
	PUBREL = 1,
	SUBSCRIBE = 2,
	UNSUBSCRIBE = 3,
	WILLTOPIC = 4,
	WILLMSG = 5,
}

export interface Operation {
	kind: Kind;
	readonly topic: string;
	readonly payload: Uint8Array | undefined;
	readonly qos: 0 | 1 | 2;
	readonly retain: boolean;
	/** 0 until first sent; kept for every retransmission. */
	msgId: number;
	rejections: number;
	/** Called once; a subscription's with the QoS granted (or asked for, when it failed), others with undefined. */
	done: ((error: ProtocolError | undefined, qos: QoS) => void) | undefined;
}

function operation(kind: Kind, topic: string, payload: Uint8Array | undefined, qos: 0 | 1 | 2, retain: boolean, done: Operation["done"], msgId: number): Operation {
	return { kind, topic, payload, qos, retain, msgId, rejections: 0, done };
}

export abstract class Lane extends GatewayLink {
	// Written out: the implicit constructor is a rest-parameter loop on XS, 56 bytes more.
	constructor(options: MqttSnSessionOptions) {
		super(options);
	}

	/** Nothing queued, nothing awaiting an answer in the lane. */
	get idle(): boolean {
		return this.queue.length === 0;
	}

	/** Queues a new operation (its fields as Operation names them) and starts it when its turn has come. */
	protected enqueue(kind: Kind, topic: string, payload: Uint8Array | undefined, qos: 0 | 1 | 2, retain: boolean, done: Operation["done"]): Operation {
		const maxQueued = this.maxQueued ?? 100;
		if (this.queue.length >= maxQueued) throw new ProtocolError("QUEUE_FULL", maxQueued + " requests already wait");
		const op = operation(kind, topic, payload, qos, retain, done, 0);
		this.queue.push(op);
		this.advance();
		return op;
	}

	/** Sends the head operation's next message while active and nothing is outstanding. */
	protected advance(): void {
		const queue = this.queue;
		while (this.state === State.ACTIVE && !this.request && queue.length > 0) {
			const op = queue[0];
			const kind = op.kind;
			const topic = op.topic;
			let msgId = op.msgId;
			// PUBLISH and its QoS flows: see below, with what the gateway sends.
			if (kind === Kind.PUBREL) this.request = this.open(encodeMsgId(MsgType.PUBREL, msgId), MsgType.PUBCOMP, msgId, false);
			else if (kind === Kind.PUBLISH) {
				const id = this.topics.idOf(topic);
				const qos = op.qos;
				if (!id) {
					// The lane's REGISTER for the topic (6.5).
					msgId = this.allocateMsgId();
					this.request = this.open(codec.frame(MsgType.REGISTER, [0, 0, msgId >> 8, msgId], topic), MsgType.REGACK, msgId, false); // TopicId 0x0000, MsgId, TopicName (5.4.10)
				} else if (qos === 0) {
					this.send(codec.encodePublish(codec.publishFlags(false, 0, op.retain, id), id, 0, op.payload as Uint8Array));
					// A QoS 0 PUBLISH needs no answer: it is done once sent.
					settle(queue.shift() as Operation, void 0);
				} else {
					const dup = msgId !== 0;
					if (!dup) op.msgId = msgId = this.allocateMsgId();
					// Sent again after a reconnect (its msgId kept), it carries DUP already: no copy to mark when retransmitted.
					this.request = this.open(codec.encodePublish(codec.publishFlags(dup, qos, op.retain, id), id, msgId, op.payload as Uint8Array), qos === 1 ? MsgType.PUBACK : MsgType.PUBREC, msgId, !dup);
				}
			} else if (kind <= Kind.UNSUBSCRIBE) {
				msgId = this.allocateMsgId();
				const subscribe = kind === Kind.SUBSCRIBE;
				// A predefined id or short name travels as its TopicId, a filter as its name (5.4.15, 5.4.17);
				// UNSUBSCRIBE's Flags carry the TopicIdType alone.
				const fixed = topic.indexOf("+") >= 0 || topic.indexOf("#") >= 0 ? 0 : this.topics.fixedId(topic);
				const fields = [codec.publishFlags(false, subscribe ? op.qos : 0, false, fixed), msgId >> 8, msgId];
				if (fixed) fields.push(fixed >> 8, fixed);
				this.request = this.open(codec.frame(subscribe ? MsgType.SUBSCRIBE : MsgType.UNSUBSCRIBE, fields, fixed ? void 0 : topic), subscribe ? MsgType.SUBACK : MsgType.UNSUBACK, msgId, subscribe);
			} else if (kind === Kind.WILLTOPIC) {
				// WILLTOPICUPD, then WILLMSGUPD (6.4); no will is WILLTOPICUPD without flags and topic.
				this.request = this.open(codec.encodeWillTopic(MsgType.WILLTOPICUPD, op), MsgType.WILLTOPICRESP, 0, false);
			} else this.request = this.open(codec.frame(MsgType.WILLMSGUPD, [], op.payload), MsgType.WILLMSGRESP, 0, false);
		}
	}

	/** The head operation moves on: to its next step, or (`finished`) it is done, the application told (`error` when it failed). */
	private next(finished?: boolean, error?: ProtocolError, qos?: QoS): void {
		this.request = void 0;
		if (finished) settle(this.queue.shift() as Operation, error, qos);
		this.advance();
	}

	/** Completes every waiting callback with `error` (the client is stopping); QoS 1/2 messages stay for `exportState`. */
	failPending(error: ProtocolError): void {
		const old = this.queue;
		this.queue = old.filter(stored);
		for (let i = 0; i < old.length; i++) settle(old[i], error);
		this.request = void 0;
	}

	/** QoS 1/2 messages not yet acknowledged, for the durable state. */
	protected outgoing(): StoredPublish[] {
		return this.queue.filter(stored).map((op) => ({ topic: op.topic, payload: op.payload as Uint8Array, qos: op.qos as 1 | 2, retain: op.retain, msgId: op.msgId, released: op.kind === Kind.PUBREL }));
	}

	/** Subscriptions and messages from the durable state. */
	protected restoreLane(state: SessionState): void {
		const subscriptions = state.subscriptions;
		for (let i = 0; i < subscriptions.length; i++) (this.subscriptions ??= new Map()).set(subscriptions[i].topic, { qos: subscriptions[i].qos, active: true });
		const messages = state.outgoing;
		for (let i = 0; i < messages.length; i++) {
			const m = messages[i];
			this.queue.push(operation(m.released ? Kind.PUBREL : Kind.PUBLISH, m.topic, m.payload, m.qos, m.retain, void 0, m.msgId));
		}
	}

	// --- PUBLISH and REGISTER -------------------------------------------------------------
	/*
	 * PUBLISH and its QoS flows, both ways (MQTT-SN 6.7, 6.8):
	 * - sending: QoS 0 is done once sent; QoS 1 ends with PUBACK; QoS 2 with PUBREC, then
	 *   PUBREL answered by PUBCOMP (`handle`, below, reads the answers). A PUBACK
	 *   "invalid topic id" for a registered topic means the gateway forgot it: register
	 *   again and resend.
	 * - receiving: PUBACK for QoS 1, PUBREC then PUBCOMP for QoS 2, each QoS 2 message
	 *   delivered once (ReleaseWindow, topic-registry.ts). An unknown topic id is answered "invalid topic
	 *   id"; a QoS 2 id past the window's cap is answered "rejected: congestion" and not
	 *   delivered, so the gateway sends it again later.
	 *
	 * Topic id registration, both ways (6.5, 6.10), comes first when a topic has no id:
	 * - the client registers a topic name before its first PUBLISH (REGISTER, REGACK with
	 *   the id the gateway assigned);
	 * - the gateway registers the names of messages it is about to forward (its REGISTER,
	 *   answered with REGACK). What it registers is held in the topic registry, which has a
	 *   cap: past it a new name is answered "rejected: congestion" and not stored; reserved
	 *   ids are "invalid topic id", a name that is no valid topic name "not supported".
	 */

	/** The window of incoming QoS 2 ids, made when first needed. */
	protected window(): ReleaseWindow {
		return (this.incoming ??= new ReleaseWindow(this.maxAwaitingRelease ?? 8));
	}

	/** The gateway advertised (session.ts); the next one is due in `duration` seconds. */
	protected abstract heardAdvertise(duration: number): void;

	/**
	 * A message from the gateway (session.ts `received`); false when nothing was waiting for it.
	 * What arrives unasked (PUBLISH, PUBREL, REGISTER) is handled in its case, not in a method of
	 * its own: on the device each method costs its prologue, its name in two modules and a call.
	 */
	protected handle(message: Message): boolean {
		switch (message.type) {
			// First: a switch compares its cases in order, and PUBLISH arrives most.
			case MsgType.PUBLISH: {
				if (!this.receiving) return false;
				const topicId = message.topicId;
				const msgId = message.msgId;
				const qos = message.qos;
				// Buffered messages are flowing to a waking client: the gateway is alive, the PINGRESP will follow them.
				if (this.state === State.AWAKE && this.control) this.heard();
				const topic = this.topics.nameOf(message.topicIdType, topicId);
				if (topic === void 0) {
					this.send(encodeAck(MsgType.PUBACK, topicId, msgId, ReturnCode.REJECTED_INVALID_TOPIC_ID));
					return false;
				}
				let answer: Uint8Array | undefined;
				if (qos === 2) {
					const incoming = this.window();
					if (incoming.full && !incoming.holds(msgId)) {
						this.send(encodeAck(MsgType.PUBACK, topicId, msgId, ReturnCode.REJECTED_CONGESTION));
						return true;
					}
					answer = encodeMsgId(MsgType.PUBREC, msgId);
					if (!incoming.accept(msgId)) {
						this.send(answer);
						return true;
					}
				} else if (qos === 1) answer = encodeAck(MsgType.PUBACK, topicId, msgId, ReturnCode.ACCEPTED);
				this.events.push({ type: "message", message: { topic, payload: message.data, qos, retain: message.retain, dup: message.dup } });
				if (answer) this.send(answer);
				return true;
			}
			case MsgType.ADVERTISE:
				this.heardAdvertise(message.duration);
				return true;
			case MsgType.GWINFO:
				return true;
			// The connection's answers (its requests are link.ts's).
			case MsgType.CONNACK: {
				if (!this.connecting) return false;
				const connect = this.control;
				const returnCode = message.returnCode;
				this.control = void 0;
				if (returnCode !== ReturnCode.ACCEPTED) {
					this.disconnected(new ProtocolError(returnCode === ReturnCode.REJECTED_CONGESTION ? "REJECTED_CONGESTION" : "CONNECTION_REFUSED", "CONNACK " + codec.returnCodeName(returnCode)));
					return true;
				}
				this.state = State.ACTIVE;
				// The CONNECT's own Flags octet says whether it asked for a clean session (5.4.4: a one-octet Length, MsgType, Flags).
				if (connect && connect.bytes[2] & Flags.CLEAN_SESSION) {
					// A clean session at the gateway: topic and QoS 2 ids are void, a PUBREL in progress
					// starts over, subscriptions are made again first.
					this.topics.clear();
					this.incoming?.clear();
					const old = this.queue;
					const head = old[0];
					if (head?.kind === Kind.PUBREL) head.kind = Kind.PUBLISH;
					const queue: Operation[] = [];
					this.subscriptions?.forEach((s, topic) => {
						for (let i = 0; i < old.length; i++) if (old[i].kind === Kind.SUBSCRIBE && old[i].topic === topic) return;
						if (s.active) queue.push(operation(Kind.SUBSCRIBE, topic, void 0, s.qos, false, void 0, 0));
					});
					this.queue = queue.concat(old);
				}
				this.events.push({ type: "connected" });
				this.advance();
				return true;
			}
			case MsgType.WILLTOPICREQ:
			case MsgType.WILLMSGREQ: {
				if (!this.connecting || !this.control) return false;
				const will = this.will;
				// Without a will (it was deleted since CONNECT): WILLTOPIC without flags and topic, an empty WILLMSG.
				this.send(message.type === MsgType.WILLTOPICREQ ? codec.encodeWillTopic(MsgType.WILLTOPIC, will) : codec.frame(MsgType.WILLMSG, [], will && will.payload));
				this.heard();
				return true;
			}
			case MsgType.DISCONNECT: {
				const state = this.state;
				if (state === State.FALLING_ASLEEP) {
					this.control = void 0;
					this.asleep();
				} else if (state === State.DISCONNECTING) this.disconnected();
				else if (state < State.CONNECTING || state === State.ASLEEP) return false;
				else this.disconnected(new ProtocolError("CONNECTION_LOST", "DISCONNECT from the gateway"));
				return true;
			}
			case MsgType.PINGRESP:
				if (!this.control || this.control.expect !== MsgType.PINGRESP) return false;
				this.control = void 0;
				// Awake, every buffered message has been delivered: back to sleep.
				if (this.state === State.AWAKE) this.asleep();
				return true;
			case MsgType.PINGREQ:
				this.send(Uint8Array.of(2, MsgType.PINGRESP));
				return true;
			case MsgType.PUBREL:
				// For a QoS 2 message received.
				if (!this.receiving) return false;
				this.incoming?.release(message.msgId);
				this.send(encodeMsgId(MsgType.PUBCOMP, message.msgId));
				return true;
			case MsgType.REGISTER: {
				// The gateway's REGISTER (6.10).
				if (!this.receiving) return false;
				const topicId = message.topicId;
				let returnCode = ReturnCode.ACCEPTED;
				if (topicId === 0 || topicId === 0xffff) returnCode = ReturnCode.REJECTED_INVALID_TOPIC_ID;
				else {
					try {
						validateTopicName(message.topicName);
						if (!this.topics.accept(message.topicName, topicId)) returnCode = ReturnCode.REJECTED_CONGESTION;
					} catch (error) {
						if (!(error instanceof ProtocolError)) throw error;
						returnCode = ReturnCode.REJECTED_NOT_SUPPORTED;
					}
				}
				this.send(encodeAck(MsgType.REGACK, topicId, message.msgId, returnCode));
				return true;
			}
			default: {
				// REGACK, PUBACK, PUBREC, PUBCOMP, SUBACK, UNSUBACK, WILLTOPICRESP, WILLMSGRESP: an answer to the
				// lane's request; false for anything else (stale, duplicated, or CONNECT and the other client
				// messages: a gateway does not send these).
				const request = this.request;
				const op = this.queue[0];
				const type = message.type;
				const topics = this.topics;
				const returnCode = (message as { returnCode?: number }).returnCode ?? ReturnCode.ACCEPTED;
				const refusedTopic = type === MsgType.PUBACK && returnCode === ReturnCode.REJECTED_INVALID_TOPIC_ID;
				// QoS 2 PUBLISH may be refused with a PUBACK instead of PUBREC.
				if (!request || !op || this.state !== State.ACTIVE || (type !== request.expect && (type !== MsgType.PUBACK || request.expect !== MsgType.PUBREC)) || ((message as { msgId?: number }).msgId ?? 0) !== request.msgId) {
					// A QoS 0 PUBLISH to a topic id the gateway no longer knows is answered with PUBACK (6.7).
					if (refusedTopic) topics.forget(message.topicId);
					return false;
				}
				// A registered topic travels as a normal id: TopicIdType 0 above a nonzero TopicId.
				const id = refusedTopic ? topics.idOf(op.topic) : 0;
				if (id && id >> 16 === TopicIdType.NORMAL) {
					// The gateway forgot the registration (restarted, or a new session): register again.
					topics.forget((message as TopicAckMessage).topicId);
					if (++op.rejections > (this.nRetry ?? Default.N_RETRY)) this.next(true, rejection(returnCode, op.topic));
					else this.next();
				} else if (returnCode !== ReturnCode.ACCEPTED) {
					// Refused: wait out congestion (T_WAIT), otherwise fail the operation.
					const congestion = returnCode === ReturnCode.REJECTED_CONGESTION;
					if (congestion && ++op.rejections <= (this.nRetry ?? Default.N_RETRY)) request.waitUntil = this.now + (this.tWait ?? Default.T_WAIT);
					else {
						const subscribe = op.kind === Kind.SUBSCRIBE;
						if (subscribe) this.subscriptions?.delete(op.topic);
						const what = op.kind >= Kind.WILLTOPIC ? "will update" : op.topic;
						this.next(true, rejection(returnCode, what, subscribe));
					}
				} else if (type === MsgType.REGACK) {
					// 0x0000 and 0xFFFF are reserved (5.3.11): an id no PUBLISH can carry fails the message, rather than register again without end.
					const topicId = message.topicId;
					if (topicId === 0 || topicId === 0xffff) this.next(true, rejection(ReturnCode.REJECTED_INVALID_TOPIC_ID, op.topic));
					else {
						topics.register(op.topic, topicId);
						this.next();
					}
				} else if (type === MsgType.PUBREC) {
					op.kind = Kind.PUBREL;
					this.next();
				} else if (type === MsgType.SUBACK) {
					const topic = op.topic;
					const subscription = this.subscriptions?.get(topic);
					if (subscription) subscription.active = true;
					// Not for a filter with wildcards (its TopicId is 0x0000, 5.4.16), nor a predefined or short topic.
					if (message.topicId !== 0 && topic.indexOf("+") < 0 && topic.indexOf("#") < 0 && !topics.fixedId(topic)) topics.register(topic, message.topicId);
					// The application hears the QoS the gateway granted.
					this.next(true, void 0, message.qos);
				} else this.next(true);
				return true;
			}
		}
	}
}

/** A QoS 1/2 message: kept across a stop, and in the durable state. */
function stored(op: Operation): boolean {
	return op.kind <= Kind.PUBREL && op.qos > 0;
}

/** Calls an operation's callback once. */
function settle(op: Operation, error: ProtocolError | undefined, qos?: QoS): void {
	const done = op.done;
	op.done = void 0;
	if (done) done(error, qos === void 0 && op.kind >= Kind.SUBSCRIBE && op.kind <= Kind.UNSUBSCRIBE ? op.qos : (qos as QoS));
}

/** The typed error for a request the gateway refused with `returnCode`; a SUBSCRIBE refused for another reason than congestion or "not supported" is SUBSCRIPTION_REFUSED. */
function rejection(returnCode: number, what: string, subscribe?: boolean): ProtocolError {
	const code = returnCode === ReturnCode.REJECTED_CONGESTION ? "REJECTED_CONGESTION" : subscribe && returnCode !== ReturnCode.REJECTED_NOT_SUPPORTED ? "SUBSCRIPTION_REFUSED" : returnCode === ReturnCode.REJECTED_INVALID_TOPIC_ID ? "REJECTED_INVALID_TOPIC_ID" : "REJECTED_NOT_SUPPORTED";
	return new ProtocolError(code, what + ": " + codec.returnCodeName(returnCode));
}

/** PUBACK or REGACK from its fields: what the client answers most (here, where every one is sent). */
function encodeAck(type: number, topicId: number, msgId: number, returnCode: number): Uint8Array {
	return Uint8Array.of(7, type, topicId >> 8, topicId, msgId >> 8, msgId, returnCode);
}

/** PUBREC, PUBREL or PUBCOMP from its message id. */
function encodeMsgId(type: number, msgId: number): Uint8Array {
	return Uint8Array.of(4, type, msgId >> 8, msgId);
}
