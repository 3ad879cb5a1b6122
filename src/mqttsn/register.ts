/**
 * Topic id registration, both ways (MQTT-SN 6.5, 6.10):
 * - the client registers a topic name before its first PUBLISH (REGISTER, REGACK with
 *   the id the gateway assigned);
 * - the gateway registers the names of messages it is about to forward (its REGISTER,
 *   answered with REGACK). What it registers is held in the topic registry, which has a
 *   cap: past it a new name is answered "rejected: congestion" and not stored; reserved
 *   ids are "invalid topic id", a name that is no valid topic name "not supported".
 */
import { ProtocolError } from "../common/errors";
import { validateTopicName } from "../mqtt/topic";
import { encode } from "./encode";
import type { Lane, PublishOp } from "./lane";
import type { GatewayLink } from "./link";
import * as sn from "./packet";
import type { RegisterMessage, TopicAckMessage } from "./packet";

/** The lane's REGISTER for `topic`. */
export function registerStep(link: GatewayLink, topic: string, now: number): void {
	const msgId = link.allocateMsgId();
	link.request = link.open(encode({ type: sn.REGISTER, topicId: 0, msgId, topicName: topic }), sn.REGACK, msgId, false, now);
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
	link.send(encode({ type: sn.REGACK, topicId, msgId: message.msgId, returnCode }), now);
	return true;
}

function validName(name: string): boolean {
	try {
		validateTopicName(name);
		return true;
	} catch (error) {
		if (error instanceof ProtocolError) return false;
		throw error;
	}
}
