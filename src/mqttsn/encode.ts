/**
 * MQTT-SN message encoder: message objects -> one datagram each. The header (5.2) is
 * Length then MsgType; Length counts the whole message including itself, in one octet
 * up to 255 and otherwise as 0x01 followed by two octets. The fields follow the table
 * the decoder reads too (SHAPES in packet.ts): one description of each message, so the
 * two directions cannot drift apart, and less code in flash than a case per message.
 */
import { ProtocolError } from "../common/errors";
import { ByteWriter } from "../common/bytes";
import { utf8Length } from "../common/utf8";
import * as sn from "./packet";
import { PUBLISH, type Message, type QoS, type TopicRef } from "./packet";

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

/** PUBACK or REGACK from its fields: what the client answers most. */
export function encodeAck(type: number, topicId: number, msgId: number, returnCode: number): Uint8Array {
	return Uint8Array.of(7, type, topicId >> 8, topicId & 0xff, msgId >> 8, msgId & 0xff, returnCode);
}

/** PUBREC, PUBREL or PUBCOMP from its message id. */
export function encodeMsgId(type: number, msgId: number): Uint8Array {
	return Uint8Array.of(4, type, msgId >> 8, msgId & 0xff);
}

export function encode(message: Message): Uint8Array {
	if (message.type === PUBLISH)
		return encodePublish(sn.publishFlags(message.dup, message.qos, message.retain, message.topicIdType), message.topicId, message.msgId, message.data);
	const body = bodyLength(message);
	const bytes = header(body, message.type);
	const w = new ByteWriter(bytes, bytes.length - body);
	const fields = message as unknown as Record<string, unknown>;
	const shape = sn.SHAPES[message.type] as readonly (string | number)[];
	for (let i = 0; i < shape.length && w.offset < bytes.length; i += 2) {
		const value = fields[shape[i] as string];
		const kind = shape[i + 1] as number;
		switch (kind & 7) {
			case 0:
				w.byte(value as number);
				break;
			case 1:
				w.u16(value as number);
				break;
			case 2:
				w.utf8(value as string);
				break;
			case 3:
				w.bytes(value as Uint8Array);
				break;
			case 4: {
				const bits = kind >> 4;
				let flags = 0;
				if (bits & 1 && fields.dup) flags |= sn.DUP;
				if (bits & 2) flags |= sn.qosBits(fields.qos as QoS);
				if (bits & 4 && fields.retain) flags |= sn.RETAIN;
				if (bits & 8 && fields.will) flags |= sn.WILL;
				if (bits & 16 && fields.cleanSession) flags |= sn.CLEAN_SESSION;
				if (bits & 32) flags |= (fields.topic as TopicRef).topicIdType;
				w.byte(flags);
				break;
			}
			case 5: {
				const topic = value as TopicRef;
				if (topic.topicIdType === sn.TOPIC_NORMAL) w.utf8(topic.topicName);
				else w.u16(topic.topicId);
				break;
			}
			default:
				w.byte(sn.PROTOCOL_ID);
		}
	}
	return bytes;
}

/** A message of `body` bytes after its header, with Length and MsgType written (5.2). */
function header(body: number, type: number): Uint8Array {
	const total = withHeader(body);
	if (total > sn.MAX_MESSAGE_LENGTH) throw new ProtocolError("PACKET_TOO_LARGE", `${total}-byte message`);
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

/** The octets after MsgType; an optional field left out (undefined, or no will topic) ends the message there. */
function bodyLength(message: Message): number {
	if (message.type === PUBLISH) return 5 + message.data.length;
	const fields = message as unknown as Record<string, unknown>;
	const shape = sn.SHAPES[message.type] as readonly (string | number)[];
	let length = 0;
	for (let i = 0; i < shape.length; i += 2) {
		const name = shape[i] as string;
		const kind = shape[i + 1] as number;
		if (kind & 8 && (name === "" ? fields.willTopic === "" : fields[name] === undefined)) break;
		const value = fields[name];
		switch (kind & 7) {
			case 1:
				length += 2;
				break;
			case 2:
				length += stringLength(value as string);
				break;
			case 3:
				length += (value as Uint8Array).length;
				break;
			case 5: {
				const topic = value as TopicRef;
				length += topic.topicIdType === sn.TOPIC_NORMAL ? stringLength(topic.topicName) : 2;
				break;
			}
			default:
				length++;
		}
	}
	return length;
}

/** Strings fill the rest of their message: no length prefix (5.2). */
function stringLength(text: string): number {
	const length = utf8Length(text);
	if (length < 0) throw new ProtocolError("MALFORMED_PACKET", "string holds a lone surrogate");
	return length;
}
