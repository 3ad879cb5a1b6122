/**
 * MQTT-SN message decoder: one datagram -> one message object, checking the format of
 * every field. Binary fields (PUBLISH data, WILLMSG, GwAdd) are views into the datagram,
 * not copies. A datagram that is not exactly one well-formed message is a ProtocolError:
 * PACKET_TOO_LARGE over the caller's limit, UNKNOWN_PACKET_TYPE for a reserved MsgType,
 * MALFORMED_PACKET for everything else (truncated, Length not the datagram's size,
 * fields that do not fit their message).
 */
import { ProtocolError } from "../common/errors";
import { ByteReader } from "../common/bytes";
import { CLEAN_SESSION, DUP, RETAIN, WILL, qosOf, topicIdTypeOf } from "./flags";
import * as sn from "./packet";
import type { Message, PublishMessage, TopicIdType, TopicRef } from "./packet";

export function decode(datagram: Uint8Array, maxLength = sn.MAX_MESSAGE_LENGTH): Message {
	const size = datagram.length;
	if (size > maxLength) throw new ProtocolError("PACKET_TOO_LARGE", `datagram of ${size} bytes is over the ${maxLength}-byte maximum`);
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
	const r = new ByteReader(datagram, "MQTT-SN message", start + 1, size);
	switch (type) {
		case sn.ADVERTISE: {
			const gwId = r.byte();
			const duration = r.u16();
			r.end();
			return { type, gwId, duration };
		}
		case sn.SEARCHGW: {
			const radius = r.byte();
			r.end();
			return { type, radius };
		}
		case sn.GWINFO: {
			const gwId = r.byte();
			const gwAdd = r.rest();
			return gwAdd.length > 0 ? { type, gwId, gwAdd } : { type, gwId };
		}
		case sn.CONNECT: {
			const flags = r.byte();
			const protocolId = r.byte();
			if (protocolId !== sn.PROTOCOL_ID) throw malformed(`CONNECT with ProtocolId ${protocolId}`);
			const duration = r.u16();
			const clientId = text(r);
			if (clientId === "") throw malformed("CONNECT without a ClientId");
			return { type, will: (flags & WILL) !== 0, cleanSession: (flags & CLEAN_SESSION) !== 0, duration, clientId };
		}
		case sn.CONNACK:
		case sn.WILLTOPICRESP:
		case sn.WILLMSGRESP: {
			const returnCode = r.byte();
			r.end();
			return { type, returnCode };
		}
		case sn.WILLTOPICREQ:
		case sn.WILLMSGREQ:
		case sn.PINGRESP:
			r.end();
			return { type };
		case sn.WILLTOPIC:
		case sn.WILLTOPICUPD: {
			if (r.remaining === 0) return { type, qos: 0, retain: false, willTopic: "" };
			const flags = r.byte();
			const willTopic = text(r);
			if (willTopic === "") throw malformed("will flags without a will topic");
			return { type, qos: qosOf(flags), retain: (flags & RETAIN) !== 0, willTopic };
		}
		case sn.WILLMSG:
		case sn.WILLMSGUPD:
			return { type, willMsg: r.rest() };
		case sn.REGISTER: {
			const topicId = r.u16();
			const msgId = r.u16();
			const topicName = text(r);
			if (topicName === "") throw malformed("REGISTER without a TopicName");
			return { type, topicId, msgId, topicName };
		}
		case sn.REGACK:
		case sn.PUBACK: {
			const topicId = r.u16();
			const msgId = r.u16();
			const returnCode = r.byte();
			r.end();
			return { type, topicId, msgId, returnCode };
		}
		case sn.PUBCOMP:
		case sn.PUBREC:
		case sn.PUBREL:
		case sn.UNSUBACK: {
			const msgId = r.u16();
			r.end();
			return { type, msgId };
		}
		case sn.SUBSCRIBE: {
			const flags = r.byte();
			const msgId = r.u16();
			return { type, dup: (flags & DUP) !== 0, qos: qosOf(flags), msgId, topic: topicRef(checkTopicIdType(flags), r) };
		}
		case sn.UNSUBSCRIBE: {
			const flags = r.byte();
			const msgId = r.u16();
			return { type, msgId, topic: topicRef(checkTopicIdType(flags), r) };
		}
		case sn.SUBACK: {
			const flags = r.byte();
			const topicId = r.u16();
			const msgId = r.u16();
			const returnCode = r.byte();
			r.end();
			return { type, qos: qosOf(flags), topicId, msgId, returnCode };
		}
		case sn.PINGREQ:
			return r.remaining === 0 ? { type } : { type, clientId: text(r) };
		case sn.DISCONNECT: {
			if (r.remaining === 0) return { type };
			const duration = r.u16();
			r.end();
			return { type, duration };
		}
		default:
			throw new ProtocolError("UNKNOWN_PACKET_TYPE", `MsgType 0x${type.toString(16)} is reserved`);
	}
}

/** PUBLISH, the message that arrives most, read in place: Flags, TopicId, MsgId, then data. */
function publish(datagram: Uint8Array, at: number, end: number): PublishMessage {
	if (end - at < 5) throw malformed("PUBLISH ends inside a field");
	const flags = datagram[at];
	return {
		type: sn.PUBLISH,
		dup: (flags & DUP) !== 0,
		qos: qosOf(flags),
		retain: (flags & RETAIN) !== 0,
		topicIdType: checkTopicIdType(flags),
		topicId: (datagram[at + 1] << 8) | datagram[at + 2],
		msgId: (datagram[at + 3] << 8) | datagram[at + 4],
		data: datagram.subarray(at + 5, end),
	};
}

function checkTopicIdType(flags: number): TopicIdType {
	const topicIdType = topicIdTypeOf(flags);
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
