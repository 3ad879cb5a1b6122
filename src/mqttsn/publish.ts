/**
 * PUBLISH and its QoS flows, both ways (MQTT-SN 6.7, 6.8):
 * - sending: QoS 0 is done once sent; QoS 1 ends with PUBACK; QoS 2 with PUBREC, then
 *   PUBREL answered by PUBCOMP. A PUBACK "invalid topic id" for a registered topic means
 *   the gateway forgot it: register again and resend.
 * - receiving: PUBACK for QoS 1, PUBREC then PUBCOMP for QoS 2, each QoS 2 message
 *   delivered once (ReleaseWindow, below). An unknown topic id is answered "invalid topic
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
import { ProtocolError } from "../common/errors";
import * as encode from "./encode";
import type { Lane, PublishOp } from "./lane";
import type { GatewayLink } from "./link";
import * as sn from "./packet";
import type { Message, PublishMessage, RegisterMessage, TopicAckMessage } from "./packet";
import * as topicRules from "../mqtt/topic";

/** Sends the operation's next message; true when that finished it (QoS 0). */
export function publishStep(link: GatewayLink, op: PublishOp, now: number): boolean {
	if (op.released) {
		link.request = link.open(encode.encode({ type: sn.PUBREL, msgId: op.msgId }), sn.PUBCOMP, op.msgId, false, now);
		return false;
	}
	const id = link.topics.idOf(op.topic);
	if (!id) {
		registerStep(link, op.topic, now);
		return false;
	}
	if (op.qos === 0) {
		link.send(encode.encodePublish(sn.publishFlags(false, 0, op.retain, id.topicIdType), id.topicId, 0, op.payload), now);
		return true;
	}
	const dup = op.msgId !== 0;
	if (!dup) op.msgId = link.allocateMsgId();
	const bytes = encode.encodePublish(sn.publishFlags(dup, op.qos, op.retain, id.topicIdType), id.topicId, op.msgId, op.payload);
	link.request = link.open(bytes, op.qos === 1 ? sn.PUBACK : sn.PUBREC, op.msgId, true, now);
	return false;
}

/** PUBACK, PUBREC or PUBCOMP for the lane's PUBLISH or PUBREL. */
export function publishAnswer(lane: Lane, op: PublishOp, message: Message, now: number): boolean {
	const link = lane.link;
	switch (message.type) {
		case sn.PUBACK:
			if (message.returnCode === sn.ACCEPTED) lane.complete(undefined, now);
			else if (message.returnCode === sn.REJECTED_INVALID_TOPIC_ID && link.topics.idOf(op.topic)?.topicIdType === sn.TOPIC_NORMAL) {
				// The gateway forgot the registration (restarted, or a new session): register again.
				link.topics.forget(message.topicId);
				if (++op.rejections > link.limits.nRetry) lane.complete(rejection(message.returnCode, op.topic), now);
				else lane.next(now);
			} else lane.rejected(op, message.returnCode, now);
			return true;
		case sn.PUBREC:
			op.released = true;
			lane.next(now);
			return true;
		case sn.PUBCOMP:
			lane.complete(undefined, now);
			return true;
		default:
			return false;
	}
}

/** A PUBLISH from the gateway. */
export function onPublish(link: GatewayLink, message: PublishMessage, now: number): boolean {
	if (!link.receiving) return false;
	const topicId = message.topicId;
	const msgId = message.msgId;
	const qos = message.qos;
	const control = link.control;
	// Buffered messages are flowing to a waking client: the gateway is alive, the PINGRESP will follow them.
	if (link.state === "awake" && control) link.heard(control, now);
	const topic = link.topics.nameOf(message.topicIdType, topicId);
	if (topic === undefined) {
		link.send(encode.encode({ type: sn.PUBACK, topicId, msgId, returnCode: sn.REJECTED_INVALID_TOPIC_ID }), now);
		return false;
	}
	if (qos === 2) {
		const incoming = link.incoming;
		if (incoming.full && !incoming.holds(msgId)) {
			link.send(encode.encode({ type: sn.PUBACK, topicId, msgId, returnCode: sn.REJECTED_CONGESTION }), now);
			return true;
		}
		if (incoming.accept(msgId)) deliver(link, topic, message);
		link.send(encode.encode({ type: sn.PUBREC, msgId }), now);
		return true;
	}
	deliver(link, topic, message);
	if (qos === 1) link.send(encode.encode({ type: sn.PUBACK, topicId, msgId, returnCode: sn.ACCEPTED }), now);
	return true;
}

/** PUBREL for a QoS 2 message received. */
export function onPubrel(link: GatewayLink, msgId: number, now: number): boolean {
	if (!link.receiving) return false;
	link.incoming.release(msgId);
	link.send(encode.encode({ type: sn.PUBCOMP, msgId }), now);
	return true;
}

function deliver(link: GatewayLink, topic: string, message: PublishMessage): void {
	link.emit({ type: "message", message: { topic, payload: message.data, qos: message.qos, retain: message.retain, dup: message.dup } });
}

/** The typed error for a request the gateway refused with `returnCode`. */
export function rejection(returnCode: number, what: string): ProtocolError {
	const code = returnCode === sn.REJECTED_CONGESTION ? "REJECTED_CONGESTION" : returnCode === sn.REJECTED_INVALID_TOPIC_ID ? "REJECTED_INVALID_TOPIC_ID" : "REJECTED_NOT_SUPPORTED";
	return new ProtocolError(code, `${what}: ${sn.returnCodeName(returnCode)}`);
}

// --- REGISTER (6.5, 6.10) ---------------------------------------------------------------

/** The lane's REGISTER for `topic`. */
function registerStep(link: GatewayLink, topic: string, now: number): void {
	const msgId = link.allocateMsgId();
	link.request = link.open(encode.encode({ type: sn.REGISTER, topicId: 0, msgId, topicName: topic }), sn.REGACK, msgId, false, now);
}

export function registerAnswer(lane: Lane, op: PublishOp, message: TopicAckMessage, now: number): boolean {
	if (message.returnCode === sn.ACCEPTED) {
		lane.link.topics.register(op.topic, message.topicId);
		lane.next(now);
	} else lane.rejected(op, message.returnCode, now);
	return true;
}

/** The gateway's REGISTER. */
export function onRegister(link: GatewayLink, message: RegisterMessage, now: number): boolean {
	if (!link.receiving) return false;
	const topicId = message.topicId;
	const topicName = message.topicName;
	let returnCode = sn.ACCEPTED;
	if (topicId === 0 || topicId === 0xffff) returnCode = sn.REJECTED_INVALID_TOPIC_ID;
	else if (!validName(topicName)) returnCode = sn.REJECTED_NOT_SUPPORTED;
	else if (!link.topics.accept(topicName, topicId)) returnCode = sn.REJECTED_CONGESTION;
	link.send(encode.encode({ type: sn.REGACK, topicId, msgId: message.msgId, returnCode }), now);
	return true;
}

function validName(name: string): boolean {
	try {
		topicRules.validateTopicName(name);
		return true;
	} catch (error) {
		if (error instanceof ProtocolError) return false;
		throw error;
	}
}

/**
 * Exactly-once for incoming QoS 2 over a datagram network. Like MQTT's method B, a
 * message is delivered on its first PUBLISH and its id remembered until PUBREL. UDP
 * adds one case TCP never has: a retransmitted PUBLISH that the network delayed past
 * the PUBREL. The ids released most recently are therefore remembered too; a sender
 * numbers messages in sequence, so an id comes back only after thousands of others.
 *
 * Ids awaiting PUBREL are capped (`capacity`): a peer that never releases cannot grow
 * the window. Once `full`, a new id is not taken: the caller answers it ("rejected:
 * congestion") instead of delivering it.
 */
const RECENT = 32;

export class ReleaseWindow {
	declare readonly capacity: number;
	private declare readonly waiting: Set<number>;
	private declare readonly recent: number[];

	constructor(capacity = 64) {
		this.capacity = capacity;
		this.waiting = new Set();
		this.recent = [];
	}

	get full(): boolean {
		return this.waiting.size >= this.capacity;
	}

	/** The id is awaiting PUBREL or was released lately: a duplicate, whatever the window's fill. */
	holds(msgId: number): boolean {
		return this.waiting.has(msgId) || this.recent.indexOf(msgId) >= 0;
	}

	/** True when this PUBLISH is new and is to be delivered; false for a duplicate, or a new id while full. */
	accept(msgId: number): boolean {
		if (this.full || this.holds(msgId)) return false;
		this.waiting.add(msgId);
		return true;
	}

	/** PUBREL arrived. */
	release(msgId: number): void {
		if (!this.waiting.delete(msgId)) return;
		if (this.recent.length === RECENT) this.recent.shift();
		this.recent.push(msgId);
	}

	/** A new session: the sender numbers from scratch. */
	clear(): void {
		this.waiting.clear();
		this.recent.length = 0;
	}

	awaiting(): number[] {
		return Array.from(this.waiting);
	}

	restore(ids: readonly number[]): void {
		for (let i = 0; i < ids.length && !this.full; i++) this.waiting.add(ids[i]);
	}
}
