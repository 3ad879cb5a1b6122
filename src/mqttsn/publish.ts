/**
 * PUBLISH and its QoS flows, both ways (MQTT-SN 6.7, 6.8):
 * - sending: QoS 0 is done once sent; QoS 1 ends with PUBACK; QoS 2 with PUBREC, then
 *   PUBREL answered by PUBCOMP. A PUBACK "invalid topic id" for a registered topic means
 *   the gateway forgot it: register again and resend.
 * - receiving: PUBACK for QoS 1, PUBREC then PUBCOMP for QoS 2, each QoS 2 message
 *   delivered once (release-window.ts). An unknown topic id is answered "invalid topic
 *   id"; a QoS 2 id past the window's cap is answered "rejected: congestion" and not
 *   delivered, so the gateway sends it again later.
 */
import { ProtocolError } from "../common/errors";
import * as encode from "./encode";
import { publishFlags } from "./flags";
import type { Lane, PublishOp } from "./lane";
import type { GatewayLink } from "./link";
import * as sn from "./packet";
import type { Message, PublishMessage } from "./packet";
import { registerStep } from "./register";

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
		link.send(encode.encodePublish(publishFlags(false, 0, op.retain, id.topicIdType), id.topicId, 0, op.payload), now);
		return true;
	}
	const dup = op.msgId !== 0;
	if (!dup) op.msgId = link.allocateMsgId();
	const bytes = encode.encodePublish(publishFlags(dup, op.qos, op.retain, id.topicIdType), id.topicId, op.msgId, op.payload);
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
	const reason = sn.returnCodeName(returnCode);
	switch (returnCode) {
		case sn.REJECTED_CONGESTION:
			return new ProtocolError("REJECTED_CONGESTION", `gateway still congested for ${what}: ${reason}`);
		case sn.REJECTED_INVALID_TOPIC_ID:
			return new ProtocolError("REJECTED_INVALID_TOPIC_ID", `gateway does not know the topic id of ${what}: ${reason}`);
		default:
			return new ProtocolError("REJECTED_NOT_SUPPORTED", `gateway refused ${what}: ${reason}`);
	}
}
