/**
 * MQTT 3.1.1 packet encoder: packet objects -> bytes. `encode` allocates exactly the
 * packet's size; `encodeInto` writes into a caller's buffer so a steady stream of
 * packets needs no allocation at all.
 */
import { ProtocolError } from "../common/errors";
import { utf8Length, writeUtf8 } from "../common/utf8";
import {
	CONNECT,
	CONNACK,
	PUBLISH,
	SUBSCRIBE,
	SUBACK,
	UNSUBSCRIBE,
	PUBREL,
	PINGREQ,
	PINGRESP,
	DISCONNECT,
	MAX_REMAINING_LENGTH,
	type ConnectPacket,
	type Packet,
	type PublishPacket,
	type SubscribePacket,
	type UnsubscribePacket,
} from "./packet";

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
	if (offset + total > target.length) throw new ProtocolError("PACKET_TOO_LARGE", `packet of ${total} bytes does not fit the buffer`);
	write(packet, remaining, target, offset);
	return total;
}

function remainingLength(packet: Packet): number {
	let length: number;
	switch (packet.type) {
		case CONNECT:
			length = connectLength(packet);
			break;
		case PUBLISH:
			length = 2 + stringLength(packet.topic) + (packet.qos > 0 ? 2 : 0) + packet.payload.length;
			break;
		case SUBSCRIBE:
			length = 2;
			for (const s of nonEmpty(packet.subscriptions)) length += 2 + stringLength(s.topic) + 1;
			break;
		case SUBACK:
			length = 2 + nonEmpty(packet.returnCodes).length;
			break;
		case UNSUBSCRIBE:
			length = 2;
			for (const topic of nonEmpty(packet.topics)) length += 2 + stringLength(topic);
			break;
		case CONNACK:
			length = 2;
			break;
		case PINGREQ:
		case PINGRESP:
		case DISCONNECT:
			length = 0;
			break;
		default: // PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK
			length = 2;
	}
	if (length > MAX_REMAINING_LENGTH) throw new ProtocolError("PACKET_TOO_LARGE", `remaining length ${length} is over the MQTT maximum`);
	return length;
}

function connectLength(packet: ConnectPacket): number {
	// Protocol Name "MQTT" (6) + Level (1) + Connect Flags (1) + Keep Alive (2), 3.1.2.
	let length = 10 + 2 + stringLength(packet.clientId);
	if (packet.will) length += 2 + stringLength(packet.will.topic) + 2 + binaryLength(packet.will.payload);
	if (packet.username !== undefined) length += 2 + stringLength(packet.username);
	if (packet.password !== undefined) length += 2 + binaryLength(packet.password);
	return length;
}

function write(packet: Packet, remaining: number, target: Uint8Array, offset: number): void {
	switch (packet.type) {
		case PUBLISH:
			return writePublish(packet, remaining, target, offset);
		case CONNECT:
			return writeConnect(packet, remaining, target, offset);
		case SUBSCRIBE:
			return writeSubscribe(packet, remaining, target, offset);
		case UNSUBSCRIBE:
			return writeUnsubscribe(packet, remaining, target, offset);
		case SUBACK: {
			let i = writeFixedHeader(0x90, remaining, target, offset);
			i = writeU16(packet.packetId, target, i);
			for (const code of packet.returnCodes) target[i++] = code;
			return;
		}
		case CONNACK: {
			const i = writeFixedHeader(0x20, 2, target, offset);
			target[i] = packet.sessionPresent ? 1 : 0;
			target[i + 1] = packet.returnCode;
			return;
		}
		case PINGREQ:
		case PINGRESP:
		case DISCONNECT:
			writeFixedHeader(packet.type << 4, 0, target, offset);
			return;
		default: {
			// PUBREL is the one acknowledgement whose fixed header flags are 0b0010 (3.6.1).
			const first = (packet.type << 4) | (packet.type === PUBREL ? 2 : 0);
			writeU16(checkedId(packet.packetId), target, writeFixedHeader(first, 2, target, offset));
		}
	}
}

function writePublish(packet: PublishPacket, remaining: number, target: Uint8Array, offset: number): void {
	const first = 0x30 | (packet.dup ? 8 : 0) | (packet.qos << 1) | (packet.retain ? 1 : 0);
	let i = writeFixedHeader(first, remaining, target, offset);
	i = writeString(packet.topic, target, i);
	if (packet.qos > 0) i = writeU16(checkedId(packet.packetId), target, i);
	target.set(packet.payload, i);
}

function writeConnect(packet: ConnectPacket, remaining: number, target: Uint8Array, offset: number): void {
	let i = writeFixedHeader(0x10, remaining, target, offset);
	// Protocol Name "MQTT", Protocol Level 4 (3.1.2.1, 3.1.2.2).
	target[i++] = 0;
	target[i++] = 4;
	target[i++] = 0x4d;
	target[i++] = 0x51;
	target[i++] = 0x54;
	target[i++] = 0x54;
	target[i++] = 4;
	const will = packet.will;
	let flags = packet.cleanSession ? 0x02 : 0;
	if (will) flags |= 0x04 | (will.qos << 3) | (will.retain ? 0x20 : 0);
	if (packet.password !== undefined) flags |= 0x40;
	if (packet.username !== undefined) flags |= 0x80;
	target[i++] = flags;
	i = writeU16(packet.keepAlive, target, i);
	i = writeString(packet.clientId, target, i);
	if (will) {
		i = writeString(will.topic, target, i);
		i = writeBinary(will.payload, target, i);
	}
	if (packet.username !== undefined) i = writeString(packet.username, target, i);
	if (packet.password !== undefined) writeBinary(packet.password, target, i);
}

function writeSubscribe(packet: SubscribePacket, remaining: number, target: Uint8Array, offset: number): void {
	let i = writeFixedHeader(0x82, remaining, target, offset);
	i = writeU16(checkedId(packet.packetId), target, i);
	for (const s of packet.subscriptions) {
		i = writeString(s.topic, target, i);
		target[i++] = s.qos;
	}
}

function writeUnsubscribe(packet: UnsubscribePacket, remaining: number, target: Uint8Array, offset: number): void {
	let i = writeFixedHeader(0xa2, remaining, target, offset);
	i = writeU16(checkedId(packet.packetId), target, i);
	for (const topic of packet.topics) i = writeString(topic, target, i);
}

function writeFixedHeader(first: number, remaining: number, target: Uint8Array, offset: number): number {
	target[offset++] = first;
	do {
		let digit = remaining % 128;
		remaining = Math.floor(remaining / 128);
		if (remaining > 0) digit |= 0x80;
		target[offset++] = digit;
	} while (remaining > 0);
	return offset;
}

function varIntLength(value: number): number {
	return value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;
}

function writeU16(value: number, target: Uint8Array, offset: number): number {
	target[offset] = value >> 8;
	target[offset + 1] = value & 0xff;
	return offset + 2;
}

/** A UTF-8 string with its two-byte length prefix (1.5.3). */
function writeString(text: string, target: Uint8Array, offset: number): number {
	const end = writeUtf8(text, target, offset + 2);
	writeU16(end - offset - 2, target, offset);
	return end;
}

function writeBinary(bytes: Uint8Array, target: Uint8Array, offset: number): number {
	offset = writeU16(bytes.length, target, offset);
	target.set(bytes, offset);
	return offset + bytes.length;
}

function stringLength(text: string): number {
	const length = utf8Length(text);
	if (length < 0) throw new ProtocolError("MALFORMED_PACKET", "string is not encodable as UTF-8 (lone surrogate)");
	if (length > 0xffff) throw new ProtocolError("MALFORMED_PACKET", `string of ${length} bytes is over the 65535-byte limit`);
	return length;
}

function binaryLength(bytes: Uint8Array): number {
	if (bytes.length > 0xffff) throw new ProtocolError("MALFORMED_PACKET", `binary field of ${bytes.length} bytes is over the 65535-byte limit`);
	return bytes.length;
}

function checkedId(packetId: number | undefined): number {
	if (packetId === undefined || packetId < 1 || packetId > 0xffff || packetId !== (packetId | 0))
		throw new ProtocolError("MALFORMED_PACKET", `packet identifier ${packetId} is not in 1..65535`);
	return packetId;
}

function nonEmpty<T>(items: readonly T[]): readonly T[] {
	// SUBSCRIBE, SUBACK and UNSUBSCRIBE with no entries are protocol violations (3.8.3-3, 3.10.3-2).
	if (items.length === 0) throw new ProtocolError("MALFORMED_PACKET", "packet needs at least one entry");
	return items;
}
