/**
 * MQTT 5.0 decoder for what a server sends a client (CONNACK, PUBLISH, the
 * acknowledgements, SUBACK, UNSUBACK, PINGRESP, DISCONNECT, AUTH): bytes -> packet
 * objects, with every format MUST of the specification: flags, reason codes per packet
 * (reason.ts), properties per packet (properties.ts). It plugs into codec.ts's
 * PacketReader, which frames the stream for both versions.
 */
import { ByteReader } from "../../common/bytes";
import { ProtocolError } from "../../common/errors";
import { malformed, topicName, type TopicMemo } from "../codec";
import { PacketType, type QoS } from "../packet";
import { AUTH, type Packet5 } from "./packet";
import { readProperties, readVariable } from "./properties";
import { reasonAllowed } from "./reason";

/** Decodes exactly one complete packet; MALFORMED_PACKET or PROTOCOL_VIOLATION for what 5.0 does not allow. */
export function decode5(bytes: Uint8Array, memo?: TopicMemo): Packet5 {
	const type = bytes[0] >> 4;
	const flags = bytes[0] & 0x0f;
	const r = new ByteReader(bytes, "MQTT 5 packet", 1);
	const remaining = readVariable(r);
	if (r.remaining !== remaining) throw malformed("remaining length mismatch");
	if (type === PacketType.PUBLISH) return decodePublish(bytes, r, flags, memo);
	if (flags !== (type === PacketType.PUBREL || type === PacketType.SUBSCRIBE || type === PacketType.UNSUBSCRIBE ? 2 : 0)) throw malformed(`type ${type} flags ${flags}`);
	const where = 1 << type;
	switch (type) {
		case PacketType.CONNACK: {
			const acknowledge = r.byte();
			const reasonCode = r.byte();
			if (acknowledge & 0xfe || (reasonCode !== 0 && acknowledge !== 0)) throw malformed("CONNACK flags");
			checkReason(type, reasonCode);
			const properties = readProperties(r, where);
			r.end();
			return { type, sessionPresent: acknowledge === 1, reasonCode, properties };
		}
		case PacketType.SUBACK:
		case PacketType.UNSUBACK: {
			const packetId = id(r);
			const properties = readProperties(r, where);
			const reasonCodes: number[] = [];
			do reasonCodes.push(checkReason(type, r.byte()));
			while (r.remaining > 0);
			return { type, packetId, properties, reasonCodes };
		}
		case PacketType.CONNECT:
		case PacketType.SUBSCRIBE:
		case PacketType.UNSUBSCRIBE:
			throw new ProtocolError("PROTOCOL_VIOLATION", `a server does not send packet type ${type}`);
		case 12:
		case 13:
			r.end();
			return { type };
		case 14:
		case AUTH: {
			// Left out entirely, the reason code is 0 and there are no properties (3.14.2.1, 3.15.2.1).
			const reasonCode = r.remaining > 0 ? checkReason(type, r.byte()) : 0;
			const properties = r.remaining > 0 ? readProperties(r, where) : {};
			r.end();
			return { type, reasonCode, properties };
		}
		default: {
			if (type < PacketType.PUBACK || type > PacketType.PUBCOMP) throw malformed(`reserved packet type ${type}`);
			const packetId = id(r);
			const reasonCode = r.remaining > 0 ? checkReason(type, r.byte()) : 0;
			const properties = r.remaining > 0 ? readProperties(r, where) : {};
			r.end();
			return { type: type as PacketType.PUBACK, packetId, reasonCode, properties };
		}
	}
}

function decodePublish(bytes: Uint8Array, r: ByteReader, flags: number, memo: TopicMemo | undefined): Packet5 {
	const qos = (flags >> 1) & 3;
	const dup = (flags & 8) !== 0;
	if (qos === 3 || (dup && qos === 0)) throw malformed("PUBLISH flags");
	const length = r.u16();
	const start = r.offset;
	r.bytes(length);
	const topic = length > 0 ? topicName(bytes, start, start + length, memo) : "";
	const packetId = qos ? id(r) : undefined;
	const properties = readProperties(r, 1 << PacketType.PUBLISH);
	// An empty Topic Name stands for the one a Topic Alias names (3.3.2.1).
	if (length === 0 && properties.topicAlias === undefined) throw new ProtocolError("PROTOCOL_VIOLATION", "PUBLISH with neither a topic name nor a topic alias");
	return { type: PacketType.PUBLISH, topic, payload: r.rest(), qos: qos as QoS, retain: (flags & 1) !== 0, dup, packetId, properties };
}

function id(r: ByteReader): number {
	const packetId = r.u16();
	if (packetId === 0) throw malformed("packet identifier 0");
	return packetId;
}

function checkReason(type: number, code: number): number {
	if (!reasonAllowed(type, code)) throw malformed(`reason code ${code} in packet type ${type}`);
	return code;
}
