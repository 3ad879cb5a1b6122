/**
 * The broker side of the tests: decoding what an MQTT client sends (CONNECT, SUBSCRIBE,
 * UNSUBSCRIBE) and encoding what only a broker sends (CONNACK, SUBACK), which the
 * firmware never does and so does not carry. Every other packet goes to the firmware's
 * decoder and encoder; the checks are the specification's MUSTs (3.1, 3.8, 3.10).
 */
import { ByteReader } from "../../src/common/bytes";
import { checkedId, decode, encodeInto, firstByte, PacketReader, varIntLength, writePublish, type TopicMemo } from "../../src/mqtt/codec";
import { encodeUtf8 } from "../../src/common/utf8";
import { type Packet, type QoS, type Subscription, type Will } from "../../src/mqtt/packet";
import { CONNACK, CONNECT, PUBLISH, SUBACK, SUBSCRIBE, UNSUBSCRIBE } from "./mqtt-types";
import { connectFlags, malformed, topic, topicFilters } from "./client-packet-fields";

/** Any MQTT 3.1.1 packet, whichever side sends it. */
export function decodeAny(bytes: Uint8Array, memo?: TopicMemo): Packet {
	const type = bytes[0] >> 4;
	if (type !== CONNECT && type !== SUBSCRIBE && type !== UNSUBSCRIBE) return decode(bytes, memo);
	// Framing and the fixed header's flags as the firmware's decoder checks them.
	let at = 1;
	let remaining = 0;
	for (let multiplier = 1; ; multiplier *= 128) {
		if (at >= bytes.length || at > 4) throw malformed("bad remaining length");
		remaining += (bytes[at] & 0x7f) * multiplier;
		if ((bytes[at++] & 0x80) === 0) break;
	}
	if (at + remaining !== bytes.length) throw malformed("remaining length does not match the packet size");
	if ((bytes[0] & 0x0f) !== (type === CONNECT ? 0 : 2)) throw malformed(`packet type ${type} with flags ${bytes[0] & 0x0f}`);
	const r = new ByteReader(bytes, "MQTT packet", at);
	if (type === CONNECT) return decodeConnect(r);
	const packetId = r.u16();
	if (packetId === 0) throw malformed("packet identifier 0");
	if (type === SUBSCRIBE) {
		const subscriptions: Subscription[] = [];
		do {
			const filter = topic(r, true);
			const qos = r.byte();
			if (qos > 2) throw malformed(`SUBSCRIBE QoS byte ${qos}`);
			subscriptions.push({ topic: filter, qos: qos as QoS });
		} while (r.remaining > 0);
		return { type: SUBSCRIBE, packetId, subscriptions };
	}
	return { type: UNSUBSCRIBE, packetId, topics: topicFilters(r) };
}

/** A stream reader for either side's packets. */
export function anyPacketReader(maxPacketSize: number): PacketReader {
	return new PacketReader(maxPacketSize, decodeAny);
}

/** Feeds `chunk` to `reader` and hands each packet it completes to `onPacket`, in order. */
export function feedPackets<T>(reader: PacketReader<T>, chunk: Uint8Array, onPacket: (packet: T) => void): void {
	reader.feed(chunk);
	for (let packet = reader.next(); packet !== undefined; packet = reader.next()) onPacket(packet);
}

/**
 * Any MQTT 3.1.1 packet, whichever side sends it, as bytes (3.2, 3.9 for a broker's own).
 * CONNECT, SUBSCRIBE and UNSUBSCRIBE by the firmware's encodeInto, PUBLISH by its
 * writePublish; the rest, which the firmware writes by code of its own (link.ts `ack`,
 * `empty`) or never, here.
 */
export function encodeAny(packet: Packet): Uint8Array {
	if (packet.type === CONNACK) return Uint8Array.of(0x20, 2, packet.sessionPresent ? 1 : 0, packet.returnCode);
	if (packet.type === CONNECT || packet.type === SUBSCRIBE || packet.type === UNSUBSCRIBE) {
		let bytes = new Uint8Array(0);
		encodeInto(packet, { offset: 0, reserve: (size) => (bytes = new Uint8Array(size)), commit: () => undefined });
		return bytes;
	}
	if (packet.type === PUBLISH) {
		// The topic as the session passes it, a length-prefixed field; unchecked, so a test can send a bad one.
		const text = encodeUtf8(packet.topic);
		const topic = Uint8Array.of(text.length >> 8, text.length & 0xff, ...text);
		const id = packet.qos > 0 ? checkedId(packet.packetId) : 0;
		const remaining = topic.length + (id ? 2 : 0) + packet.payload.length;
		const bytes = new Uint8Array(1 + varIntLength(remaining) + remaining);
		writePublish(bytes, 0, firstByte(packet), remaining, topic, id, packet.payload);
		return bytes;
	}
	if (packet.type !== SUBACK) {
		// A packet identifier alone (3.4-3.7, 3.11), or a fixed header alone (3.12-3.14).
		if (!("packetId" in packet)) return Uint8Array.of(firstByte(packet), 0);
		const id = checkedId(packet.packetId);
		return Uint8Array.of(firstByte(packet), 2, id >> 8, id & 0xff);
	}
	// A SUBACK with no return codes is a protocol violation (3.9.3).
	if (packet.returnCodes.length === 0) throw malformed("SUBACK without return codes");
	const body = [packet.packetId >> 8, packet.packetId & 0xff, ...packet.returnCodes];
	const header = [0x90];
	// The Remaining Length's variable integer (2.2.3).
	for (let n = body.length; ; n >>= 7) {
		header.push(n > 127 ? (n & 127) | 128 : n);
		if (n <= 127) break;
	}
	return Uint8Array.of(...header, ...body);
}

function decodeConnect(r: ByteReader): Packet {
	const name = string(r);
	const level = r.byte();
	const flags = r.byte();
	if (name !== "MQTT" || level !== 4) throw malformed(`protocol "${name}" level ${level}`);
	const { cleanSession, willFlag, willQos, willRetain, hasUsername, hasPassword } = connectFlags(flags, 4);
	const keepAlive = r.u16();
	const clientId = string(r);
	let will: Will | undefined;
	if (willFlag) will = { topic: topic(r, false), payload: r.bytes(r.u16()), qos: willQos, retain: willRetain };
	const username = hasUsername ? string(r) : undefined;
	const password = hasPassword ? r.bytes(r.u16()) : undefined;
	r.end();
	return { type: CONNECT, clientId, cleanSession, keepAlive, will, username, password };
}

function string(r: ByteReader): string {
	return r.utf8(r.u16());
}

