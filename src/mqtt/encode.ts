/**
 * MQTT 3.1.1 packet encoder: packet objects -> bytes. `encode` allocates exactly the
 * packet's size; `encodeInto` writes into a caller's buffer. The session's hot paths
 * (PUBLISH, acknowledgements) write straight into its transmit chunks instead.
 */
import { ByteWriter } from "../common/bytes";
import { ProtocolError } from "../common/errors";
import { utf8Length } from "../common/utf8";
// The packet types as one namespace: a named import costs XS about 20 bytes each.
import { PacketType, Wire } from "./packet";
import type { Packet } from "./packet";

/** Total encoded size of `packet`, fixed header included. */
export function encodedLength(packet: Packet): number {
	const remaining = remainingLength(packet);
	return 1 + varIntLength(remaining) + remaining;
}

export function encode(packet: Packet): Uint8Array {
	const remaining = remainingLength(packet);
	const bytes = new Uint8Array(1 + varIntLength(remaining) + remaining);
	write(packet, remaining, bytes, 0);
	return bytes;
}

/** Writes `packet` at `offset` and returns the number of bytes written. */
export function encodeInto(packet: Packet, target: Uint8Array, offset = 0): number {
	const remaining = remainingLength(packet);
	const total = 1 + varIntLength(remaining) + remaining;
	if (offset + total > target.length) throw new ProtocolError("PACKET_TOO_LARGE", `packet of ${total} bytes`);
	write(packet, remaining, target, offset);
	return total;
}

/** Bytes of the Remaining Length's variable integer (2.2.3). */
export function varIntLength(value: number): number {
	return value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;
}

/**
 * A PUBLISH whose topic is already a length-prefixed field (topic.ts `topicField`);
 * `packetId` 0 for QoS 0. `remaining` is 2 + topic + payload bytes for QoS 0, 2 more with an id.
 */
export function writePublish(target: Uint8Array, at: number, first: number, remaining: number, topic: Uint8Array, packetId: number, payload: Uint8Array): void {
	at = writeFixedHeader(target, at, first, remaining);
	target.set(topic, at);
	at += topic.length;
	if (packetId) {
		target[at++] = packetId >> 8;
		target[at++] = packetId & 255;
	}
	target.set(payload, at);
}

/** The first byte and the Remaining Length (2.2); returns the offset after them. */
function writeFixedHeader(target: Uint8Array, at: number, first: number, remaining: number): number {
	target[at++] = first;
	while (remaining > 127) {
		target[at++] = (remaining & 127) | 128;
		remaining >>= 7;
	}
	target[at++] = remaining;
	return at;
}

function remainingLength(packet: Packet): number {
	let length = 2;
	switch (packet.type) {
		case PacketType.CONNECT: {
			// Protocol Name "MQTT" (6), Level (1), Connect Flags (1), Keep Alive (2), client id (3.1.2).
			length = 12 + stringLength(packet.clientId);
			const will = packet.will;
			if (will) length += 4 + stringLength(will.topic) + binaryLength(will.payload);
			if (packet.username !== undefined) length += 2 + stringLength(packet.username);
			if (packet.password !== undefined) length += 2 + binaryLength(packet.password);
			break;
		}
		case PacketType.PUBLISH:
			length = 2 + stringLength(packet.topic) + (packet.qos > 0 ? 2 : 0) + packet.payload.length;
			break;
		case PacketType.SUBSCRIBE:
			// Index loops, not for-of: an iterator loop costs XS about 100 bytes of bytecode more.
			for (let i = 0, s = nonEmpty(packet.subscriptions); i < s.length; i++) length += 3 + stringLength(s[i].topic);
			break;
		case PacketType.SUBACK:
			length += nonEmpty(packet.returnCodes).length;
			break;
		case PacketType.UNSUBSCRIBE:
			for (let i = 0, t = nonEmpty(packet.topics); i < t.length; i++) length += 2 + stringLength(t[i]);
			break;
		default:
			// PINGREQ, PINGRESP, DISCONNECT (12-14) are a fixed header alone; the rest carry 2 bytes.
			if (packet.type >= 12) length = 0;
	}
	if (length > Wire.MAX_REMAINING_LENGTH) throw new ProtocolError("PACKET_TOO_LARGE", `remaining length ${length}`);
	return length;
}

/** Fixed header first byte: type, and the flags 3.2.1 fixes (0010 for PUBREL, SUBSCRIBE, UNSUBSCRIBE). */
function firstByte(packet: Packet): number {
	const type = packet.type;
	if (type === PacketType.PUBLISH) return 0x30 | (packet.dup ? 8 : 0) | (packet.qos << 1) | (packet.retain ? 1 : 0);
	return (type << 4) | (type === PacketType.PUBREL || type === PacketType.SUBSCRIBE || type === PacketType.UNSUBSCRIBE ? 2 : 0);
}

function write(packet: Packet, remaining: number, target: Uint8Array, offset: number): void {
	const w = new ByteWriter(target, writeFixedHeader(target, offset, firstByte(packet), remaining));
	switch (packet.type) {
		case PacketType.PUBLISH:
			// The session writes its own PUBLISHes (writePublish, or inline for QoS 0); this is
			// the retained state's rebuild (state.ts), rare.
			string(w, packet.topic);
			if (packet.qos > 0) w.u16(checkedId(packet.packetId));
			w.bytes(packet.payload);
			return;
		case PacketType.CONNECT: {
			// Protocol Name "MQTT", Protocol Level 4 (3.1.2.1, 3.1.2.2).
			w.u32(0x00044d51);
			w.u16(0x5454);
			w.byte(4);
			const will = packet.will;
			let flags = packet.cleanSession ? 0x02 : 0;
			if (will) flags |= 0x04 | (will.qos << 3) | (will.retain ? 0x20 : 0);
			if (packet.password !== undefined) flags |= 0x40;
			if (packet.username !== undefined) flags |= 0x80;
			w.byte(flags);
			w.u16(packet.keepAlive);
			string(w, packet.clientId);
			if (will) {
				string(w, will.topic);
				binary(w, will.payload);
			}
			if (packet.username !== undefined) string(w, packet.username);
			if (packet.password !== undefined) binary(w, packet.password);
			return;
		}
		case PacketType.SUBSCRIBE:
			w.u16(checkedId(packet.packetId));
			for (let i = 0, s = packet.subscriptions; i < s.length; i++) {
				string(w, s[i].topic);
				w.byte(s[i].qos);
			}
			return;
		case PacketType.UNSUBSCRIBE:
			w.u16(checkedId(packet.packetId));
			for (let i = 0, t = packet.topics; i < t.length; i++) string(w, t[i]);
			return;
		case PacketType.SUBACK:
			w.u16(packet.packetId);
			for (let i = 0, c = packet.returnCodes; i < c.length; i++) w.byte(c[i]);
			return;
		case PacketType.CONNACK:
			w.byte(packet.sessionPresent ? 1 : 0);
			w.byte(packet.returnCode);
			return;
		default:
			if ("packetId" in packet) w.u16(checkedId(packet.packetId));
	}
}

/** A UTF-8 string with its two-byte length prefix (1.5.3). */
function string(w: ByteWriter, text: string): void {
	const at = w.offset;
	w.offset += 2;
	w.utf8(text);
	w.target[at] = (w.offset - at - 2) >> 8;
	w.target[at + 1] = (w.offset - at - 2) & 0xff;
}

function binary(w: ByteWriter, bytes: Uint8Array): void {
	w.u16(bytes.length);
	w.bytes(bytes);
}

function stringLength(text: string): number {
	const length = utf8Length(text);
	if (length < 0 || length > 0xffff) throw new ProtocolError("MALFORMED_PACKET", "string not UTF-8 or over 65535 bytes");
	return length;
}

function binaryLength(bytes: Uint8Array): number {
	if (bytes.length > 0xffff) throw new ProtocolError("MALFORMED_PACKET", "binary field over 65535 bytes");
	return bytes.length;
}

function checkedId(packetId: number | undefined): number {
	if (packetId === undefined || packetId < 1 || packetId > 0xffff || packetId !== (packetId | 0))
		throw new ProtocolError("MALFORMED_PACKET", `packet id ${packetId}`);
	return packetId;
}

function nonEmpty<T>(items: readonly T[]): readonly T[] {
	// SUBSCRIBE, SUBACK and UNSUBSCRIBE with no entries are protocol violations (3.8.3-3, 3.10.3-2).
	if (items.length === 0) throw new ProtocolError("MALFORMED_PACKET", "no entries");
	return items;
}
