/**
 * The broker side of the tests: decoding what an MQTT client sends (CONNECT, SUBSCRIBE,
 * UNSUBSCRIBE), which the firmware never reads and so does not carry. Every other packet
 * goes to the firmware's decoder; the checks are the specification's MUSTs (3.1, 3.8, 3.10).
 */
import { ByteReader } from "../../src/common/bytes";
import { decode, PacketReader, type TopicMemo } from "../../src/mqtt/decode";
import { type Packet, type QoS, type Subscription, type Will } from "../../src/mqtt/packet";
import { CONNECT, SUBSCRIBE, UNSUBSCRIBE } from "./mqtt-types";
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

