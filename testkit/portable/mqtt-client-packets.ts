/**
 * The broker side of the tests: decoding what an MQTT client sends (CONNECT, SUBSCRIBE,
 * UNSUBSCRIBE), which the firmware never reads and so does not carry. Every other packet
 * goes to the firmware's decoder; the checks are the specification's MUSTs (3.1, 3.8, 3.10).
 */
import { ByteReader } from "../../src/common/bytes";
import { ProtocolError } from "../../src/common/errors";
import { readUtf8 } from "../../src/common/utf8";
import { decode, PacketReader, type TopicMemo } from "../../src/mqtt/decode";
import { CONNECT, SUBSCRIBE, UNSUBSCRIBE, type Packet, type QoS, type Subscription, type Will } from "../../src/mqtt/packet";
import { topicProblem } from "../../src/mqtt/topic";

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
	const topics: string[] = [];
	do topics.push(topic(r, true));
	while (r.remaining > 0);
	return { type: UNSUBSCRIBE, packetId, topics };
}

/** A stream reader for either side's packets. */
export function anyPacketReader(maxPacketSize: number): PacketReader {
	return new PacketReader(maxPacketSize, decodeAny);
}

function decodeConnect(r: ByteReader): Packet {
	const name = string(r);
	const level = r.byte();
	const flags = r.byte();
	if (name !== "MQTT" || level !== 4) throw malformed(`protocol "${name}" level ${level}`);
	const willFlag = (flags & 0x04) !== 0;
	const willQos = (flags >> 3) & 3;
	const willRetain = (flags & 0x20) !== 0;
	const hasPassword = (flags & 0x40) !== 0;
	const hasUsername = (flags & 0x80) !== 0;
	// Reserved flag, will QoS 3 or will fields without a will, password without a user name (3.1.2).
	if (flags & 1 || willQos === 3 || (!willFlag && (willQos !== 0 || willRetain)) || (hasPassword && !hasUsername)) throw malformed("CONNECT flags");
	const keepAlive = r.u16();
	const clientId = string(r);
	let will: Will | undefined;
	if (willFlag) will = { topic: topic(r, false), payload: r.bytes(r.u16()), qos: willQos as QoS, retain: willRetain };
	const username = hasUsername ? string(r) : undefined;
	const password = hasPassword ? r.bytes(r.u16()) : undefined;
	r.end();
	return { type: CONNECT, clientId, cleanSession: (flags & 0x02) !== 0, keepAlive, will, username, password };
}

function string(r: ByteReader): string {
	return r.utf8(r.u16());
}

function topic(r: ByteReader, filter: boolean): string {
	const bytes = r.bytes(r.u16());
	const problem = topicProblem(bytes, 0, bytes.length, filter);
	if (problem) throw malformed(`topic ${problem}`);
	return readUtf8(bytes, 0, bytes.length);
}

function malformed(message: string): ProtocolError {
	return new ProtocolError("MALFORMED_PACKET", message);
}
