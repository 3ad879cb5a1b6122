/**
 * The host's MQTT-SN encoder of every message, gateway's and client's alike, for the test
 * gateways, the gateway tool and the suites: it walks the table the device's decoder walks
 * (SHAPES, src/mqttsn/encode.ts), so what it writes is what the device reads. The device
 * itself builds only the client's messages, each from its fields (`frame`), and the codec
 * suite checks both against the specification's vectors.
 */
import { encodeUtf8 } from "../../src/common/utf8";
import { encodePublish, frame, publishFlags, SHAPES } from "../../src/mqttsn/encode";
import { Flags, MsgType, ProtocolId, TopicIdType, type Message, type QoS, type TopicRef } from "../../src/mqttsn/packet";

/** Any message; an optional field left out (undefined, or no will topic) ends the message there. */
export function encode(message: Message): Uint8Array {
	const type = message.type;
	if (type === MsgType.PUBLISH) return encodePublish(publishFlags(message.dup, message.qos, message.retain, message.topicIdType << 16), message.topicId, message.msgId, message.data);
	const fields = message as unknown as Record<string, unknown>;
	const shape = SHAPES[type] as readonly (string | number)[];
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
	return frame(type, body);
}

/** The two octets of a topic id as the registry holds it (its TopicIdType above them, topic-registry.ts). */
export function topicId(id: number): number {
	return id & 0xffff;
}
