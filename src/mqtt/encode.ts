/**
 * MQTT 3.1.1 packet encoder for what a client sends: packet objects -> bytes. The session
 * writes CONNECT, SUBSCRIBE and UNSUBSCRIBE straight into its transmit chunk
 * (`encodeInto`: no packet-sized array, no copy); its hot paths (PUBLISH,
 * acknowledgements) write there by code of their own; `encode` makes an array of exactly
 * the packet's size, for a PUBLISH restored from saved state. CONNACK and SUBACK, which
 * only a broker sends, are not here: the tests' broker side writes them
 * (testkit/portable/mqtt-client-packets.ts).
 *
 * One description of each packet's body (`Body.write`) both sizes it and writes it: run
 * without a target it only counts and checks the fields, then it runs again into the
 * buffer it sized. The packets it writes are rare (CONNECT, SUBSCRIBE, a restored
 * PUBLISH), so walking them twice costs less than a second description would in flash.
 */
import { ProtocolError } from "../common/errors";
import * as utf8 from "../common/utf8"; // one namespace: a named import costs XS the module name again
import { PacketType, Wire, type ConnackPacket, type Packet, type QoS, type SubackPacket } from "./packet";

/** The packets a client sends (and PINGRESP, which shares their type with PINGREQ and DISCONNECT). */
export type ClientPacket = Exclude<Packet, ConnackPacket | SubackPacket>;

/** Where `encodeInto` writes: a transmit chunk with room for `size` bytes at `offset` once reserved (link.ts). */
export interface Transmit {
	readonly offset: number;
	reserve(size: number): Uint8Array;
	commit(size: number): void;
}

export function encode(packet: ClientPacket): Uint8Array {
	const body = new Body(packet);
	const bytes = new Uint8Array(1 + varIntLength(body.at) + body.at);
	body.into(packet, bytes, 0);
	return bytes;
}

/** Writes `packet` into `out`'s transmit chunk: sized and checked first, then written in place. */
export function encodeInto(packet: ClientPacket, out: Transmit): void {
	const body = new Body(packet);
	const size = 1 + varIntLength(body.at) + body.at;
	// reserve first: it may start a new chunk, which moves `offset`.
	const target = out.reserve(size);
	body.into(packet, target, out.offset);
	out.commit(size);
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

/**
 * A packet's body: made, it has counted and checked it (`at` is its Remaining Length);
 * `into` writes it. Two fields, as a ByteWriter has: the packet is passed, not kept.
 */
class Body {
	// Fields are `declare`d and set in the constructor: a class field costs XS bytecode of its own.
	/** Where the bytes go; undefined while only counting. */
	declare target: Uint8Array | undefined;
	declare at: number;

	constructor(packet: ClientPacket) {
		this.at = 0;
		this.write(packet);
		if (this.at > Wire.MAX_REMAINING_LENGTH) throw new ProtocolError("PACKET_TOO_LARGE", "remaining length " + this.at);
	}

	into(packet: ClientPacket, target: Uint8Array, offset: number): void {
		this.at = writeFixedHeader(target, offset, firstByte(packet), this.at);
		this.target = target;
		this.write(packet);
	}

	private write(packet: ClientPacket): void {
		switch (packet.type) {
			case PacketType.PUBLISH:
				// The session writes its own PUBLISHes (writePublish, or inline for QoS 0); this is
				// the retained state's rebuild (state.ts), rare.
				this.string(packet.topic);
				if (packet.qos > 0) this.u16(checkedId(packet.packetId));
				return this.bytes(packet.payload);
			case PacketType.CONNECT: {
				// Protocol Name "MQTT", Protocol Level 4 (3.1.2.1, 3.1.2.2).
				this.u16(4);
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
			case PacketType.SUBSCRIBE: {
				this.u16(checkedId(packet.packetId));
				// Index loops, not for-of: an iterator loop costs XS about 100 bytes of bytecode more.
				const s = nonEmpty(packet.subscriptions);
				for (let i = 0; i < s.length; i++) {
					this.string(s[i].topic);
					this.byte(s[i].qos);
				}
				return;
			}
			case PacketType.UNSUBSCRIBE: {
				this.u16(checkedId(packet.packetId));
				const t = nonEmpty(packet.topics);
				for (let i = 0; i < t.length; i++) this.string(t[i]);
				return;
			}
			default:
				// PINGREQ, PINGRESP, DISCONNECT are a fixed header alone; the rest a packet id.
				if ("packetId" in packet) this.u16(checkedId(packet.packetId));
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
		if (length < 0 || length > 0xffff) throw new ProtocolError("MALFORMED_PACKET", "string not UTF-8 or over 65535 bytes");
		this.at = at + 2 + length;
	}

	private binary(bytes: Uint8Array): void {
		if (bytes.length > 0xffff) throw new ProtocolError("MALFORMED_PACKET", "binary field over 65535 bytes");
		this.u16(bytes.length);
		this.bytes(bytes);
	}
}

/*
 * What follows MQTT 5.0's encoder (v5/encode.ts) shares: the two versions agree on these
 * fields. The Connect Flags are computed in each encoder: shared, they cost 21 B more
 * than both copies (a call and an object parameter each side).
 */

/** Fixed header first byte: type, and the flags 2.2.2 fixes (0010 for PUBREL, SUBSCRIBE, UNSUBSCRIBE), or PUBLISH's DUP, QoS, RETAIN. */
export function firstByte(packet: { readonly type: number; readonly dup?: boolean; readonly qos?: QoS; readonly retain?: boolean }): number {
	const type = packet.type;
	if (type === PacketType.PUBLISH) return 0x30 | (packet.dup ? 8 : 0) | ((packet.qos as QoS) << 1) | (packet.retain ? 1 : 0);
	return (type << 4) | (type === PacketType.PUBREL || type === PacketType.SUBSCRIBE || type === PacketType.UNSUBSCRIBE ? 2 : 0);
}

export function checkedId(packetId: number | undefined): number {
	if (packetId === void 0 || packetId < 1 || packetId > 0xffff || packetId !== (packetId | 0)) throw new ProtocolError("MALFORMED_PACKET", "packet id " + packetId);
	return packetId;
}

export function nonEmpty<T>(items: readonly T[]): readonly T[] {
	// SUBSCRIBE and UNSUBSCRIBE (and in 5.0 SUBACK and UNSUBACK) with no entries are protocol violations (3.8.3-3, 3.10.3-2).
	if (items.length === 0) throw new ProtocolError("MALFORMED_PACKET", "no entries");
	return items;
}
