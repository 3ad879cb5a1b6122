/**
 * MQTT-SN message encoder: message objects -> one datagram each. The header (5.2) is
 * Length then MsgType; Length counts the whole message including itself, in one octet
 * up to 255 and otherwise as 0x01 followed by two octets. The fields follow the table
 * the decoder reads too (SHAPES in packet.ts): one description of each message, so the
 * two directions cannot drift apart, and less code in flash than a case per message.
 * The body is gathered in one pass into an array, then copied behind its header.
 */
import { ProtocolError } from "../common/errors";
import { encodeUtf8 } from "../common/utf8";
import * as sn from "./packet";
import { Flags, MsgType, ProtocolId, TopicIdType, type Message, type QoS, type TopicRef } from "./packet";

/** Total encoded size of `message`, header included. */
export function encodedLength(message: Message): number {
	return encode(message).length;
}

/**
 * PUBLISH straight from its fields, without a message object: what the client sends
 * most. `flags` as publishFlags builds them.
 */
export function encodePublish(flags: number, topicId: number, msgId: number, data: Uint8Array): Uint8Array {
	const bytes = header(data.length + 5, MsgType.PUBLISH);
	const at = bytes.length - data.length - 5;
	bytes[at] = flags;
	bytes[at + 1] = topicId >> 8;
	bytes[at + 2] = topicId;
	bytes[at + 3] = msgId >> 8;
	bytes[at + 4] = msgId;
	bytes.set(data, at + 5);
	return bytes;
}

/** PUBACK or REGACK from its fields: what the client answers most. */
export function encodeAck(type: number, topicId: number, msgId: number, returnCode: number): Uint8Array {
	return Uint8Array.of(7, type, topicId >> 8, topicId, msgId >> 8, msgId, returnCode);
}

/** PUBREC, PUBREL or PUBCOMP from its message id. */
export function encodeMsgId(type: number, msgId: number): Uint8Array {
	return Uint8Array.of(4, type, msgId >> 8, msgId);
}

/** Any message; an optional field left out (undefined, or no will topic) ends the message there. */
export function encode(message: Message): Uint8Array {
	const type = message.type;
	if (type === MsgType.PUBLISH) return encodePublish(sn.publishFlags(message.dup, message.qos, message.retain, message.topicIdType), message.topicId, message.msgId, message.data);
	const fields = message as unknown as Record<string, unknown>;
	const shape = sn.SHAPES[type] as readonly (string | number)[];
	const body: number[] = [];
	for (let i = 0; i < shape.length; i += 2) {
		const name = shape[i] as string;
		const kind = shape[i + 1] as number;
		let value = fields[name] as number | string | Uint8Array | TopicRef;
		if (kind & 8 && (name === "" ? fields.willTopic === "" : value === void 0)) break;
		switch (kind & 7) {
			case 0:
				body.push(value as number);
				continue;
			case 1:
				body.push((value as number) >> 8, (value as number) & 0xff);
				continue;
			case 4: {
				const bits = kind >> 4;
				let flags = 0;
				if (bits & 1 && fields.dup) flags = Flags.DUP;
				if (bits & 2) flags |= ((fields.qos as QoS) & 3) << 5;
				if (bits & 4 && fields.retain) flags |= Flags.RETAIN;
				if (bits & 8 && fields.will) flags |= Flags.WILL;
				if (bits & 16 && fields.cleanSession) flags |= Flags.CLEAN_SESSION;
				if (bits & 32) flags |= (fields.topic as TopicRef).topicIdType;
				body.push(flags);
				continue;
			}
			case 5: {
				// A topic name, or two octets for a predefined id or short name.
				const topic = value as TopicRef;
				if (topic.topicIdType !== TopicIdType.NORMAL) {
					body.push(topic.topicId >> 8, topic.topicId & 0xff);
					continue;
				}
				value = topic.topicName;
				break;
			}
			case 6:
				body.push(ProtocolId.MQTT_SN_1_2);
				continue;
		}
		// Text (UTF-8) or octets, to the end of the message.
		if (typeof value === "string") value = encodeUtf8(value);
		for (let j = 0; j < (value as Uint8Array).length; j++) body.push((value as Uint8Array)[j]);
	}
	const bytes = header(body.length, type);
	bytes.set(body, bytes.length - body.length);
	return bytes;
}

/** A message of `body` bytes after its header, with Length and MsgType written (5.2). */
function header(body: number, type: number): Uint8Array {
	const total = body + 2 <= 0xff ? body + 2 : body + 4;
	if (total > 0xffff) throw new ProtocolError("PACKET_TOO_LARGE", total + "-byte message");
	const bytes = new Uint8Array(total);
	if (total <= 0xff) {
		bytes[0] = total;
		bytes[1] = type;
	} else {
		bytes[0] = 0x01;
		bytes[1] = total >> 8;
		bytes[2] = total;
		bytes[3] = type;
	}
	return bytes;
}
