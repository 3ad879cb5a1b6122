/**
 * The Flags octet (5.3.4), shared by the encoder and the decoder:
 *
 *   bit 7 DUP | bits 6-5 QoS | bit 4 Retain | bit 3 Will | bit 2 CleanSession | bits 1-0 TopicIdType
 *
 * QoS 0b11 is -1 ("publish without connection").
 */
import type { QoS, TopicIdType } from "./packet";

export const DUP = 0x80;
export const RETAIN = 0x10;
export const WILL = 0x08;
export const CLEAN_SESSION = 0x04;
const QOS_SHIFT = 5;
const TOPIC_ID_TYPE = 0x03;

export function qosBits(qos: QoS): number {
	return (qos & 3) << QOS_SHIFT;
}

export function qosOf(flags: number): QoS {
	const bits = (flags >> QOS_SHIFT) & 3;
	return bits === 3 ? -1 : (bits as QoS);
}

/** The TopicIdType, or -1 for the reserved 0b11. */
export function topicIdTypeOf(flags: number): TopicIdType | -1 {
	const bits = flags & TOPIC_ID_TYPE;
	return bits === 3 ? -1 : (bits as TopicIdType);
}

/** Sets DUP in an encoded PUBLISH or SUBSCRIBE: its Flags octet follows Length (1 or 3 octets) and MsgType. */
export function markDup(message: Uint8Array): void {
	message[message[0] === 0x01 ? 4 : 2] |= DUP;
}

/** The Flags octet of a PUBLISH. */
export function publishFlags(dup: boolean, qos: QoS, retain: boolean, topicIdType: TopicIdType): number {
	return (dup ? DUP : 0) | qosBits(qos) | (retain ? RETAIN : 0) | topicIdType;
}
