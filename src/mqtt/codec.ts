/**
 * The MQTT 3.1.1 codec (one module: two cost XS their imports and names twice). Decoding
 * what a broker sends: bytes -> packets, checking every MUST on a packet's format; payloads
 * are views into the input; PacketReader's `decoder` lets MQTT 5.0 (v5/session.ts) and the
 * tests' broker side share its framing. Encoding what a client sends: CONNECT, SUBSCRIBE,
 * UNSUBSCRIBE straight into the transmit chunk (`encodeInto`); PUBLISH by `writePublish`
 * (or the session's QoS 0 path), acknowledgements by the link's own code. The rest, only the
 * tests write (testkit/portable/mqtt-client-packets.ts). `Body.write`
 * sizes and writes a body: without a target it counts and checks, then writes into the
 * buffer sized; its packets are rare, so two walks cost less than a second description.
 */
import { ProtocolError } from "../common/errors";
import * as utf8 from "../common/utf8"; // one namespace: a named import costs XS the module name again
import { topicProblem } from "./topic";
import { PacketType, Wire, type EncodedPacket, type Packet, type QoS, type Transmit } from "./packet";

/** The last topic name a PUBLISH arrived on, checked: the lamp hears one or two, and comparing their bytes as a Latin-1 string (made natively) costs a fifth of validating and decoding them again. */
export interface TopicMemo {
	latin1: string | undefined;
	topic: string;
}

/** Topics up to this many bytes go through the memo (String.fromCharCode.apply spreads them on the stack). */
const enum Memo { TOPIC_BYTES = 64 }

/** Decodes exactly one complete packet. Throws ProtocolError("MALFORMED_PACKET") for anything the specification does not allow. */
export function decode(bytes: Uint8Array, memo?: TopicMemo): Packet {
	const end = bytes.length;
	const header = readFixedHeader(bytes, 0, end);
	if (header < 0) throw malformed("truncated fixed header");
	const start = header & 0xf;
	if (start + (header >>> 4) !== end) throw malformed("remaining length mismatch");
	const type = bytes[0] >> 4;
	const flags = bytes[0] & 0x0f;
	if (type === PacketType.PUBLISH) {
		// Here, not in a function of its own: a call and its five arguments cost XS more than the PUBLISH's checks.
		const qos = (flags >> 1) & 3;
		const dup = (flags & 8) !== 0;
		if (qos === 3 || (dup && qos === 0)) throw malformed("PUBLISH flags");
		const topicStart = start + 2;
		let at = topicStart + ((bytes[start] << 8) | bytes[start + 1]);
		if (at + (qos ? 2 : 0) > end) throw malformed("PUBLISH too short");
		const topic = topicName(bytes, topicStart, at, memo);
		let packetId: number | undefined;
		if (qos) {
			packetId = (bytes[at] << 8) | bytes[at + 1];
			if (packetId === 0) throw malformed("packet identifier 0");
			at += 2;
		}
		return { type: PacketType.PUBLISH, topic, payload: bytes.subarray(at, end), qos: qos as QoS, retain: (flags & 1) !== 0, dup, packetId };
	}
	if (flags !== fixedFlags(type)) throw malformed("type " + type + " flags " + flags);
	// Read here, not by a ByteReader: that costs XS a fifth more and its own slots.
	const length = end - start;
	if ((type >= PacketType.PUBACK && type <= PacketType.PUBCOMP) || type === PacketType.UNSUBACK) {
		// A packet identifier alone, one per QoS 1/2 message.
		const packetId = (bytes[start] << 8) | bytes[start + 1];
		if (length !== 2 || packetId === 0) throw malformed("type " + type + " length or id");
		return { type: type as PacketType.PUBACK, packetId };
	}
	switch (type) {
		case PacketType.CONNACK: {
			const acknowledge = bytes[start];
			const returnCode = bytes[start + 1];
			if (length !== 2 || acknowledge & 0xfe || (returnCode !== 0 && acknowledge !== 0)) throw malformed("CONNACK length or flags");
			return { type: PacketType.CONNACK, sessionPresent: acknowledge === 1, returnCode };
		}
		case PacketType.SUBACK: {
			const packetId = (bytes[start] << 8) | bytes[start + 1];
			if (length < 3 || packetId === 0) throw malformed("SUBACK length or id");
			const returnCodes: number[] = [];
			for (let i = start + 2; i < end; i++) {
				const code = bytes[i];
				if (code > 2 && code !== Wire.SUBACK_FAILURE) throw malformed("SUBACK return code " + code);
				returnCodes.push(code);
			}
			return { type: PacketType.SUBACK, packetId, returnCodes };
		}
		case PacketType.CONNECT:
		case PacketType.SUBSCRIBE:
		case PacketType.UNSUBSCRIBE:
			// Only a client sends these (the tests' broker side decodes them, testkit/portable/mqtt-client-packets.ts).
			throw violation("a broker does not send packet type " + type);
	}
	if (type === 0 || type === 15) throw malformed("reserved packet type " + type);
	// PINGREQ, PINGRESP, DISCONNECT: a fixed header alone.
	if (length !== 0) throw malformed("type " + type + " length");
	return { type: type as 12 | 13 | 14 };
}

/** The Topic Name in `bytes` from `start` to `end`, checked, or the memo's when its bytes are the same (MQTT 5.0's decoder reads its topics here too). */
export function topicName(bytes: Uint8Array, start: number, end: number, memo: TopicMemo | undefined): string {
	let latin1: string | undefined;
	if (memo && end - start <= Memo.TOPIC_BYTES) {
		latin1 = String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
		if (latin1 === memo.latin1) return memo.topic;
	}
	const problem = topicProblem(bytes, start, end, false);
	if (problem) throw malformed("topic name " + problem);
	const topic = utf8.readUtf8(bytes, start, end);
	if (latin1 !== void 0) {
		(memo as TopicMemo).latin1 = latin1;
		(memo as TopicMemo).topic = topic;
	}
	return topic;
}

/**
 * The fixed header at `offset`: -1 while incomplete, else its length in the low 4 bits and the remaining
 * length above (under 2^32 at the 4-byte maximum, so `>>> 4` reads it back without a Math.floor call).
 */
function readFixedHeader(bytes: Uint8Array, offset: number, end: number): number {
	let value = 0;
	let multiplier = 1;
	for (let i = offset + 1; i < end; i++) {
		const digit = bytes[i];
		value += (digit & 0x7f) * multiplier;
		if ((digit & 0x80) === 0) return value * 16 + (i + 1 - offset);
		if (i - offset === 4) throw malformed("remaining length over 4 bytes");
		multiplier *= 128;
	}
	return -1;
}

/**
 * Splits a byte stream into packets: `feed` a chunk, then take its packets with `next`. A packet over `maxPacketSize`
 * is refused as soon as its header is read, before its body is buffered. After a thrown error, close the connection.
 */
export class PacketReader<T = Packet> implements TopicMemo {
	// Plain fields, `declare`d and set in the constructor: XS reads a #private field ten times slower, and a class field costs bytecode.
	declare latin1: string | undefined;
	declare topic: string;
	declare readonly maxPacketSize: number; // the largest accepted (the session sends no larger one either)
	private declare readonly decode: (bytes: Uint8Array, memo: TopicMemo) => T;
	private declare buffer: Uint8Array | undefined; // the packet split across chunks, or its fixed header so far
	private declare filled: number;
	private declare total: number; // the whole packet's size once its header is known, 0 before
	private declare chunk: Uint8Array | undefined;
	private declare offset: number;

	constructor(maxPacketSize: number, decoder: (bytes: Uint8Array, memo: TopicMemo) => T = decode as unknown as (bytes: Uint8Array, memo: TopicMemo) => T) {
		this.topic = "";
		this.maxPacketSize = maxPacketSize;
		this.decode = decoder;
		this.offset = 0;
		this.reset();
	}

	/** Bytes from the stream, to be taken with `next` before the next `feed`. */
	feed(chunk: Uint8Array): void {
		this.chunk = chunk;
		this.offset = 0;
	}

	/** The next complete packet of what was fed, or undefined when it is used up. */
	next(): T | undefined {
		const chunk = this.chunk;
		if (!chunk) return void 0;
		const end = chunk.length;
		let offset = this.offset;
		while (offset < end) {
			if (this.filled === 0) {
				const total = this.frameLength(chunk, offset, end);
				if (total > 0 && offset + total <= end) {
					// The common case: a whole packet inside the chunk, decoded in place.
					this.offset = offset + total;
					return this.decode(offset === 0 && total === end ? chunk : chunk.subarray(offset, offset + total), this);
				}
				// A packet split across chunks: buffered whole (or its header's 5 bytes at most).
				this.total = total > 0 ? total : 0;
				this.buffer = new Uint8Array(total > 0 ? total : 5);
			}
			const buffer = this.buffer as Uint8Array;
			if (this.total === 0) {
				// Still inside the fixed header: gather it byte by byte.
				buffer[this.filled++] = chunk[offset++];
				const total = this.frameLength(buffer, 0, this.filled);
				if (total < 0) continue;
				this.total = total;
				this.buffer = new Uint8Array(total);
				this.buffer.set(buffer.subarray(0, this.filled));
				if (this.filled < total) continue;
			} else {
				const take = Math.min(end - offset, this.total - this.filled);
				buffer.set(chunk.subarray(offset, offset + take), this.filled);
				this.filled += take;
				offset += take;
				if (this.filled < this.total) continue;
			}
			const packet = this.buffer as Uint8Array;
			this.buffer = void 0;
			this.filled = this.total = 0;
			this.offset = offset;
			return this.decode(packet, this);
		}
		this.chunk = void 0;
		return void 0;
	}

	/** Forgets a partial packet, for a new connection. */
	reset(): void {
		this.buffer = this.chunk = void 0;
		this.filled = this.total = 0;
	}

	/** The size of the packet at `offset`, or -1 while its fixed header is incomplete. */
	private frameLength(bytes: Uint8Array, offset: number, end: number): number {
		const header = readFixedHeader(bytes, offset, end);
		if (header < 0) return -1;
		const total = (header & 0xf) + (header >>> 4);
		if (total > this.maxPacketSize) throw new ProtocolError("PACKET_TOO_LARGE", "incoming packet of " + total + " bytes, over " + this.maxPacketSize);
		return total;
	}
}

export function malformed(message: string): ProtocolError {
	return new ProtocolError("MALFORMED_PACKET", message);
}

/** The error for what breaks the protocol without being malformed. */
export function violation(message: string): ProtocolError {
	return new ProtocolError("PROTOCOL_VIOLATION", message);
}

export function checkQoS(qos: number): void {
	if (qos !== 0 && qos !== 1 && qos !== 2) throw violation("QoS " + qos + " does not exist");
}

/** Writes `packet` into `out`'s transmit chunk: sized and checked first, then written in place. */
export function encodeInto(packet: EncodedPacket, out: Transmit): void {
	const body = new Body(packet);
	const size = 1 + varIntLength(body.at) + body.at;
	const target = out.reserve(size); // first: it may start a new chunk, which moves `offset`
	body.into(packet, target, out.offset);
	out.commit(size);
}

/** Bytes of the Remaining Length's variable integer (2.2.3). */
export function varIntLength(value: number): number {
	return value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;
}

/** A PUBLISH whose topic is already a length-prefixed field (topic.ts); `packetId` 0 for QoS 0, `remaining` 2 + topic + payload bytes, 2 more with an id. */
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

/** A packet's body: made, it has counted and checked it (`at`: its Remaining Length); `into` writes it. The packet is passed, not kept. */
class Body {
	/** Where the bytes go; undefined while only counting. (Fields `declare`d: a class field costs XS bytecode.) */
	declare target: Uint8Array | undefined;
	declare at: number;

	constructor(packet: EncodedPacket) {
		this.at = 0;
		this.write(packet);
		if (this.at > Wire.MAX_REMAINING_LENGTH) throw new ProtocolError("PACKET_TOO_LARGE", "remaining length " + this.at);
	}

	into(packet: EncodedPacket, target: Uint8Array, offset: number): void {
		this.at = writeFixedHeader(target, offset, firstByte(packet), this.at);
		this.target = target;
		this.write(packet);
	}

	private write(packet: EncodedPacket): void {
		if (packet.type === PacketType.CONNECT) {
			this.u16(4); // Protocol Name "MQTT", Protocol Level 4 (3.1.2.1, 3.1.2.2)
			this.u16(0x4d51);
			this.u16(0x5454);
			this.byte(4);
			const will = packet.will;
			let flags = packet.cleanSession ? 0x02 : 0;
			if (will) flags |= 0x04 | (will.qos << 3) | (will.retain ? 0x20 : 0);
			if (packet.password !== void 0) flags |= 0x40;
			if (packet.username !== void 0) flags |= 0x80;
			this.byte(flags);
			this.u16(packet.keepAlive);
			this.string(packet.clientId);
			if (will) {
				this.string(will.topic);
				this.binary(will.payload);
			}
			if (packet.username !== void 0) this.string(packet.username);
			if (packet.password !== void 0) this.binary(packet.password);
			return;
		}
		this.u16(checkedId(packet.packetId));
		// Index loops, not for-of: an iterator loop costs XS about 100 bytes of bytecode more.
		if (packet.type === PacketType.SUBSCRIBE) {
			const s = nonEmpty(packet.subscriptions);
			for (let i = 0; i < s.length; i++) {
				this.string(s[i].topic);
				this.byte(s[i].qos);
			}
		} else {
			const t = nonEmpty(packet.topics);
			for (let i = 0; i < t.length; i++) this.string(t[i]);
		}
	}

	private byte(value: number): void {
		if (this.target) this.target[this.at] = value;
		this.at++;
	}

	private u16(value: number): void {
		this.byte(value >> 8);
		this.byte(value & 0xff);
	}

	private bytes(bytes: Uint8Array): void {
		if (this.target) this.target.set(bytes, this.at);
		this.at += bytes.length;
	}

	/** A UTF-8 string with its two-byte length prefix (1.5.3): checked while counting, written in one walk after. */
	private string(text: string): void {
		const target = this.target;
		const at = this.at;
		if (target) {
			const end = utf8.writeUtf8(text, target, at + 2);
			target[at] = (end - at - 2) >> 8;
			target[at + 1] = (end - at - 2) & 0xff;
			this.at = end;
			return;
		}
		const length = utf8.utf8Length(text);
		if (length < 0 || length > 0xffff) throw malformed("string not UTF-8 or over 65535 bytes");
		this.at = at + 2 + length;
	}

	private binary(bytes: Uint8Array): void {
		if (bytes.length > 0xffff) throw malformed("binary field over 65535 bytes");
		this.u16(bytes.length);
		this.bytes(bytes);
	}
}

// What follows MQTT 5.0's encoder (v5/encode.ts) shares. The Connect Flags are computed in
// each encoder: shared, they cost 21 B more than both copies (a call and an object parameter each side).

/** Fixed header first byte: type, and its fixed flags or PUBLISH's DUP, QoS, RETAIN. */
export function firstByte(packet: { readonly type: number; readonly dup?: boolean; readonly qos?: QoS; readonly retain?: boolean }): number {
	const type = packet.type;
	if (type === PacketType.PUBLISH) return 0x30 | (packet.dup ? 8 : 0) | ((packet.qos as QoS) << 1) | (packet.retain ? 1 : 0);
	return (type << 4) | fixedFlags(type);
}

/** The flags 2.2.2 fixes: 0010 for PUBREL, SUBSCRIBE and UNSUBSCRIBE, 0000 for every other packet but PUBLISH. */
function fixedFlags(type: number): number {
	return type === PacketType.PUBREL || type === PacketType.SUBSCRIBE || type === PacketType.UNSUBSCRIBE ? 2 : 0;
}

export function checkedId(packetId: number | undefined): number {
	if (packetId === void 0 || packetId < 1 || packetId > 0xffff || packetId !== (packetId | 0)) throw malformed("packet id " + packetId);
	return packetId;
}

export function nonEmpty<T>(items: readonly T[]): readonly T[] {
	// SUBSCRIBE and UNSUBSCRIBE (and in 5.0 SUBACK and UNSUBACK) with no entries are protocol violations (3.8.3-3, 3.10.3-2).
	if (items.length === 0) throw malformed("no entries");
	return items;
}
