/**
 * The MQTT-SN codec, both directions in one module: they walk the same table. The header (5.2) is Length then
 * MsgType; Length counts the whole message including itself, in one octet up to 255 and
 * otherwise as 0x01 followed by two octets. The fields follow one table, SHAPES: one
 * description of each message, which the decoder walks, and the host's encoder of every
 * message too (testkit/portable/mqttsn-encode.ts), so the two directions cannot drift
 * apart. The device encodes only what a client sends, each from its fields (`frame`);
 * PUBLISH, sent most, has code of its own (and the acknowledgements, in lane.ts).
 *
 * Decoding checks the format of every field; binary fields (PUBLISH data, WILLMSG, GwAdd)
 * are views into the datagram, not copies. A datagram that is not exactly one
 * well-formed message is a ProtocolError: PACKET_TOO_LARGE over the caller's limit,
 * UNKNOWN_PACKET_TYPE for a reserved MsgType, MALFORMED_PACKET for everything else
 * (truncated, Length not the datagram's size, fields that do not fit their message).
 */
import { ProtocolError } from "../common/errors";
import { ByteReader } from "../common/bytes";
import { encodeUtf8 } from "../common/utf8";
import { Flags, MsgType, ProtocolId, ReturnCode, TopicIdType, type Message, type QoS } from "./packet";

/**
 * Each message's fields after MsgType, in wire order (5.4), indexed by MsgType (PUBLISH
 * has code of its own; "-" is a reserved type). Each field
 * is name:kind, the kinds being b one octet, w two octets, s UTF-8 to the end (not
 * empty), d octets to the end, f<bits> the Flags octet (bits: 1 DUP, 2 QoS, 4 Retain,
 * 8 Will, 16 CleanSession, 32 TopicIdType of the topic that follows), t that topic (a
 * name, or a predefined id or short name in two octets), p ProtocolId; a trailing ? says
 * the field, and what follows, may be absent, the message ending there. Written as text
 * and turned into numbers once, at load (on the device, when the image is built): the
 * text takes less flash than the arrays it becomes.
 */
// Indexed by MsgType, from ADVERTISE (0x00) to WILLMSGRESP (0x1d), "|" between messages:
// one string literal costs less flash than an array of thirty. The three fields that recur
// are one character each, spelled out at load: "<" msgId:w, "^" topicId:w, "!" returnCode:b.
const FIELDS = (
	"gwId:b duration:w|radius:b|gwId:b gwAdd:d?|-|:f24 :p duration:w clientId:s|!||:f6? willTopic:s||willMsg:d|^ < topicName:s|^ < !|-|^ < !|<|<|<|-|" +
	":f35 < topic:t|:f2 ^ < !|:f32 < topic:t|<|clientId:s?||duration:w?|-|:f6? willTopic:s|!|willMsg:d|!"
)
	.split("<")
	.join("msgId:w")
	.split("^")
	.join("topicId:w")
	.split("!")
	.join("returnCode:b")
	.split("|");

/**
 * The same table as the codec walks it: pairs of field name and kind number, kind 0-6
 * in the order of the letters "bwsdftp", | 8 when optional, a Flags octet's bits << 4.
 */
export const SHAPES: readonly (readonly (string | number)[] | undefined)[] = FIELDS.map((text) => {
	if (text === "-") return void 0;
	const shape: (string | number)[] = [];
	const fields = text === "" ? [] : text.split(" ");
	for (let i = 0; i < fields.length; i++) {
		const field = fields[i];
		const colon = field.indexOf(":");
		let kind = "bwsdftp".indexOf(field.charAt(colon + 1));
		let end = field.length;
		if (field.charAt(end - 1) === "?") {
			kind |= 8;
			end--;
		}
		if (end > colon + 2) kind |= Number(field.slice(colon + 2, end)) << 4;
		shape.push(field.slice(0, colon), kind);
	}
	return shape;
});

/**
 * PUBLISH straight from its fields, without a message object: what the client sends
 * most. `flags` as publishFlags builds them; `topicId` and `msgId` are written modulo
 * 65536. The one-octet Length is written out (every statement costs the device).
 */
export function encodePublish(flags: number, topicId: number, msgId: number, data: Uint8Array): Uint8Array {
	const size = data.length + 7;
	// The long Length (0x01 and two octets), for a payload over 248 octets: rare, so the general way.
	if (size > 0xff) return frame(MsgType.PUBLISH, [flags, topicId >> 8, topicId, msgId >> 8, msgId], data);
	const bytes = new Uint8Array(size);
	bytes[0] = size;
	bytes[1] = MsgType.PUBLISH;
	bytes[2] = flags;
	bytes[3] = topicId >> 8;
	bytes[4] = topicId;
	// A new array is zeros: QoS 0 has MsgId 0x0000.
	if (msgId) {
		bytes[5] = msgId >> 8;
		bytes[6] = msgId;
	}
	bytes.set(data, 7);
	return bytes;
}

/**
 * Any other message the client sends: its fixed fields as octets (each written modulo 256),
 * then what fills the rest of it (5.2), text as UTF-8 or octets. The client's few messages
 * are each a handful of octets and one such tail, so building them where they are sent
 * takes less flash than walking SHAPES; the host's encoder of every message walks the
 * table (testkit/portable/mqttsn-encode.ts) and is checked against the same vectors.
 */
export function frame(type: number, fields: readonly number[], rest?: string | Uint8Array): Uint8Array {
	const tail = typeof rest === "string" ? encodeUtf8(rest) : rest;
	const size = fields.length + (tail ? tail.length : 0);
	// Length and MsgType (5.2): Length in one octet, or 0x01 and two more.
	const total = size + 2 <= 0xff ? size + 2 : size + 4;
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
	const at = total - size;
	bytes.set(fields, at);
	if (tail) bytes.set(tail, at + fields.length);
	return bytes;
}

/**
 * WILLTOPIC or WILLTOPICUPD (5.4.7, 5.4.22) of a will (or a will update, which names the
 * same fields); none, or an empty topic, is the message without flags and topic: no will.
 */
export function encodeWillTopic(type: number, will: { readonly topic: string; readonly qos: QoS; readonly retain: boolean } | undefined): Uint8Array {
	return !will || will.topic === "" ? frame(type, []) : frame(type, [publishFlags(false, will.qos, will.retain, 0)], will.topic);
}

/** `maxLength`: the largest datagram accepted; without it, any (comparing with undefined is false). */
export function decode(datagram: Uint8Array, maxLength?: number): Message {
	const size = datagram.length;
	if (size > (maxLength as number)) throw new ProtocolError("PACKET_TOO_LARGE", size + "-byte datagram, max " + maxLength);
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
	const shape = SHAPES[type];
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

/**
 * A copy of an encoded PUBLISH or SUBSCRIBE with DUP set (its Flags octet follows Length, 1
 * or 3 octets, and MsgType). A copy, not the bytes themselves: the first send may still be
 * waiting in the transmit queue or in the board (Node's UDP send reads them a tick later),
 * and DUP is for retransmissions only.
 */
export function withDup(message: Uint8Array): Uint8Array {
	const copy = message.slice();
	copy[copy[0] === 0x01 ? 4 : 2] |= Flags.DUP;
	return copy;
}

/**
 * The Flags octet of a PUBLISH (or SUBSCRIBE, WILLTOPIC), its TopicIdType from `id`, a topic id
 * as topic-registry.ts holds it (the type above the two octets; 0 for a normal one): each caller
 * has the id, and reading the type here spares every one of them a call.
 */
export function publishFlags(dup: boolean, qos: QoS, retain: boolean, id: number): number {
	return (dup ? Flags.DUP : 0) | ((qos & 3) << 5) | (retain ? Flags.RETAIN : 0) | (id >> 16);
}

/** Names of the return codes, for error messages. */
export function returnCodeName(code: number): string {
	switch (code) {
		case ReturnCode.ACCEPTED:
			return "accepted";
		case ReturnCode.REJECTED_CONGESTION:
			return "rejected: congestion";
		case ReturnCode.REJECTED_INVALID_TOPIC_ID:
			return "rejected: invalid topic ID";
		case ReturnCode.REJECTED_NOT_SUPPORTED:
			return "rejected: not supported";
		default:
			return "return code " + code;
	}
}
