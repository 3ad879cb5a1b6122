/** Helpers that read what a session or client sent, as packets. */
import { anyPacketReader, encodeAny, feedPackets } from "./mqtt-client-packets";
import { type Packet, type PublishPacket, type QoS } from "../../src/mqtt/packet";
import { CONNACK, PUBLISH } from "./mqtt-types";
import type { MqttSession } from "../../src/mqtt/session";

/**
 * QoS 1/2 messages the session holds unacknowledged, in flight or queued, as its exported
 * state counts them (the firmware keeps no count of its own for tests).
 */
export function unacknowledged(session: MqttSession): number {
	const state = session.exportState();
	return state.inflight.length + state.queued.length;
}

/** Incoming QoS 2 packet ids awaiting PUBREL: the table a broker can grow. */
export function awaitingRelease(session: MqttSession): number {
	return session.exportState().awaitingRelease.length;
}

export function packetsIn(bytes: Uint8Array): Packet[] {
	const packets: Packet[] = [];
	feedPackets(anyPacketReader(1 << 20), bytes, (p) => packets.push(p));
	return packets;
}

/** Drains everything the session wants to send, decoded. */
export function sent(session: MqttSession): Packet[] {
	const packets: Packet[] = [];
	const reader = anyPacketReader(1 << 20);
	for (let bytes = session.pollTransmit(); bytes; bytes = session.pollTransmit()) feedPackets(reader, bytes, (p) => packets.push(p));
	return packets;
}

export function connack(sessionPresent = false, returnCode = 0): Uint8Array {
	return encodeAny({ type: CONNACK, sessionPresent, returnCode });
}

export function publishBytes(topic: string, payload: Uint8Array, qos: QoS, packetId?: number, dup = false): Uint8Array {
	return encodeAny({ type: PUBLISH, topic, payload, qos, retain: false, dup, packetId });
}

export function asPublish(packet: Packet | undefined): PublishPacket {
	if (packet?.type !== PUBLISH) throw new Error(`expected a PUBLISH, got type ${packet?.type}`);
	return packet;
}
