/**
 * MQTT-SN message encoder: message objects -> one datagram each. The header (5.2) is
 * Length then MsgType; Length counts the whole message including itself, in one octet
 * up to 255 and otherwise as 0x01 followed by two octets.
 */
import { ProtocolError } from "../common/errors";
import { ByteWriter } from "../common/bytes";
import { utf8Length } from "../common/utf8";
import { CLEAN_SESSION, DUP, RETAIN, WILL, publishFlags, qosBits } from "./flags";
import * as sn from "./packet";
import { PUBLISH, type Message, type TopicRef } from "./packet";

/** Total encoded size of `message`, header included. */
export function encodedLength(message: Message): number {
	return withHeader(bodyLength(message));
}

/**
 * PUBLISH straight from its fields, without a message object: what the client sends
 * most. `flags` as publishFlags builds them.
 */
export function encodePublish(flags: number, topicId: number, msgId: number, data: Uint8Array): Uint8Array {
	const total = data.length + 7;
	let bytes: Uint8Array;
	let at = 2;
	// The short header inline: this runs for every message sent.
	if (total <= 0xff) {
		bytes = new Uint8Array(total);
		bytes[0] = total;
		bytes[1] = PUBLISH;
	} else {
		bytes = header(total - 2, PUBLISH);
		at = 4;
	}
	bytes[at] = flags;
	bytes[at + 1] = topicId >> 8;
	bytes[at + 2] = topicId & 0xff;
	bytes[at + 3] = msgId >> 8;
	bytes[at + 4] = msgId & 0xff;
	bytes.set(data, at + 5);
	return bytes;
}

export function encode(message: Message): Uint8Array {
	if (message.type === PUBLISH)
		return encodePublish(publishFlags(message.dup, message.qos, message.retain, message.topicIdType), message.topicId, message.msgId, message.data);
	const body = bodyLength(message);
	const bytes = header(body, message.type);
	writeBody(message, new ByteWriter(bytes, bytes.length - body));
	return bytes;
}

/** A message of `body` bytes after its header, with Length and MsgType written (5.2). */
function header(body: number, type: number): Uint8Array {
	const total = withHeader(body);
	if (total > sn.MAX_MESSAGE_LENGTH) throw new ProtocolError("PACKET_TOO_LARGE", `message of ${total} bytes is over the MQTT-SN maximum of ${sn.MAX_MESSAGE_LENGTH}`);
	const bytes = new Uint8Array(total);
	if (total <= 0xff) {
		bytes[0] = total;
		bytes[1] = type;
	} else {
		bytes[0] = 0x01;
		bytes[1] = total >> 8;
		bytes[2] = total & 0xff;
		bytes[3] = type;
	}
	return bytes;
}

function withHeader(body: number): number {
	return body + 2 <= 0xff ? body + 2 : body + 4;
}

function bodyLength(message: Message): number {
	switch (message.type) {
		case sn.ADVERTISE:
			return 3;
		case sn.SEARCHGW:
			return 1;
		case sn.GWINFO:
			return 1 + (message.gwAdd?.length ?? 0);
		case sn.CONNECT:
			return 4 + stringLength(message.clientId);
		case sn.CONNACK:
		case sn.WILLTOPICRESP:
		case sn.WILLMSGRESP:
			return 1;
		case sn.WILLTOPICREQ:
		case sn.WILLMSGREQ:
		case sn.PINGRESP:
			return 0;
		case sn.WILLTOPIC:
		case sn.WILLTOPICUPD:
			return message.willTopic === "" ? 0 : 1 + stringLength(message.willTopic);
		case sn.WILLMSG:
		case sn.WILLMSGUPD:
			return message.willMsg.length;
		case sn.REGISTER:
			return 4 + stringLength(message.topicName);
		case sn.REGACK:
		case sn.PUBACK:
			return 5;
		case sn.PUBLISH:
			return 5 + message.data.length;
		case sn.PUBCOMP:
		case sn.PUBREC:
		case sn.PUBREL:
		case sn.UNSUBACK:
			return 2;
		case sn.SUBSCRIBE:
		case sn.UNSUBSCRIBE:
			return 3 + topicRefLength(message.topic);
		case sn.SUBACK:
			return 6;
		case sn.PINGREQ:
			return message.clientId === undefined ? 0 : stringLength(message.clientId);
		case sn.DISCONNECT:
			return message.duration === undefined ? 0 : 2;
	}
}

function writeBody(message: Message, w: ByteWriter): void {
	switch (message.type) {
		case sn.ADVERTISE:
			w.byte(message.gwId);
			w.u16(message.duration);
			return;
		case sn.SEARCHGW:
			w.byte(message.radius);
			return;
		case sn.GWINFO:
			w.byte(message.gwId);
			if (message.gwAdd) w.bytes(message.gwAdd);
			return;
		case sn.CONNECT:
			w.byte((message.will ? WILL : 0) | (message.cleanSession ? CLEAN_SESSION : 0));
			w.byte(sn.PROTOCOL_ID);
			w.u16(message.duration);
			w.utf8(message.clientId);
			return;
		case sn.CONNACK:
		case sn.WILLTOPICRESP:
		case sn.WILLMSGRESP:
			w.byte(message.returnCode);
			return;
		case sn.WILLTOPICREQ:
		case sn.WILLMSGREQ:
		case sn.PINGRESP:
			return;
		case sn.WILLTOPIC:
		case sn.WILLTOPICUPD:
			if (message.willTopic === "") return;
			w.byte(qosBits(message.qos) | (message.retain ? RETAIN : 0));
			w.utf8(message.willTopic);
			return;
		case sn.WILLMSG:
		case sn.WILLMSGUPD:
			w.bytes(message.willMsg);
			return;
		case sn.REGISTER:
			w.u16(message.topicId);
			w.u16(message.msgId);
			w.utf8(message.topicName);
			return;
		case sn.REGACK:
		case sn.PUBACK:
			w.u16(message.topicId);
			w.u16(message.msgId);
			w.byte(message.returnCode);
			return;
		case sn.PUBCOMP:
		case sn.PUBREC:
		case sn.PUBREL:
		case sn.UNSUBACK:
			w.u16(message.msgId);
			return;
		case sn.SUBSCRIBE:
			w.byte((message.dup ? DUP : 0) | qosBits(message.qos) | message.topic.topicIdType);
			w.u16(message.msgId);
			writeTopicRef(message.topic, w);
			return;
		case sn.UNSUBSCRIBE:
			w.byte(message.topic.topicIdType);
			w.u16(message.msgId);
			writeTopicRef(message.topic, w);
			return;
		case sn.SUBACK:
			w.byte(qosBits(message.qos));
			w.u16(message.topicId);
			w.u16(message.msgId);
			w.byte(message.returnCode);
			return;
		case sn.PINGREQ:
			if (message.clientId !== undefined) w.utf8(message.clientId);
			return;
		case sn.DISCONNECT:
			if (message.duration !== undefined) w.u16(message.duration);
			return;
	}
}

function topicRefLength(topic: TopicRef): number {
	return topic.topicIdType === sn.TOPIC_NORMAL ? stringLength(topic.topicName) : 2;
}

function writeTopicRef(topic: TopicRef, w: ByteWriter): void {
	if (topic.topicIdType === sn.TOPIC_NORMAL) w.utf8(topic.topicName);
	else w.u16(topic.topicId);
}

/** Strings fill the rest of their message: no length prefix (5.2). */
function stringLength(text: string): number {
	const length = utf8Length(text);
	if (length < 0) throw new ProtocolError("MALFORMED_PACKET", "string holds a lone surrogate");
	return length;
}
