/**
 * SUBSCRIBE and UNSUBSCRIBE (MQTT-SN 6.9): a filter travels as its name, a predefined
 * topic as its id, a short name as its two bytes. A SUBACK for a name without wildcards
 * carries the topic id the gateway assigned to it.
 */
import { encode } from "./encode";
import type { Lane, SubscribeOp } from "./lane";
import type { GatewayLink } from "./link";
import * as sn from "./packet";
import type { Message, TopicRef } from "./packet";

export function subscribeStep(link: GatewayLink, op: SubscribeOp, now: number): void {
	const msgId = link.allocateMsgId();
	const topic = topicRef(link, op.topic);
	const subscribe = op.kind === "subscribe";
	const bytes = subscribe ? encode({ type: sn.SUBSCRIBE, dup: false, qos: op.qos, msgId, topic }) : encode({ type: sn.UNSUBSCRIBE, msgId, topic });
	link.request = link.open(bytes, subscribe ? sn.SUBACK : sn.UNSUBACK, msgId, subscribe, now);
}

export function subscribeAnswer(lane: Lane, op: SubscribeOp, message: Message, now: number): boolean {
	if (message.type === sn.UNSUBACK) {
		lane.complete(undefined, now);
		return true;
	}
	if (message.type !== sn.SUBACK || op.kind !== "subscribe") return false;
	if (message.returnCode !== sn.ACCEPTED) {
		lane.rejected(op, message.returnCode, now);
		return true;
	}
	const subscription = lane.subscriptions.get(op.topic);
	if (subscription) subscription.active = true;
	const topics = lane.link.topics;
	if (message.topicId !== 0 && !hasWildcard(op.topic) && !topics.fixedId(op.topic)) topics.register(op.topic, message.topicId);
	// The application hears the QoS the gateway granted.
	const done = op.done;
	op.done = undefined;
	lane.complete(undefined, now);
	done?.(undefined, message.qos);
	return true;
}

/** How SUBSCRIBE/UNSUBSCRIBE name `topic`: a predefined id, a short name, or the name itself. */
function topicRef(link: GatewayLink, topic: string): TopicRef {
	const fixed = hasWildcard(topic) ? undefined : link.topics.fixedId(topic);
	if (fixed) return { topicIdType: fixed.topicIdType === sn.TOPIC_PREDEFINED ? sn.TOPIC_PREDEFINED : sn.TOPIC_SHORT, topicId: fixed.topicId };
	return { topicIdType: sn.TOPIC_NORMAL, topicName: topic };
}

export function hasWildcard(topic: string): boolean {
	return topic.indexOf("+") >= 0 || topic.indexOf("#") >= 0;
}
