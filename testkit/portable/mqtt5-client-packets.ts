/**
 * The broker side of the MQTT 5 tests: decoding what a client sends (CONNECT, SUBSCRIBE,
 * UNSUBSCRIBE), which the firmware never reads, and encoding what a server sends (and the
 * PUBLISHes and acknowledgements the firmware writes without the encoder), which the
 * firmware does not carry; every other packet goes to the firmware's v5 decoder and
 * encoder. Checks are the specification's MUSTs (3.1, 3.8, 3.10).
 */
import { ByteReader, ByteWriter } from "../../src/common/bytes";
import { ProtocolError } from "../../src/common/errors";
import { encodeUtf8 } from "../../src/common/utf8";
import { PacketReader, checkedId, firstByte, nonEmpty, varIntLength } from "../../src/mqtt/codec";
import { type QoS } from "../../src/mqtt/packet";
import { CONNACK, CONNECT, PINGREQ, PINGRESP, PUBACK, PUBCOMP, PUBLISH, PUBREC, PUBREL, SUBACK, SUBSCRIBE, UNSUBACK, UNSUBSCRIBE } from "./mqtt-types";
import { decode5 } from "../../src/mqtt/v5/decode";
import { encode5 } from "../../src/mqtt/v5/encode";
import type { Packet5, Subscription5, Will5 } from "../../src/mqtt/v5/packet";
import { IN_WILL, propertiesLength, readProperties, readVariable, stringLength, writeProperties, writeVariable, type Properties } from "../../src/mqtt/v5/properties";
import { connectFlags, malformed, topic, topicFilters } from "./client-packet-fields";

/** Any MQTT 5 packet, whichever side sends it. */
export function decodeAny5(bytes: Uint8Array): Packet5 {
	const type = bytes[0] >> 4;
	if (type !== CONNECT && type !== SUBSCRIBE && type !== UNSUBSCRIBE) return decode5(bytes);
	const r = new ByteReader(bytes, "MQTT 5 packet", 1);
	const remaining = readVariable(r);
	if (r.remaining !== remaining) throw malformed("remaining length mismatch");
	if ((bytes[0] & 0x0f) !== (type === CONNECT ? 0 : 2)) throw malformed(`packet type ${type} with flags ${bytes[0] & 0x0f}`);
	if (type === CONNECT) return decodeConnect(r);
	const packetId = r.u16();
	if (packetId === 0) throw malformed("packet identifier 0");
	const properties = readProperties(r, 1 << type);
	if (type === SUBSCRIBE) {
		const subscriptions: Subscription5[] = [];
		do {
			const filter = topic(r, true);
			const options = r.byte();
			const qos = options & 3;
			const retainHandling = (options >> 4) & 3;
			// Reserved bits, QoS 3, Retain Handling 3 (3.8.3.1).
			if (options & 0xc0 || qos === 3 || retainHandling === 3) throw malformed(`subscription options ${options}`);
			subscriptions.push({ topic: filter, qos: qos as QoS, noLocal: (options & 4) !== 0, retainAsPublished: (options & 8) !== 0, retainHandling: retainHandling as 0 | 1 | 2 });
		} while (r.remaining > 0);
		return { type: SUBSCRIBE, packetId, properties, subscriptions };
	}
	return { type: UNSUBSCRIBE, packetId, properties, topics: topicFilters(r) };
}

/** A stream reader for either side's MQTT 5 packets. */
export function anyPacketReader5(maxPacketSize: number): PacketReader<Packet5> {
	return new PacketReader<Packet5>(maxPacketSize, decodeAny5);
}

/** Any MQTT 5 packet, whichever side sends it, as bytes, each in its shortest form. */
export function encodeAny5(packet: Packet5): Uint8Array {
	const empty = new Uint8Array(0);
	switch (packet.type) {
		case CONNACK:
			return framed(firstByte(packet), [packet.sessionPresent ? 1 : 0, packet.reasonCode], packet.properties, empty);
		case PUBLISH: {
			if (packet.qos !== 0 && packet.qos !== 1 && packet.qos !== 2) throw new ProtocolError("PROTOCOL_VIOLATION", `QoS ${packet.qos} does not exist`);
			stringLength(packet.topic);
			const name = encodeUtf8(packet.topic);
			const id = packet.qos ? checkedId(packet.packetId) : undefined;
			const head = [name.length >> 8, name.length & 0xff, ...name, ...(id === undefined ? [] : [id >> 8, id & 0xff])];
			return framed(firstByte(packet), head, packet.properties, packet.payload);
		}
		case PUBACK:
		case PUBREC:
		case PUBREL:
		case PUBCOMP: {
			// The identifier alone for success without properties (3.4.2.1), then the reason code, then the properties.
			const id = checkedId(packet.packetId);
			const withProperties = propertiesLength(packet.properties, 1 << packet.type) > 0;
			if (!withProperties) return framed(firstByte(packet), packet.reasonCode === 0 ? [id >> 8, id & 0xff] : [id >> 8, id & 0xff, packet.reasonCode], undefined, empty);
			return framed(firstByte(packet), [id >> 8, id & 0xff, packet.reasonCode], packet.properties, empty);
		}
		case SUBACK:
		case UNSUBACK: {
			const id = checkedId(packet.packetId);
			return framed(firstByte(packet), [id >> 8, id & 0xff], packet.properties, Uint8Array.from(nonEmpty(packet.reasonCodes)));
		}
		case PINGREQ:
		case PINGRESP:
			return Uint8Array.of(packet.type << 4, 0);
		default:
			return encode5(packet);
	}
}

/** A fixed header (`first`, then the Remaining Length), `head`, the Properties when given (Property Length first), then `tail`. */
function framed(first: number, head: readonly number[], properties: Properties | undefined, tail: Uint8Array): Uint8Array {
	const where = 1 << (first >> 4);
	const props = properties ? propertiesLength(properties, where) : 0;
	const length = head.length + (properties ? varIntLength(props) + props : 0) + tail.length;
	const bytes = new Uint8Array(1 + varIntLength(length) + length);
	const w = new ByteWriter(bytes);
	w.byte(first);
	writeVariable(w, length);
	for (const byte of head) w.byte(byte);
	if (properties) writeProperties(w, properties, props);
	w.bytes(tail);
	return bytes;
}

function decodeConnect(r: ByteReader): Packet5 {
	const name = r.utf8(r.u16());
	const level = r.byte();
	const flags = r.byte();
	if (name !== "MQTT" || level !== 5) throw malformed(`protocol "${name}" level ${level}`);
	const { cleanSession, willFlag, willQos, willRetain, hasUsername, hasPassword } = connectFlags(flags, 5);
	const keepAlive = r.u16();
	const properties = readProperties(r, 1 << CONNECT);
	const clientId = r.utf8(r.u16());
	let will: Will5 | undefined;
	if (willFlag) {
		const willProperties = readProperties(r, IN_WILL);
		will = { properties: willProperties, topic: topic(r, false), payload: r.bytes(r.u16()), qos: willQos, retain: willRetain };
	}
	const username = hasUsername ? r.utf8(r.u16()) : undefined;
	const password = hasPassword ? r.bytes(r.u16()) : undefined;
	r.end();
	return { type: CONNECT, clientId, cleanStart: cleanSession, keepAlive, properties, will, username, password };
}

