/**
 * MQTT 3.1.1 packet decoder for what a broker sends a client: bytes -> packet objects,
 * checking every MUST of the specification that concerns a packet's format. Payloads are
 * views into the input, not copies. PacketReader's `decoder` lets MQTT 5.0
 * (v5/session.ts) and the tests' broker side (reading what a client sends) share its framing.
 */
import { ProtocolError } from "../common/errors";
import { readUtf8 } from "../common/utf8";
import { topicProblem } from "./topic";
// The packet types as one namespace: a named import costs XS about 20 bytes each.
import { PacketType, Wire } from "./packet";
import type { Packet, QoS } from "./packet";

/**
 * The last topic name a PUBLISH arrived on, checked: the lamp hears the same one or two
 * topics, and comparing their bytes as a Latin-1 string (made natively) costs a fifth of
 * validating and decoding them again.
 */
export interface TopicMemo {
	latin1: string | undefined;
	topic: string;
}

/** Topics up to this many bytes go through the memo (String.fromCharCode.apply spreads them on the stack). */
const MEMO_TOPIC_BYTES = 64;

/**
 * Decodes exactly one complete packet. Throws ProtocolError("MALFORMED_PACKET") for
 * anything the specification does not allow.
 */
export function decode(bytes: Uint8Array, memo?: TopicMemo): Packet {
	const end = bytes.length;
	const header = readFixedHeader(bytes, 0, end);
	if (header < 0) throw malformed("truncated fixed header");
	const start = header & 0xf;
	if (start + Math.floor(header / 16) !== end) throw malformed("remaining length mismatch");
	const type = bytes[0] >> 4;
	const flags = bytes[0] & 0x0f;
	if (type === PacketType.PUBLISH) return decodePublish(bytes, start, end, flags, memo);
	// SUBSCRIBE, UNSUBSCRIBE and PUBREL carry the flags 0010, every other packet 0000 (2.2.2).
	if (flags !== (type === PacketType.PUBREL || type === PacketType.SUBSCRIBE || type === PacketType.UNSUBSCRIBE ? 2 : 0)) throw malformed("type " + type + " flags " + flags);
	if ((type >= PacketType.PUBACK && type <= PacketType.PUBCOMP) || type === PacketType.UNSUBACK) {
		// PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK: a packet identifier alone, one per
		// QoS 1/2 message, read here (a ByteReader costs XS a fifth more and 3 slots).
		const packetId = (bytes[start] << 8) | bytes[start + 1];
		if (end - start !== 2 || packetId === 0) throw malformed("type " + type + " length or id");
		return { type: type as PacketType.PUBACK, packetId };
	}
	// The rest are read here too: a ByteReader costs XS a fifth more and its own slots.
	const length = end - start;
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
			// Packets only a client sends: the firmware never reads one (the tests' broker
			// side decodes them, testkit/portable/mqtt-client-packets.ts).
			throw violation("a broker does not send packet type " + type);
	}
	if (type === 0 || type === 15) throw malformed("reserved packet type " + type);
	// PINGREQ, PINGRESP, DISCONNECT: a fixed header alone.
	if (length !== 0) throw malformed("type " + type + " length");
	return { type: type as 12 | 13 | 14 };
}

function decodePublish(bytes: Uint8Array, start: number, end: number, flags: number, memo: TopicMemo | undefined): Packet {
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

/** The Topic Name in `bytes` from `start` to `end`, checked, or the memo's when its bytes are the same (MQTT 5.0's decoder reads its topics here too). */
export function topicName(bytes: Uint8Array, start: number, end: number, memo: TopicMemo | undefined): string {
	let latin1: string | undefined;
	if (memo && end - start <= MEMO_TOPIC_BYTES) {
		latin1 = String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
		if (latin1 === memo.latin1) return memo.topic;
	}
	const problem = topicProblem(bytes, start, end, false);
	if (problem) throw malformed("topic name " + problem);
	const topic = readUtf8(bytes, start, end);
	if (latin1 !== void 0) {
		(memo as TopicMemo).latin1 = latin1;
		(memo as TopicMemo).topic = topic;
	}
	return topic;
}

/**
 * Reads the fixed header at `offset`. Returns -1 while it is incomplete; otherwise the
 * header's length in the low 4 bits and the remaining length above them.
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
 * Splits a byte stream into packets: `feed` a chunk, then take its packets with `next`
 * (no callback per chunk). A packet whose header announces more than `maxPacketSize`
 * bytes is refused as soon as its header is read, before any of its body is buffered.
 * After a thrown error the stream is unusable: close the connection.
 */
export class PacketReader<T = Packet> implements TopicMemo {
	// Plain fields, `declare`d and set in the constructor: XS reads a #private field ten
	// times slower, and a class field costs bytecode of its own.
	declare latin1: string | undefined;
	declare topic: string;
	/** Largest packet accepted (the session sends no larger one either). */
	declare readonly maxPacketSize: number;
	private declare readonly decode: (bytes: Uint8Array, memo: TopicMemo) => T;
	/** The packet being assembled across chunks, or its first bytes while the fixed header is incomplete. */
	private declare buffer: Uint8Array | undefined;
	private declare filled: number;
	/** The whole packet's size once its header is known, 0 before. */
	private declare total: number;
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
		const total = (header & 0xf) + Math.floor(header / 16);
		if (total > this.maxPacketSize)
			throw new ProtocolError("PACKET_TOO_LARGE", "incoming packet of " + total + " bytes, over " + this.maxPacketSize);
		return total;
	}
}

export function malformed(message: string): ProtocolError {
	return new ProtocolError("MALFORMED_PACKET", message);
}

/** The error for what breaks the protocol without being malformed (here, not in packet.ts: a module of its own costs XS its imports and names). */
export function violation(message: string): ProtocolError {
	return new ProtocolError("PROTOCOL_VIOLATION", message);
}

export function checkQoS(qos: number): void {
	if (qos !== 0 && qos !== 1 && qos !== 2) throw violation("QoS " + qos + " does not exist");
}
