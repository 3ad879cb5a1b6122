/**
 * MQTT 5.0 packet encoder for the packets a client sends with properties of its choosing:
 * CONNECT, SUBSCRIBE, UNSUBSCRIBE, DISCONNECT (and AUTH, which shares DISCONNECT's form),
 * each in its shortest form (a DISCONNECT with reason code 0 and no properties is a fixed
 * header alone, 3.14.2.1). The session writes its PUBLISHes (session5.ts) and its
 * acknowledgements and PINGREQ as 3.1.1 does; what only a server sends, the tests'
 * broker side writes (testkit/portable/mqtt5-client-packets.ts).
 */
import { ByteWriter } from "../../common/bytes";
import { ProtocolError } from "../../common/errors";
import { checkedId, firstByte, nonEmpty, varIntLength } from "../codec";
import { PacketType, Wire } from "../packet";
import type { Connect5, Disconnect5, Subscribe5, Unsubscribe5 } from "./packet";
import { IN_WILL, binaryLength, propertiesLength, string, stringLength, writeProperties, writeVariable } from "./properties";

export type ClientPacket5 = Connect5 | Subscribe5 | Unsubscribe5 | Disconnect5;

export function encode5(packet: ClientPacket5): Uint8Array {
	const type = packet.type;
	const where = 1 << type;
	// The properties' content, then everything else the Remaining Length counts.
	const props = propertiesLength(packet.properties, where);
	let willProps = 0;
	let length = props + varIntLength(props);
	switch (packet.type) {
		case PacketType.CONNECT: {
			// Protocol Name, Version, Connect Flags, Keep Alive (3.1.2), then the payload.
			length += 10 + 2 + stringLength(packet.clientId);
			const will = packet.will;
			if (will) {
				willProps = propertiesLength(will.properties, IN_WILL);
				length += willProps + varIntLength(willProps) + 4 + stringLength(will.topic) + binaryLength(will.payload);
			}
			if (packet.username !== undefined) length += 2 + stringLength(packet.username);
			if (packet.password !== undefined) length += 2 + binaryLength(packet.password);
			break;
		}
		case PacketType.SUBSCRIBE:
			length += 2;
			for (const s of nonEmpty(packet.subscriptions)) length += 3 + stringLength(s.topic);
			break;
		case PacketType.UNSUBSCRIBE:
			length += 2;
			for (const topic of nonEmpty(packet.topics)) length += 2 + stringLength(topic);
			break;
		default:
			// DISCONNECT, AUTH: reason code and properties may both be left out when they are 0 and none (3.14.2.1, 3.15.2.1).
			length = props === 0 && packet.reasonCode === 0 ? 0 : 1 + length;
	}
	if (length > Wire.MAX_REMAINING_LENGTH) throw new ProtocolError("PACKET_TOO_LARGE", `remaining length ${length}`);
	const bytes = new Uint8Array(1 + varIntLength(length) + length);
	const w = new ByteWriter(bytes);
	w.byte(firstByte(packet));
	writeVariable(w, length);
	switch (packet.type) {
		case PacketType.CONNECT: {
			// "MQTT", Protocol Version 5 (3.1.2.1, 3.1.2.2).
			w.u32(0x00044d51);
			w.u16(0x5454);
			w.byte(5);
			const will = packet.will;
			let flags = packet.cleanStart ? 0x02 : 0;
			if (will) flags |= 0x04 | (will.qos << 3) | (will.retain ? 0x20 : 0);
			if (packet.password !== undefined) flags |= 0x40;
			if (packet.username !== undefined) flags |= 0x80;
			w.byte(flags);
			w.u16(packet.keepAlive);
			writeProperties(w, packet.properties, props);
			string(w, packet.clientId);
			if (will) {
				writeProperties(w, will.properties, willProps);
				string(w, will.topic);
				w.u16(will.payload.length);
				w.bytes(will.payload);
			}
			if (packet.username !== undefined) string(w, packet.username);
			if (packet.password !== undefined) {
				w.u16(packet.password.length);
				w.bytes(packet.password);
			}
			break;
		}
		case PacketType.SUBSCRIBE:
			w.u16(checkedId(packet.packetId));
			writeProperties(w, packet.properties, props);
			for (const s of packet.subscriptions) {
				string(w, s.topic);
				w.byte(s.qos | (s.noLocal ? 4 : 0) | (s.retainAsPublished ? 8 : 0) | (s.retainHandling << 4));
			}
			break;
		case PacketType.UNSUBSCRIBE:
			w.u16(checkedId(packet.packetId));
			writeProperties(w, packet.properties, props);
			for (const topic of packet.topics) string(w, topic);
			break;
		default:
			if (length === 0) break;
			w.byte(packet.reasonCode);
			writeProperties(w, packet.properties, props);
	}
	return bytes;
}
