/**
 * The broker side of the MQTT 5 tests: decoding what a client sends (CONNECT, SUBSCRIBE,
 * UNSUBSCRIBE), which the firmware never reads and so does not carry; every other packet
 * goes to the firmware's v5 decoder. Checks are the specification's MUSTs (3.1, 3.8, 3.10).
 */
import { ByteReader } from "../../src/common/bytes";
import { PacketReader } from "../../src/mqtt/decode";
import { type QoS } from "../../src/mqtt/packet";
import { CONNECT, SUBSCRIBE, UNSUBSCRIBE } from "./mqtt-types";
import { decode5 } from "../../src/mqtt/v5/decode";
import type { Packet5, Subscription5, Will5 } from "../../src/mqtt/v5/packet";
import { IN_WILL, readProperties, readVariable } from "../../src/mqtt/v5/properties";
import { connectFlags, malformed, topic, topicFilters } from "./client-packet-fields";

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
	return { type: UNSUBSCRIBE, packetId, properties, topics: topicFilters(r) };
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
	const { cleanSession, willFlag, willQos, willRetain, hasUsername, hasPassword } = connectFlags(flags, 5);
	const keepAlive = r.u16();
	const properties = readProperties(r, 1 << CONNECT);
	const clientId = r.utf8(r.u16());
	let will: Will5 | undefined;
	if (willFlag) {
		const willProperties = readProperties(r, IN_WILL);
		will = { properties: willProperties, topic: topic(r, false), payload: r.bytes(r.u16()), qos: willQos, retain: willRetain };
	}
	const username = hasUsername ? r.utf8(r.u16()) : undefined;
	const password = hasPassword ? r.bytes(r.u16()) : undefined;
	r.end();
	return { type: CONNECT, clientId, cleanStart: cleanSession, keepAlive, properties, will, username, password };
}

