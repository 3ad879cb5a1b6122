/**
 * The client's durable state and its byte form, for retained memory across deep sleep:
 * the gateway, whether it holds our session asleep, the topic ids it assigned, the next
 * message id and every QoS 1/2 message not yet acknowledged. Restored, the client wakes
 * and publishes with the ids it already has instead of registering again.
 *
 * Compact, since it must fit RTC memory (a 236-byte slot on the ESP8266, with the rest of
 * the wake's state): topics and payloads go through the firmware's vocabulary
 * (power/vocabulary.ts), a configured topic in one byte and a reading in 8, and an IPv4
 * gateway address in 4 bytes.
 *
 * Layout (integers big-endian):
 *   version(1) vocabulary tag(4) flags(1: gateway present, asleep)
 *   [gwId(1) port(2) address(1: 4 then IPv4 bytes, or 0 then a string)]
 *   nextMsgId(2)
 *   count(1) { topicId(2) topic }
 *   count(1) { qos(1) topic }
 *   count(1) { flags(1: qos, retain 4, released 8) msgId(2) topic payload }
 *   count(1) { msgId(2) }
 * topic and payload as vocabulary.ts writes them; strings UTF-8 behind a one-byte length.
 */
import * as recordBytes from "../power/record-bytes";
import * as vocab from "../power/vocabulary";
import type { Vocabulary } from "../power/vocabulary";
import type { Gateway } from "./types";
import { ipv4Octets } from "../common/text";

/** The layout's version (a `const enum`: written as its number, no binding). */
const enum Layout {
	VERSION = 2,
}
const WHAT = "MQTT-SN session state";

/** A QoS 1/2 message not yet acknowledged; msgId 0 while it was never sent. */
export interface StoredPublish {
	readonly topic: string;
	readonly payload: Uint8Array;
	readonly qos: 1 | 2;
	readonly retain: boolean;
	readonly msgId: number;
	/** QoS 2: PUBREC arrived, PUBREL is what remains to send. */
	readonly released: boolean;
}

export interface SessionState {
	readonly gateway?: Gateway;
	/** The client went to sleep with DISCONNECT(duration): the gateway keeps its session. */
	readonly asleep: boolean;
	readonly nextMsgId: number;
	readonly registrations: readonly { readonly topicId: number; readonly topicName: string }[];
	readonly subscriptions: readonly { readonly topic: string; readonly qos: 0 | 1 | 2 }[];
	readonly outgoing: readonly StoredPublish[];
	/** Incoming QoS 2 message ids whose PUBREL has not arrived. */
	readonly awaitingRelease: readonly number[];
}

export function encodeSessionState(state: SessionState, vocabulary: Vocabulary = vocab.NO_VOCABULARY): Uint8Array {
	const w = new recordBytes.RecordWriter(WHAT);
	const gateway = state.gateway;
	w.byte(Layout.VERSION);
	w.u32(vocabulary.tag);
	w.byte((gateway ? 1 : 0) | (state.asleep ? 2 : 0));
	if (gateway) {
		w.byte(gateway.gwId);
		w.u16(gateway.port);
		const address = gateway.address;
		const octets = ipv4Octets(address);
		// Only an address that prints back exactly as given ("10.0.0.1", not "010.0.0.1").
		if (octets && octets.join(".") === address) {
			w.byte(4);
			for (let i = 0; i < 4; i++) w.byte(octets[i]);
		} else {
			w.byte(0);
			w.string(address);
		}
	}
	w.u16(state.nextMsgId);
	// Indexed loops: a for-of costs twice the bytecode on XS.
	let list: readonly { readonly topicId: number; readonly topicName: string }[] | readonly StoredPublish[] | readonly number[] = state.registrations;
	w.count(list.length);
	for (let i = 0; i < list.length; i++) {
		w.u16(list[i].topicId);
		vocab.writeTopic(w, list[i].topicName, vocabulary);
	}
	const subscriptions = state.subscriptions;
	w.count(subscriptions.length);
	for (let i = 0; i < subscriptions.length; i++) {
		w.byte(subscriptions[i].qos);
		vocab.writeTopic(w, subscriptions[i].topic, vocabulary);
	}
	list = state.outgoing;
	w.count(list.length);
	for (let i = 0; i < list.length; i++) {
		const m = list[i];
		w.byte(m.qos | (m.retain ? 4 : 0) | (m.released ? 8 : 0));
		w.u16(m.msgId);
		vocab.writeTopic(w, m.topic, vocabulary);
		vocab.writePayload(w, m.payload, vocabulary);
	}
	list = state.awaitingRelease;
	w.count(list.length);
	for (let i = 0; i < list.length; i++) w.u16(list[i]);
	return w.finish();
}

/**
 * Throws ProtocolError("MALFORMED_PACKET") for bytes that are not a state this version
 * wrote with this vocabulary (another firmware, or other configured topics).
 */
export function decodeSessionState(bytes: Uint8Array, vocabulary: Vocabulary = vocab.NO_VOCABULARY): SessionState {
	const r = new recordBytes.RecordReader(bytes, WHAT);
	if (r.byte() !== Layout.VERSION || r.u32() !== vocabulary.tag) throw r.malformed("another version or vocabulary");
	const flags = r.byte();
	let gateway: Gateway | undefined;
	if (flags & 1) {
		const gwId = r.byte();
		const port = r.u16();
		const kind = r.byte();
		if (kind !== 0 && kind !== 4) throw r.malformed("gateway address");
		gateway = { gwId, port, address: kind ? r.byte() + "." + r.byte() + "." + r.byte() + "." + r.byte() : r.string() };
	}
	const nextMsgId = r.u16();
	const registrations = r.list(() => ({ topicId: r.u16(), topicName: vocab.readTopic(r, vocabulary) }));
	const subscriptions = r.list(() => {
		const qos = r.byte();
		if (qos > 2) throw r.malformed("subscription QoS");
		return { qos: qos as 0 | 1 | 2, topic: vocab.readTopic(r, vocabulary) };
	});
	const outgoing = r.list((): StoredPublish => {
		const bits = r.byte();
		const qos = bits & 3;
		if (qos !== 1 && qos !== 2) throw r.malformed("stored message QoS");
		return { qos, retain: (bits & 4) !== 0, released: (bits & 8) !== 0, msgId: r.u16(), topic: vocab.readTopic(r, vocabulary), payload: vocab.readPayload(r, vocabulary) };
	});
	const awaitingRelease = r.list(() => r.u16());
	r.end();
	return { gateway, asleep: (flags & 2) !== 0, nextMsgId, registrations, subscriptions, outgoing, awaitingRelease };
}
