/**
 * The compact session formats: topics as indices into the configured ones, the
 * firmware's own payloads in binary, and back to the very bytes the session exported.
 */
import { describe, it, check } from "./test-api";
import { expectProtocolError } from "./errors";
import { encodeUtf8, readUtf8 } from "../../src/common/utf8";
import { parseConfig } from "../../src/app/firmware";
import { sleepyVocabulary } from "../../src/app/retained-vocabulary";
import { asleepStatus } from "../../src/app/retained-vocabulary";
import { readingJson } from "../../src/app/lamp-app";
import { MqttSession } from "../../src/mqtt/session";
import { decodeSessionState, encodeSessionState } from "../../src/mqtt/state";
import * as snState from "../../src/mqttsn/state";
import { RecordReader, RecordWriter } from "../../src/power/record-bytes";
import { readPayload, writePayload, type Vocabulary } from "../../src/power/vocabulary";
import { sent } from "../../testkit/portable/mqtt-wire";

const config = parseConfig({ broker: "mqtt://b", mode: "sleepy", clientId: "c1" }, { wifi: false });
const vocabulary = sleepyVocabulary(config, ["lampnode/c1/wake"]);
const EPOCH = 1_764_000_000_000;

/** A payload through the vocabulary: the bytes it took and what came back. */
function roundTrip(payload: string, v: Vocabulary = vocabulary): { size: number; back: string } {
	const w = new RecordWriter("test");
	writePayload(w, encodeUtf8(payload), v);
	const bytes = w.finish();
	const r = new RecordReader(bytes, "test");
	const back = readUtf8(readPayload(r, v));
	r.end();
	return { size: bytes.length, back };
}

describe("Retained vocabulary", () => {
	it("keeps the firmware's own payloads in a few bytes, and gives them back exactly", () => {
		const cases: [string, number][] = [
			[readingJson({ temperature: 21.4, humidity: 48.2 }, EPOCH), 10],
			[readingJson({ temperature: -40, humidity: 0 }, EPOCH), 10],
			[readingJson({ temperature: -10.1, humidity: 99.9 }, 0), 10],
			[asleepStatus(300_000, EPOCH), 10],
			[asleepStatus(86_400_000, 0), 10],
			["42", 6],
			["on", 3],
			["offline", 3],
		];
		for (const [payload, size] of cases) check([payload, roundTrip(payload).size, roundTrip(payload).back]).toEqual([payload, size, payload]);
	});

	it("keeps any other payload raw, byte for byte, even one a form nearly matches", () => {
		for (const payload of ['{"t":21.4, "h":48.2}', '{"t":21.45,"h":48.2}', '{"h":48.2,"t":21.4}', "007", "toggle", "", '{"status":"asleep","wakeIn":1.5}']) {
			const { size, back } = roundTrip(payload);
			check([back, size]).toEqual([payload, 3 + encodeUtf8(payload).length]);
		}
	});

	it("MQTT: a session with messages in flight and queued is a fraction of its packets, and the same packets back", () => {
		const session = new MqttSession({ clientId: "c1", cleanSession: false, keepAlive: 60 });
		session.subscribe([{ topic: "home/office/lamp", qos: 1 }, { topic: "lampnode/c1/wake", qos: 1 }], 0);
		session.publish("home/office/lamp/status", encodeUtf8(asleepStatus(300_000, EPOCH)), 1, true, 0);
		session.publish("home/office/dht22", encodeUtf8(readingJson({ temperature: 21.4, humidity: 48.2 }, EPOCH)), 1, false, 0);
		session.open(0);
		sent(session);
		session.publish("lampnode/c1/wake", encodeUtf8("7"), 1, false, 0);
		session.publish("some/other/topic", encodeUtf8("free text"), 2, false, 0);
		const state = session.exportState();
		const bytes = encodeSessionState(state, vocabulary);
		const packets = [...state.inflight.map((m) => m.packet), ...state.queued].reduce((n, p) => n + p.length, 0);
		check(state.inflight.length + state.queued.length).toBe(4);
		check(bytes.length).toBeLessThan(packets / 2);
		const back = decodeSessionState(bytes, vocabulary);
		check(back.inflight.map((m) => Array.from(m.packet))).toEqual(state.inflight.map((m) => Array.from(m.packet)));
		check(back.queued.map((p) => Array.from(p))).toEqual(state.queued.map((p) => Array.from(p)));
		check(back.nextPacketId).toBe(state.nextPacketId);
		// Written with other topics (another configuration): refused, not misread.
		const other = sleepyVocabulary(parseConfig({ broker: "mqtt://b", mode: "sleepy", clientId: "c1", lampTopic: "garage/lamp" }, { wifi: false }), ["lampnode/c1/wake"]);
		expectProtocolError(() => decodeSessionState(bytes, other), "MALFORMED_PACKET");
		// Every retained record starts with its version.
		check(bytes[0]).toBe(2);
		expectProtocolError(() => decodeSessionState(new Uint8Array([1, ...bytes.subarray(1)]), vocabulary), "MALFORMED_PACKET");
	});

	it("MQTT-SN: topics by index, an IPv4 gateway in 4 bytes, and the same state back", () => {
		const state: snState.SessionState = {
			gateway: { gwId: 3, address: "192.168.1.10", port: 1884 },
			asleep: true,
			nextMsgId: 9,
			registrations: [
				{ topicId: 1, topicName: "home/office/lamp" },
				{ topicId: 2, topicName: "home/office/dht22" },
				{ topicId: 3, topicName: "not/configured" },
			],
			subscriptions: [{ topic: "home/office/lamp", qos: 1 }],
			outgoing: [{ topic: "home/office/dht22", payload: encodeUtf8(readingJson({ temperature: 5, humidity: 50 }, EPOCH)), qos: 1, retain: false, msgId: 8, released: false }],
			awaitingRelease: [4],
		};
		const v = sleepyVocabulary(config);
		const bytes = snState.encodeSessionState(state, v);
		check(snState.decodeSessionState(bytes, v)).toEqual(state);
		check(bytes.length).toBeLessThan(70);
		const named = { ...state, gateway: { gwId: 3, address: "gateway.local", port: 1884 } };
		check(snState.decodeSessionState(snState.encodeSessionState(named, v), v)).toEqual(named);
		expectProtocolError(() => snState.decodeSessionState(bytes, sleepyVocabulary(config, ["extra"])), "MALFORMED_PACKET");
	});
});
