/**
 * The MQTT session's durable state (session.ts `exportState`) as bytes, for retained
 * memory across deep sleep: restored, the session resends its unacknowledged QoS 1/2
 * messages with the packet ids it gave them and knows its subscriptions are active, so
 * a wake publishes without resubscribing.
 *
 * Compact, since it must fit RTC memory (a 236-byte slot on the ESP8266, with the rest
 * of the wake's state): messages are kept as their fields, not as PUBLISH packets, and
 * topics and payloads through the firmware's vocabulary (power/vocabulary.ts): a
 * configured topic is one byte, a reading is 8. The packets are rebuilt by the same
 * writer that made them (codec.ts writePublish), so the session gets back the very bytes it exported.
 *
 * Layout (big-endian):
 *   version(1) vocabulary tag(4) nextPacketId(2)
 *   count(1) { flags(1: qos | retain 4 | dup 8 | released 16) packetId(2) topic payload }  in flight, in send order
 *   count(1) { flags(1: qos | retain 4) topic payload }                                  queued, not yet sent
 *   count(1) { packetId(2) }                                                              incoming QoS 2 awaiting PUBREL
 *   count(1) { qos(1) topic }                                                             acknowledged subscriptions
 * topic and payload as vocabulary.ts writes them.
 */
// Namespaces, not named imports: each named one costs XS an import record and the module name again.
import * as record from "../power/record-bytes";
import * as words from "../power/vocabulary";
import * as codec from "./codec"; // one namespace: a named import costs XS the module name again
import { Id } from "./inflight";
import { TopicCache } from "./topic";
import { PacketType, type QoS } from "./packet";
import type { Subscription } from "./packet";

/** Everything a persistent session must remember between connections and reboots. */
export interface SessionState {
	readonly nextPacketId: number;
	/** Encoded PUBLISH packets not yet fully acknowledged, in send order. */
	readonly inflight: readonly { readonly packet: Uint8Array; readonly released: boolean }[];
	/** Encoded PUBLISH packets not yet sent (no packet id yet). */
	readonly queued: readonly Uint8Array[];
	/** Incoming QoS 2 packet ids whose PUBREL has not arrived. */
	readonly awaitingRelease: readonly number[];
	/** Subscriptions the broker acknowledged. */
	readonly subscriptions: readonly Subscription[];
}

/** The layout's version, first in the record (a `const enum`: written in place). */
const enum Layout { VERSION = 2 }
const WHAT = "MQTT session state";

export function encodeSessionState(state: SessionState, vocabulary: words.Vocabulary): Uint8Array {
	const w = new record.RecordWriter(WHAT);
	w.byte(Layout.VERSION);
	w.u32(vocabulary.tag);
	w.u16(state.nextPacketId);
	w.count(state.inflight.length);
	// Index loops, not for-of: an iterator loop costs XS about 100 bytes of bytecode more.
	for (let i = 0; i < state.inflight.length; i++) writeMessage(w, state.inflight[i].packet, state.inflight[i].released ? 16 : 0, true, vocabulary);
	w.count(state.queued.length);
	for (let i = 0; i < state.queued.length; i++) writeMessage(w, state.queued[i], 0, false, vocabulary);
	w.count(state.awaitingRelease.length);
	for (let i = 0; i < state.awaitingRelease.length; i++) w.u16(state.awaitingRelease[i]);
	w.count(state.subscriptions.length);
	for (let i = 0; i < state.subscriptions.length; i++) {
		w.byte(state.subscriptions[i].qos);
		words.writeTopic(w, state.subscriptions[i].topic, vocabulary);
	}
	return w.finish();
}

/**
 * Throws ProtocolError("MALFORMED_PACKET") for bytes that are not a state this version
 * wrote with this vocabulary (another firmware, or other configured topics), INVALID_TOPIC
 * for a message topic no PUBLISH may carry.
 */
export function decodeSessionState(bytes: Uint8Array, vocabulary: words.Vocabulary): SessionState {
	const r = new record.RecordReader(bytes, WHAT);
	if (r.byte() !== Layout.VERSION) throw r.malformed("another version");
	if (r.u32() !== vocabulary.tag) throw r.malformed("written with other topics");
	const nextPacketId = r.u16();
	const topics = new TopicCache();
	// A message in flight has its packet id; a queued one gets it when it enters the window.
	const message = (inFlight: boolean): { released: boolean; packet: Uint8Array } => {
		const flags = r.byte();
		const qos = flags & 3;
		if (qos !== 1 && qos !== 2) throw r.malformed("not a QoS 1/2 message");
		const packetId = inFlight ? r.u16() : Id.UNASSIGNED;
		if (packetId === 0) throw r.malformed("packet id 0");
		// Rebuilt as the session built it (session.ts publish): the topic as its checked field, then writePublish.
		const field = topics.field(words.readTopic(r, vocabulary));
		const payload = words.readPayload(r, vocabulary);
		const remaining = field.length + 2 + payload.length;
		const packet = new Uint8Array(1 + codec.varIntLength(remaining) + remaining);
		// The first byte: type 3, DUP (flags' 8 is its bit), QoS, RETAIN (flags' 4).
		codec.writePublish(packet, 0, 0x30 | (flags & 8) | (qos << 1) | ((flags >> 2) & 1), remaining, field, packetId, payload);
		return { released: (flags & 16) !== 0, packet };
	};
	const inflight = r.list(() => message(true));
	const queued = r.list(() => message(false).packet);
	const awaitingRelease = r.list(() => r.u16());
	const subscriptions = r.list(() => {
		const qos = r.byte();
		if (qos > 2) throw r.malformed("subscription QoS");
		return { qos: qos as QoS, topic: words.readTopic(r, vocabulary) };
	});
	r.end();
	return { nextPacketId, inflight, queued, awaitingRelease, subscriptions };
}

/** flags(1: qos | retain 4 | dup 8 | `released`) then, `inFlight`, the packet id; topic and payload. */
function writeMessage(w: record.RecordWriter, packet: Uint8Array, released: number, inFlight: boolean, vocabulary: words.Vocabulary): void {
	// A stored QoS 1/2 PUBLISH, read back; the session only ever stores its own.
	const p = codec.decode(packet);
	if (p.type !== PacketType.PUBLISH || p.qos === 0) throw w.malformed("not a QoS 1/2 PUBLISH");
	w.byte(p.qos | (p.retain ? 4 : 0) | (inFlight && p.dup ? 8 : 0) | released);
	if (inFlight) w.u16(p.packetId ?? 0);
	words.writeTopic(w, p.topic, vocabulary);
	words.writePayload(w, p.payload, vocabulary);
}
