/**
 * MQTT-SN message decoder: one datagram -> one message object, checking the format of
 * every field. Binary fields (PUBLISH data, WILLMSG, GwAdd) are views into the datagram,
 * not copies. A datagram that is not exactly one well-formed message is a ProtocolError:
 * PACKET_TOO_LARGE over the caller's limit, UNKNOWN_PACKET_TYPE for a reserved MsgType,
 * MALFORMED_PACKET for everything else (truncated, Length not the datagram's size,
 * fields that do not fit their message). Fields are read as packet.ts's SHAPES describe
 * them; PUBLISH, the message that arrives most, is read in place.
 */
import { ProtocolError } from "../common/errors";
import { ByteReader } from "../common/bytes";
import * as sn from "./packet";
import type { Message, PublishMessage, TopicIdType, TopicRef } from "./packet";

export function decode(datagram: Uint8Array, maxLength = sn.MAX_MESSAGE_LENGTH): Message {
	const size = datagram.length;
	if (size > maxLength) throw new ProtocolError("PACKET_TOO_LARGE", `${size}-byte datagram, max ${maxLength}`);
	if (size < 2) throw malformed("datagram shorter than a header");
	let length = datagram[0];
	let start = 1;
	if (length === 0x01) {
		if (size < 4) throw malformed("datagram shorter than a 3-octet length header");
		length = (datagram[1] << 8) | datagram[2];
		start = 3;
	}
	if (length < start + 1) throw malformed(`Length ${length} is shorter than its own header`);
	if (length > size) throw malformed(`truncated: Length says ${length} bytes, the datagram has ${size}`);
	if (length < size) throw malformed(`Length says ${length} bytes, the datagram has ${size}`);
	const type = datagram[start];
	if (type === sn.PUBLISH) return publish(datagram, start + 1, size);
	const shape = sn.SHAPES[type];
	if (!shape) throw new ProtocolError("UNKNOWN_PACKET_TYPE", `MsgType 0x${type.toString(16)} is reserved`);
	const r = new ByteReader(datagram, "MQTT-SN message", start + 1, size);
	const message: Record<string, unknown> = { type };
	let topicIdType: TopicIdType = sn.TOPIC_NORMAL;
	for (let i = 0; i < shape.length; i += 2) {
		const name = shape[i] as string;
		const kind = shape[i + 1] as number;
		if (kind & 8 && r.remaining === 0) break;
		switch (kind & 7) {
			case 0:
				message[name] = r.byte();
				break;
			case 1:
				message[name] = r.u16();
				break;
			case 2: {
				const value = r.utf8(r.remaining);
				if (value === "") throw malformed(`empty ${name}`);
				message[name] = value;
				break;
			}
			case 3:
				message[name] = r.rest();
				break;
			case 4: {
				const flags = r.byte();
				const bits = kind >> 4;
				if (bits & 1) message.dup = (flags & sn.DUP) !== 0;
				if (bits & 2) message.qos = sn.qosOf(flags);
				if (bits & 4) message.retain = (flags & sn.RETAIN) !== 0;
				if (bits & 8) message.will = (flags & sn.WILL) !== 0;
				if (bits & 16) message.cleanSession = (flags & sn.CLEAN_SESSION) !== 0;
				if (bits & 32) topicIdType = checkTopicIdType(flags);
				break;
			}
			case 5:
				message[name] = topicRef(topicIdType, r);
				break;
			default:
				if (r.byte() !== sn.PROTOCOL_ID) throw malformed("CONNECT with another ProtocolId");
		}
	}
	r.end();
	// WILLTOPIC and WILLTOPICUPD without flags and topic: no will (5.4.7).
	if (message.willTopic === undefined && (type === sn.WILLTOPIC || type === sn.WILLTOPICUPD)) return { type, qos: 0, retain: false, willTopic: "" };
	return message as unknown as Message;
}

/** PUBLISH, the message that arrives most, read in place: Flags, TopicId, MsgId, then data. */
function publish(datagram: Uint8Array, at: number, end: number): PublishMessage {
	if (end - at < 5) throw malformed("PUBLISH ends inside a field");
	const flags = datagram[at];
	return {
		type: sn.PUBLISH,
		dup: (flags & sn.DUP) !== 0,
		qos: sn.qosOf(flags),
		retain: (flags & sn.RETAIN) !== 0,
		topicIdType: checkTopicIdType(flags),
		topicId: (datagram[at + 1] << 8) | datagram[at + 2],
		msgId: (datagram[at + 3] << 8) | datagram[at + 4],
		data: datagram.subarray(at + 5, end),
	};
}

function checkTopicIdType(flags: number): TopicIdType {
	const topicIdType = sn.topicIdTypeOf(flags);
	if (topicIdType === -1) throw malformed("reserved TopicIdType 0b11");
	return topicIdType;
}

/** SUBSCRIBE/UNSUBSCRIBE end with a topic name, or two octets for a predefined id or short name. */
function topicRef(topicIdType: TopicIdType, r: ByteReader): TopicRef {
	if (topicIdType === sn.TOPIC_NORMAL) {
		const topicName = text(r);
		if (topicName === "") throw malformed("empty TopicName");
		return { topicIdType, topicName };
	}
	const topicId = r.u16();
	r.end();
	return { topicIdType, topicId };
}

/** Strings fill the rest of their message: no length prefix (5.2). */
function text(r: ByteReader): string {
	return r.utf8(r.remaining);
}

function malformed(message: string): ProtocolError {
	return new ProtocolError("MALFORMED_PACKET", message);
}
