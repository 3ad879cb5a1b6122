/**
 * The MQTT session's durable state (session.ts `exportState`) as bytes, for retained
 * memory across deep sleep: restored, the session resends its unacknowledged QoS 1/2
 * messages with the packet ids it gave them and knows its subscriptions are active, so
 * a wake publishes without resubscribing.
 *
 * Layout (big-endian):
 *   nextPacketId(2)
 *   count(2) { released(1) length(2) PUBLISH packet }   in flight, in send order
 *   count(2) { length(2) PUBLISH packet }               queued, not yet sent
 *   count(2) { packetId(2) }                            incoming QoS 2 awaiting PUBREL
 *   count(2) { qos(1) length(2) topic filter (UTF-8) }  acknowledged subscriptions
 */
import { ProtocolError } from "../common/errors";
import { encodeUtf8, readUtf8 } from "../common/utf8";
import type { QoS } from "./packet";
import type { SessionState } from "./session";

export function encodeSessionState(state: SessionState): Uint8Array {
	const filters = state.subscriptions.map((s) => encodeUtf8(s.topic));
	let size = 2 + 2 + 2 + 2 + 2 + 2 * state.awaitingRelease.length;
	for (const m of state.inflight) size += 3 + m.packet.length;
	for (const packet of state.queued) size += 2 + packet.length;
	for (const filter of filters) size += 3 + filter.length;
	const bytes = new Uint8Array(size);
	const view = new DataView(bytes.buffer);
	let at = 0;
	const u16 = (value: number) => {
		view.setUint16(at, value);
		at += 2;
	};
	const block = (data: Uint8Array) => {
		u16(data.length);
		bytes.set(data, at);
		at += data.length;
	};
	u16(state.nextPacketId);
	u16(state.inflight.length);
	for (const m of state.inflight) {
		bytes[at++] = m.released ? 1 : 0;
		block(m.packet);
	}
	u16(state.queued.length);
	for (const packet of state.queued) block(packet);
	u16(state.awaitingRelease.length);
	for (const id of state.awaitingRelease) u16(id);
	u16(filters.length);
	state.subscriptions.forEach((s, i) => {
		bytes[at++] = s.qos;
		block(filters[i]);
	});
	return bytes;
}

/** Throws ProtocolError("MALFORMED_PACKET") for bytes that are not a state this module wrote. */
export function decodeSessionState(bytes: Uint8Array): SessionState {
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
	let at = 0;
	const need = (n: number) => {
		if (at + n > bytes.length) throw new ProtocolError("MALFORMED_PACKET", "MQTT session state: ends early");
	};
	const u8 = () => (need(1), bytes[at++]);
	const u16 = () => {
		need(2);
		const value = view.getUint16(at);
		at += 2;
		return value;
	};
	const block = () => {
		const length = u16();
		need(length);
		return bytes.slice(at, (at += length));
	};
	const publish = () => {
		const packet = block();
		// A QoS 1/2 PUBLISH: the packet id offset in session.ts relies on it.
		if (packet.length < 4 || packet[0] >> 4 !== 3 || ((packet[0] >> 1) & 3) === 0) throw new ProtocolError("MALFORMED_PACKET", "MQTT session state: not a QoS 1/2 PUBLISH");
		return packet;
	};
	const list = <T>(item: () => T): T[] => {
		const out: T[] = [];
		for (let n = u16(); n > 0; n--) out.push(item());
		return out;
	};
	const nextPacketId = u16();
	const inflight = list(() => {
		const released = u8() === 1;
		return { released, packet: publish() };
	});
	const queued = list(publish);
	const awaitingRelease = list(u16);
	const subscriptions = list(() => {
		const qos = u8();
		if (qos > 2) throw new ProtocolError("MALFORMED_PACKET", "MQTT session state: subscription QoS");
		return { qos: qos as QoS, topic: readUtf8(block()) };
	});
	if (at !== bytes.length) throw new ProtocolError("MALFORMED_PACKET", "MQTT session state: bytes after the end");
	return { nextPacketId, inflight, queued, awaitingRelease, subscriptions };
}
