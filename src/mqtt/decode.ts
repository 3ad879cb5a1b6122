/**
 * MQTT 3.1.1 packet decoder: bytes -> packet objects, checking every MUST of the
 * specification that concerns a packet's format. Binary fields (payloads, passwords)
 * are views into the input, not copies.
 */
import { ProtocolError } from "../common/errors";
import { readUtf8 } from "../common/utf8";
import { topicProblem } from "./topic";
import {
	CONNECT,
	CONNACK,
	PUBLISH,
	PUBACK,
	PUBREC,
	PUBREL,
	PUBCOMP,
	SUBSCRIBE,
	SUBACK,
	UNSUBSCRIBE,
	UNSUBACK,
	PINGREQ,
	PINGRESP,
	DISCONNECT,
	SUBACK_FAILURE,
	type Packet,
	type QoS,
	type Subscription,
	type Will,
} from "./packet";

/**
 * Decodes exactly one complete packet. Throws ProtocolError("MALFORMED_PACKET") for
 * anything the specification does not allow.
 */
export function decode(bytes: Uint8Array): Packet {
	const header = readFixedHeader(bytes, 0, bytes.length);
	if (header < 0) throw malformed("truncated fixed header");
	const start = header & 0xf;
	const end = bytes.length;
	if (start + Math.floor(header / 16) !== end) throw malformed("remaining length does not match the packet size");
	const first = bytes[0];
	const type = first >> 4;
	const flags = first & 0x0f;
	const reader = new FieldReader(bytes, start, end);
	switch (type) {
		case PUBLISH: {
			const qos = (flags >> 1) & 3;
			if (qos === 3) throw malformed("PUBLISH with QoS 3");
			const dup = (flags & 8) !== 0;
			if (dup && qos === 0) throw malformed("PUBLISH QoS 0 with DUP set");
			const topic = reader.topic(false);
			const packetId = qos > 0 ? reader.packetId() : undefined;
			return { type: PUBLISH, topic, payload: bytes.subarray(reader.offset, end), qos: qos as QoS, retain: (flags & 1) !== 0, dup, packetId };
		}
		case PUBACK:
		case PUBREC:
		case PUBCOMP:
		case UNSUBACK:
		case PUBREL: {
			expectFlags(flags, type === PUBREL ? 2 : 0, type);
			const packetId = reader.packetId();
			reader.end();
			return { type, packetId };
		}
		case CONNACK: {
			expectFlags(flags, 0, type);
			const acknowledge = reader.byte();
			const returnCode = reader.byte();
			reader.end();
			if (acknowledge & 0xfe) throw malformed("CONNACK reserved flags set");
			if (returnCode !== 0 && acknowledge !== 0) throw malformed("CONNACK refusal with session present");
			return { type: CONNACK, sessionPresent: acknowledge === 1, returnCode };
		}
		case SUBACK: {
			expectFlags(flags, 0, type);
			const packetId = reader.packetId();
			const returnCodes: number[] = [];
			do {
				const code = reader.byte();
				if (code > 2 && code !== SUBACK_FAILURE) throw malformed(`SUBACK return code ${code}`);
				returnCodes.push(code);
			} while (!reader.done());
			return { type: SUBACK, packetId, returnCodes };
		}
		case PINGREQ:
		case PINGRESP:
		case DISCONNECT:
			expectFlags(flags, 0, type);
			reader.end();
			return { type };
		case CONNECT:
			expectFlags(flags, 0, type);
			return decodeConnect(reader);
		case SUBSCRIBE: {
			expectFlags(flags, 2, type);
			const packetId = reader.packetId();
			const subscriptions: Subscription[] = [];
			do {
				const topic = reader.topic(true);
				const qos = reader.byte();
				if (qos > 2) throw malformed(`SUBSCRIBE requested QoS byte ${qos}`);
				subscriptions.push({ topic, qos: qos as QoS });
			} while (!reader.done());
			return { type: SUBSCRIBE, packetId, subscriptions };
		}
		case UNSUBSCRIBE: {
			expectFlags(flags, 2, type);
			const packetId = reader.packetId();
			const topics: string[] = [];
			do topics.push(reader.topic(true));
			while (!reader.done());
			return { type: UNSUBSCRIBE, packetId, topics };
		}
		default:
			throw malformed(`reserved packet type ${type}`);
	}
}

function decodeConnect(reader: FieldReader): Packet {
	const name = reader.string();
	const level = reader.byte();
	if (name !== "MQTT") throw malformed(`protocol name "${name}"`);
	if (level !== 4) throw malformed(`protocol level ${level}`);
	const flags = reader.byte();
	if (flags & 1) throw malformed("CONNECT reserved flag set");
	const willFlag = (flags & 0x04) !== 0;
	const willQos = (flags >> 3) & 3;
	const willRetain = (flags & 0x20) !== 0;
	if (willQos === 3 || (!willFlag && (willQos !== 0 || willRetain))) throw malformed("CONNECT will flags are inconsistent");
	const hasPassword = (flags & 0x40) !== 0;
	const hasUsername = (flags & 0x80) !== 0;
	if (hasPassword && !hasUsername) throw malformed("CONNECT password without user name");
	const keepAlive = reader.u16();
	const clientId = reader.string();
	let will: Will | undefined;
	if (willFlag) will = { topic: reader.topic(false), payload: reader.binary(), qos: willQos as QoS, retain: willRetain };
	const username = hasUsername ? reader.string() : undefined;
	const password = hasPassword ? reader.binary() : undefined;
	reader.end();
	return { type: CONNECT, clientId, cleanSession: (flags & 0x02) !== 0, keepAlive, will, username, password };
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
		if (i - offset === 4) throw malformed("remaining length longer than four bytes");
		multiplier *= 128;
	}
	return -1;
}

/**
 * Splits a byte stream into packets. A packet whose header announces more than
 * `maxPacketSize` bytes is refused as soon as its header is read, before any of its body
 * is buffered. After a thrown error the stream is unusable: close the connection.
 */
export class PacketReader {
	readonly #maxPacketSize: number;
	#buffer: Uint8Array | undefined; // the packet being assembled across chunks
	#filled = 0;
	#header = new Uint8Array(5);
	#headerFilled = 0;

	constructor(maxPacketSize: number) {
		this.#maxPacketSize = maxPacketSize;
	}

	/** Feeds bytes from the stream; `onPacket` is called for each complete packet, in order. */
	push(chunk: Uint8Array, onPacket: (packet: Packet) => void): void {
		let offset = 0;
		const end = chunk.length;
		while (offset < end) {
			if (this.#buffer) {
				const take = Math.min(end - offset, this.#buffer.length - this.#filled);
				this.#buffer.set(chunk.subarray(offset, offset + take), this.#filled);
				this.#filled += take;
				offset += take;
				if (this.#filled === this.#buffer.length) {
					const packet = this.#buffer;
					this.#buffer = undefined;
					onPacket(decode(packet));
				}
				continue;
			}
			if (this.#headerFilled > 0) {
				// A fixed header split across chunks: gather it byte by byte (at most 5).
				this.#header[this.#headerFilled++] = chunk[offset++];
				const total = this.#frameLength(this.#header, 0, this.#headerFilled);
				if (total < 0) continue;
				this.#buffer = new Uint8Array(total);
				this.#buffer.set(this.#header.subarray(0, this.#headerFilled));
				this.#filled = this.#headerFilled;
				this.#headerFilled = 0;
				if (this.#filled === total) {
					const packet = this.#buffer;
					this.#buffer = undefined;
					onPacket(decode(packet));
				}
				continue;
			}
			const total = this.#frameLength(chunk, offset, end);
			if (total < 0) {
				this.#header.set(chunk.subarray(offset, end));
				this.#headerFilled = end - offset;
				return;
			}
			if (offset + total <= end) {
				// The common case: a whole packet inside the chunk, decoded in place.
				onPacket(decode(chunk.subarray(offset, offset + total)));
				offset += total;
				continue;
			}
			this.#buffer = new Uint8Array(total);
			this.#filled = 0;
		}
	}

	/** Forgets a partial packet, for a new connection. */
	reset(): void {
		this.#buffer = undefined;
		this.#filled = 0;
		this.#headerFilled = 0;
	}

	#frameLength(bytes: Uint8Array, offset: number, end: number): number {
		const header = readFixedHeader(bytes, offset, end);
		if (header < 0) return -1;
		const total = (header & 0xf) + Math.floor(header / 16);
		if (total > this.#maxPacketSize)
			throw new ProtocolError("PACKET_TOO_LARGE", `incoming packet of ${total} bytes is over the ${this.#maxPacketSize}-byte maximum`);
		return total;
	}
}

/** Sequential reads of the fields of one packet's variable header and payload. */
class FieldReader {
	offset: number;
	constructor(
		readonly bytes: Uint8Array,
		start: number,
		readonly limit: number,
	) {
		this.offset = start;
	}
	byte(): number {
		if (this.offset >= this.limit) throw malformed("packet ends inside a field");
		return this.bytes[this.offset++];
	}
	u16(): number {
		if (this.offset + 2 > this.limit) throw malformed("packet ends inside a field");
		const value = (this.bytes[this.offset] << 8) | this.bytes[this.offset + 1];
		this.offset += 2;
		return value;
	}
	packetId(): number {
		const id = this.u16();
		if (id === 0) throw malformed("packet identifier 0");
		return id;
	}
	string(): string {
		const length = this.u16();
		const start = this.offset;
		if (start + length > this.limit) throw malformed("string runs past the packet");
		this.offset += length;
		return readUtf8(this.bytes, start, start + length);
	}
	/** A topic name (`filter` false) or filter: non-empty, free of U+0000, wildcards only where legal (4.7). */
	topic(filter: boolean): string {
		const start = this.offset + 2; // after the length prefix
		const topic = this.string();
		const problem = topicProblem(this.bytes, start, this.offset, filter);
		if (problem) throw malformed(`topic ${filter ? "filter" : "name"} "${topic}" ${problem}`);
		return topic;
	}
	binary(): Uint8Array {
		const length = this.u16();
		const start = this.offset;
		if (start + length > this.limit) throw malformed("binary field runs past the packet");
		this.offset += length;
		return this.bytes.subarray(start, start + length);
	}
	done(): boolean {
		return this.offset >= this.limit;
	}
	end(): void {
		if (this.offset !== this.limit) throw malformed("unexpected bytes at the end of the packet");
	}
}

function expectFlags(flags: number, expected: number, type: number): void {
	if (flags !== expected) throw malformed(`packet type ${type} with fixed header flags ${flags}`);
}

function malformed(message: string): ProtocolError {
	return new ProtocolError("MALFORMED_PACKET", message);
}
