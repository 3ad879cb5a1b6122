/**
 * The broker side of the MQTT 5 tests: decoding what a client sends (CONNECT, SUBSCRIBE,
 * UNSUBSCRIBE), which the firmware never reads and so does not carry; every other packet
 * goes to the firmware's v5 decoder. Checks are the specification's MUSTs (3.1, 3.8, 3.10).
 */
import { ByteReader } from "../../src/common/bytes";
import { ProtocolError } from "../../src/common/errors";
import { readUtf8 } from "../../src/common/utf8";
import { PacketReader } from "../../src/mqtt/decode";
import { CONNECT, SUBSCRIBE, UNSUBSCRIBE, type QoS } from "../../src/mqtt/packet";
import { topicProblem } from "../../src/mqtt/topic";
import { decode5 } from "../../src/mqtt/v5/decode";
import type { Packet5, Subscription5, Will5 } from "../../src/mqtt/v5/packet";
import { IN_WILL, readProperties, readVariable } from "../../src/mqtt/v5/properties";

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
	const topics: string[] = [];
	do topics.push(topic(r, true));
	while (r.remaining > 0);
	return { type: UNSUBSCRIBE, packetId, properties, topics };
}

/** A stream reader for either side's MQTT 5 packets. */
export function anyPacketReader5(maxPacketSize: number): PacketReader<Packet5> {
	return new PacketReader<Packet5>(maxPacketSize, decodeAny5);
}

function decodeConnect(r: ByteReader): Packet5 {
	const name = r.utf8(r.u16());
	const level = r.byte();
	const flags = r.byte();
	if (name !== "MQTT" || level !== 5) throw malformed(`protocol "${name}" level ${level}`);
	const willFlag = (flags & 0x04) !== 0;
	const willQos = (flags >> 3) & 3;
	const willRetain = (flags & 0x20) !== 0;
	const hasPassword = (flags & 0x40) !== 0;
	const hasUsername = (flags & 0x80) !== 0;
	// 5.0 allows a password without a user name (3.1.2.9); reserved bit and will fields without a will do not.
	if (flags & 1 || willQos === 3 || (!willFlag && (willQos !== 0 || willRetain))) throw malformed("CONNECT flags");
	const keepAlive = r.u16();
	const properties = readProperties(r, 1 << CONNECT);
	const clientId = r.utf8(r.u16());
	let will: Will5 | undefined;
	if (willFlag) {
		const willProperties = readProperties(r, IN_WILL);
		will = { properties: willProperties, topic: topic(r, false), payload: r.bytes(r.u16()), qos: willQos as QoS, retain: willRetain };
	}
	const username = hasUsername ? r.utf8(r.u16()) : undefined;
	const password = hasPassword ? r.bytes(r.u16()) : undefined;
	r.end();
	return { type: CONNECT, clientId, cleanStart: (flags & 0x02) !== 0, keepAlive, properties, will, username, password };
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
