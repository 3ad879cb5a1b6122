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
import { Flags, MsgType, ProtocolId, TopicIdType, type Message, type QoS } from "./packet";

export function decode(datagram: Uint8Array, maxLength = 0xffff): Message {
	const size = datagram.length;
	if (size > maxLength) throw new ProtocolError("PACKET_TOO_LARGE", size + "-byte datagram, max " + maxLength);
	// Length in one octet, or 0x01 and two more (5.2.1); it must be the datagram's size.
	let length = datagram[0];
	let at = 1;
	if (length === 0x01) {
		length = (datagram[1] << 8) | datagram[2];
		at = 3;
	}
	if (length !== size || size <= at) throw malformed("Length " + length + " in a " + size + "-byte datagram");
	const type = datagram[at++];
	if (type === MsgType.PUBLISH) {
		// The message that arrives most, read in place: Flags, TopicId, MsgId, then data.
		if (size - at < 5) throw malformed("PUBLISH cut short");
		const flags = datagram[at];
		const qos = (flags >> 5) & 3;
		const topicIdType = checkTopicIdType(flags);
		return {
			type,
			dup: (flags & Flags.DUP) !== 0,
			qos: qos === 3 ? -1 : (qos as QoS),
			retain: (flags & Flags.RETAIN) !== 0,
			topicIdType,
			topicId: (datagram[at + 1] << 8) | datagram[at + 2],
			msgId: (datagram[at + 3] << 8) | datagram[at + 4],
			data: datagram.subarray(at + 5),
		};
	}
	const shape = sn.SHAPES[type];
	if (!shape) throw new ProtocolError("UNKNOWN_PACKET_TYPE", "reserved MsgType " + type);
	const r = new ByteReader(datagram, "MQTT-SN message", at, size);
	const message: Record<string, unknown> = { type };
	let topicIdType = TopicIdType.NORMAL;
	for (let i = 0; i < shape.length; i += 2) {
		const name = shape[i] as string;
		const kind = shape[i + 1] as number;
		if (kind & 8 && r.remaining === 0) break;
		let value: unknown;
		switch (kind & 7) {
			case 0:
				value = r.byte();
				break;
			case 1:
				value = r.u16();
				break;
			case 4: {
				const flags = r.byte();
				const bits = kind >> 4;
				if (bits & 1) message.dup = (flags & Flags.DUP) !== 0;
				if (bits & 2) {
					const qos = (flags >> 5) & 3;
					message.qos = (qos === 3 ? -1 : qos) as QoS;
				}
				if (bits & 4) message.retain = (flags & Flags.RETAIN) !== 0;
				if (bits & 8) message.will = (flags & Flags.WILL) !== 0;
				if (bits & 16) message.cleanSession = (flags & Flags.CLEAN_SESSION) !== 0;
				if (bits & 32) topicIdType = checkTopicIdType(flags);
				continue;
			}
			case 6:
				if (r.byte() !== ProtocolId.MQTT_SN_1_2) throw malformed("unknown ProtocolId");
				continue;
			case 5:
				// A topic name, or two octets for a predefined id or short name.
				if (topicIdType !== TopicIdType.NORMAL) {
					value = { topicIdType, topicId: r.u16() };
					break;
				}
				value = { topicIdType, topicName: text(r, "TopicName") };
				break;
			case 2:
				value = text(r, name);
				break;
			default:
				value = r.rest();
		}
		message[name] = value;
	}
	r.end();
	// WILLTOPIC and WILLTOPICUPD without flags and topic: no will (5.4.7).
	if (message.willTopic === void 0 && (type === MsgType.WILLTOPIC || type === MsgType.WILLTOPICUPD)) return { type, qos: 0, retain: false, willTopic: "" };
	return message as unknown as Message;
}

function checkTopicIdType(flags: number): TopicIdType {
	if ((flags & 3) === 3) throw malformed("reserved TopicIdType");
	return (flags & 3) as TopicIdType;
}

/** Strings fill the rest of their message (no length prefix, 5.2), and are never empty. */
function text(r: ByteReader, name: string): string {
	const value = r.utf8(r.remaining);
	if (value === "") throw malformed("empty " + name);
	return value;
}

function malformed(message: string): ProtocolError {
	return new ProtocolError("MALFORMED_PACKET", message);
}
