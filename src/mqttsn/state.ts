/**
 * The client's durable state and its byte form, for retained memory across deep sleep:
 * the gateway, whether it holds our session asleep, the topic ids it assigned, the next
 * message id and every QoS 1/2 message not yet acknowledged. Restored, the client wakes
 * and publishes with the ids it already has instead of registering again.
 *
 * Layout (all integers big-endian, strings UTF-8 with a 16-bit length):
 *   version(1) flags(1: gateway present, asleep)
 *   [gwId(1) port(2) address(str)]
 *   nextMsgId(2)
 *   count(2) { topicId(2) topicName(str) }
 *   count(2) { qos(1) filter(str) }
 *   count(2) { flags(1: qos, retain, released) msgId(2) topic(str) payload(2 + bytes) }
 *   count(2) { msgId(2) }
 */
import { ProtocolError } from "../common/errors";
import { readUtf8, utf8Length, writeUtf8 } from "../common/utf8";
import type { Gateway } from "./discovery";

const VERSION = 1;

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

export function encodeSessionState(state: SessionState): Uint8Array {
	const w = new StateWriter();
	w.byte(VERSION);
	w.byte((state.gateway ? 1 : 0) | (state.asleep ? 2 : 0));
	if (state.gateway) {
		w.byte(state.gateway.gwId);
		w.u16(state.gateway.port);
		w.string(state.gateway.address);
	}
	w.u16(state.nextMsgId);
	w.u16(state.registrations.length);
	for (const r of state.registrations) {
		w.u16(r.topicId);
		w.string(r.topicName);
	}
	w.u16(state.subscriptions.length);
	for (const s of state.subscriptions) {
		w.byte(s.qos);
		w.string(s.topic);
	}
	w.u16(state.outgoing.length);
	for (const m of state.outgoing) {
		w.byte(m.qos | (m.retain ? 4 : 0) | (m.released ? 8 : 0));
		w.u16(m.msgId);
		w.string(m.topic);
		w.u16(m.payload.length);
		w.bytes(m.payload);
	}
	w.u16(state.awaitingRelease.length);
	for (const id of state.awaitingRelease) w.u16(id);
	return w.finish();
}

/** Throws ProtocolError("MALFORMED_PACKET") for bytes that are not a state this version wrote. */
export function decodeSessionState(bytes: Uint8Array): SessionState {
	const r = new StateReader(bytes);
	if (r.byte() !== VERSION) throw malformed("unknown state version");
	const flags = r.byte();
	const gateway = flags & 1 ? { gwId: r.byte(), port: r.u16(), address: r.string() } : undefined;
	const nextMsgId = r.u16();
	const registrations = r.list(() => ({ topicId: r.u16(), topicName: r.string() }));
	const subscriptions = r.list(() => {
		const qos = r.byte();
		if (qos > 2) throw malformed("subscription QoS");
		return { qos: qos as 0 | 1 | 2, topic: r.string() };
	});
	const outgoing = r.list((): StoredPublish => {
		const bits = r.byte();
		const qos = bits & 3;
		if (qos !== 1 && qos !== 2) throw malformed("stored message QoS");
		const msgId = r.u16();
		const topic = r.string();
		const payload = r.bytes(r.u16()).slice();
		return { qos, retain: (bits & 4) !== 0, released: (bits & 8) !== 0, msgId, topic, payload };
	});
	const awaitingRelease = r.list(() => r.u16());
	r.end();
	return { gateway, asleep: (flags & 2) !== 0, nextMsgId, registrations, subscriptions, outgoing, awaitingRelease };
}

class StateWriter {
	#bytes = new Uint8Array(64);
	#length = 0;
	byte(value: number): void {
		this.#reserve(1);
		this.#bytes[this.#length++] = value;
	}
	u16(value: number): void {
		this.byte(value >> 8);
		this.byte(value & 0xff);
	}
	bytes(value: Uint8Array): void {
		this.#reserve(value.length);
		this.#bytes.set(value, this.#length);
		this.#length += value.length;
	}
	string(value: string): void {
		const length = utf8Length(value);
		if (length < 0 || length > 0xffff) throw malformed("string cannot be stored");
		this.u16(length);
		this.#reserve(length);
		this.#length = writeUtf8(value, this.#bytes, this.#length);
	}
	finish(): Uint8Array {
		return this.#bytes.slice(0, this.#length);
	}
	#reserve(extra: number): void {
		if (this.#length + extra <= this.#bytes.length) return;
		const grown = new Uint8Array(Math.max(this.#bytes.length * 2, this.#length + extra));
		grown.set(this.#bytes.subarray(0, this.#length));
		this.#bytes = grown;
	}
}

class StateReader {
	readonly #bytes: Uint8Array;
	#offset = 0;
	constructor(bytes: Uint8Array) {
		this.#bytes = bytes;
	}
	byte(): number {
		if (this.#offset >= this.#bytes.length) throw malformed("state ends early");
		return this.#bytes[this.#offset++];
	}
	u16(): number {
		return (this.byte() << 8) | this.byte();
	}
	bytes(length: number): Uint8Array {
		if (this.#offset + length > this.#bytes.length) throw malformed("state ends early");
		const view = this.#bytes.subarray(this.#offset, this.#offset + length);
		this.#offset += length;
		return view;
	}
	string(): string {
		const view = this.bytes(this.u16());
		return readUtf8(view);
	}
	list<T>(item: () => T): T[] {
		const out: T[] = [];
		for (let count = this.u16(); count > 0; count--) out.push(item());
		return out;
	}
	end(): void {
		if (this.#offset !== this.#bytes.length) throw malformed("bytes after the state");
	}
}

function malformed(message: string): ProtocolError {
	return new ProtocolError("MALFORMED_PACKET", `MQTT-SN session state: ${message}`);
}
