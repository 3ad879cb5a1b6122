/** Retained state: its byte format, the MQTT session's bytes, and the wake-cycle deadlines. */
import { describe, it, check } from "./test-api";
import { expectProtocolError } from "./errors";
import { crc32, decodeRetained, EMPTY_STATE, encodeRetained, readSlots, RetainedStore, writeSlot, type RetainedState } from "../../src/power/retained-store";
import { WakeCycle } from "../../src/app/sleepy";
import { MqttSession } from "../../src/mqtt/session";
import { decodeSessionState, encodeSessionState } from "../../src/mqtt/state";
import { NO_VOCABULARY } from "../../src/power/vocabulary";
import { encodeUtf8 } from "../../src/common/utf8";
import { sent } from "../../testkit/portable/mqtt-wire";
import { FakePower, retainedIn } from "../../testkit/portable/device-board";
import { FakeBoard } from "../../testkit/portable/fake-board";

const STATE: RetainedState = {
	writes: 7,
	bootCount: 41,
	discarded: 2,
	clockMs: 12_345_678.5,
	lastReadAt: 12_000_000,
	reconnectAttempt: 3,
	lampOn: true,
	protocol: "mqtt",
	sleepMs: 3_600_000,
	chainMs: 82_800_000,
	session: new Uint8Array([1, 2, 3, 4, 5]),
};

function decoded(bytes: Uint8Array): RetainedState {
	const result = decodeRetained(bytes);
	if (!("state" in result)) throw new Error(`discarded: ${result.discarded}`);
	return result.state;
}

describe("Retained state", () => {
	it("computes the standard CRC-32 (check value of \"123456789\")", () => {
		check(crc32(encodeUtf8("123456789"))).toBe(0xcbf43926);
	});

	it("round-trips every field", () => {
		const state = decoded(encodeRetained(STATE));
		check({ ...state, session: Array.from(state.session) }).toEqual({ ...STATE, session: [1, 2, 3, 4, 5] });
		check(Number.isNaN(decoded(encodeRetained(EMPTY_STATE)).lastReadAt)).toBe(true);
	});

	it("discards bytes with any single bit flipped as corrupt", () => {
		const bytes = encodeRetained(STATE);
		for (let i = 0; i < bytes.length; i++) {
			const copy = bytes.slice();
			copy[i] ^= 1 << (i % 8);
			const result = decodeRetained(copy);
			check("discarded" in result).toBe(true);
		}
	});

	it("discards a torn write (truncated) and leftovers after a power-on", () => {
		const bytes = encodeRetained(STATE);
		for (const length of [0, 4, 20, bytes.length - 1]) check(decodeRetained(bytes.slice(0, length))).toEqual({ discarded: "corrupt" });
		check(decodeRetained(new Uint8Array(64))).toEqual({ discarded: "corrupt" });
		check(decodeRetained(new Uint8Array(64).fill(0xff))).toEqual({ discarded: "corrupt" });
	});

	it("discards a state of another version, checksum intact, as old", () => {
		const bytes = encodeRetained(STATE);
		bytes[2] = 0;
		new DataView(bytes.buffer).setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)));
		check(decodeRetained(bytes)).toEqual({ discarded: "version" });
	});
});

describe("Retained store", () => {
	it("counts boots, keeps the device clock across a timer wake, and maps the last read time", () => {
		const power = new FakePower();
		const first = new FakeBoard();
		first.advance(7000);
		const store = new RetainedStore(first, power, "mqtt", 60_000);
		check(store.state.bootCount).toBe(1);
		check(store.lastReadAt).toBeUndefined();
		first.advance(500);
		store.save({ lastReadAt: 7100, reconnectAttempt: 2, lampOn: true, session: new Uint8Array([9]) });
		power.deepSleep(60_000);
		// Woken by its timer 60 s later, on a board whose clock starts afresh.
		const next = new RetainedStore(new FakeBoard(), power, "mqtt", 60_000);
		check([next.state.bootCount, next.state.reconnectAttempt, next.state.lampOn]).toEqual([2, 2, true]);
		check(next.state.clockMs).toBe(500);
		check(next.lastReadAt).toBe(100 - 500 - 60_000);
		check(Array.from(next.session ?? [])).toEqual([9]);
		check(new RetainedStore(new FakeBoard(), power, "mqttsn", 60_000).session).toBeUndefined();
	});

	it("keeps a state too large for the board without its session", () => {
		// Slots of 60 bytes: room for the fixed fields (49), not for a 100-byte session.
		const power = new FakePower(undefined, "reset", 120);
		const board = new FakeBoard();
		new RetainedStore(board, power, "mqtt", 1000).save({ lastReadAt: 0, reconnectAttempt: 0, lampOn: false, session: new Uint8Array(100) });
		// Never silent: a typed error with the sizes.
		check(board.events("error").map((e) => [e.code, e.bytes, e.capacity])).toEqual([["RETAINED_TOO_LARGE", 149, 60]]);
		const kept = retainedIn(power);
		check("state" in kept && [kept.state.protocol, kept.state.session.length, kept.state.bootCount]).toEqual(["none", 0, 1]);
	});
});

describe("MQTT session state bytes", () => {
	it("round-trips a session's in-flight, queued and subscription state", () => {
		const session = new MqttSession({ clientId: "s1", cleanSession: false, keepAlive: 60 });
		session.subscribe([{ topic: "home/+/lamp", qos: 1 }], 0);
		session.publish("a", encodeUtf8("one"), 1, false, 0);
		session.publish("b", encodeUtf8("two"), 2, true, 0);
		session.open(0);
		sent(session);
		session.publish("c", encodeUtf8("three"), 1, false, 0);
		const state = session.exportState();
		const back = decodeSessionState(encodeSessionState(state, NO_VOCABULARY), NO_VOCABULARY);
		check(back.nextPacketId).toBe(state.nextPacketId);
		check(back.inflight.map((m) => Array.from(m.packet))).toEqual(state.inflight.map((m) => Array.from(m.packet)));
		check(back.queued).toHaveLength(state.queued.length);
		check(back.awaitingRelease).toEqual(state.awaitingRelease);

		// Restored, the session resends its in-flight messages with DUP and their ids.
		const restored = new MqttSession({ clientId: "s1", cleanSession: false, keepAlive: 60, state: back });
		restored.open(0);
		const resent = sent(restored).filter((p) => p.type === 3);
		check(resent.length).toBeGreaterThanOrEqual(2);
	});

	it("refuses bytes that are not such a state", () => {
		expectProtocolError(() => decodeSessionState(new Uint8Array([0, 1, 0]), NO_VOCABULARY), "MALFORMED_PACKET");
		expectProtocolError(() => decodeSessionState(new Uint8Array([0, 1, 0, 1, 0, 0, 2, 0x30, 0]), NO_VOCABULARY), "MALFORMED_PACKET");
		const good = encodeSessionState({ nextPacketId: 1, inflight: [], queued: [], awaitingRelease: [], subscriptions: [] }, NO_VOCABULARY);
		expectProtocolError(() => decodeSessionState(new Uint8Array([...good, 0]), NO_VOCABULARY), "MALFORMED_PACKET");
	});
});

describe("Wake cycle", () => {
	it("ends as soon as the work is done", () => {
		const cycle = new WakeCycle({ start: 1000, maxAwake: 10_000, networkDeadline: 3000 });
		cycle.expect("reading");
		cycle.connected();
		check(cycle.check(1500)).toBeUndefined();
		cycle.complete("reading");
		check(cycle.check(1600)).toBe("done");
		check(cycle.check(99_999)).toBe("done");
	});

	it("gives up on the network at its deadline", () => {
		const cycle = new WakeCycle({ start: 0, maxAwake: 10_000, networkDeadline: 3000 });
		check(cycle.nextTimeout()).toBe(3000);
		check(cycle.check(2999)).toBeUndefined();
		check(cycle.check(3000)).toBe("no-network");
	});

	it("sleeps at the maximum awake time with work left", () => {
		const cycle = new WakeCycle({ start: 0, maxAwake: 10_000, networkDeadline: 3000 });
		cycle.expect("commands");
		cycle.connected();
		check(cycle.nextTimeout()).toBe(10_000);
		check(cycle.check(9999)).toBeUndefined();
		check(cycle.tasks).toEqual(["commands"]);
		check(cycle.check(10_000)).toBe("max-awake");
	});
});

describe("Retained slots", () => {
	const record = (writes: number) => encodeRetained({ ...EMPTY_STATE, writes, bootCount: writes });

	it("writes in turn and reads the newest intact record", () => {
		let region = writeSlot(undefined, 256, 0, record(1));
		region = writeSlot(region, 256, 1, record(2));
		const restored = readSlots(region, 256);
		check([restored.slot, restored.state?.writes, restored.discarded.length]).toEqual([1, 2, 0]);
		region = writeSlot(region, 256, 0, record(3));
		check(readSlots(region, 256).state?.writes).toBe(3);
	});

	it("falls back to the other slot when a write is torn at any byte, and counts the torn one", () => {
		const old = writeSlot(writeSlot(undefined, 256, 0, record(1)), 256, 1, record(2));
		const full = writeSlot(old, 256, 0, record(3));
		for (let cut = 1; cut < record(3).length; cut++) {
			// Power lost after `cut` bytes of slot 0: the rest of it is still record 1.
			const torn = old.slice();
			torn.set(full.subarray(0, cut), 0);
			const restored = readSlots(torn, 256);
			// Until a byte that differs is written, slot 0 still is record 1, intact.
			const changed = torn.subarray(0, 128).some((byte, i) => byte !== old[i]);
			check([restored.slot, restored.state?.writes, restored.discarded]).toEqual([1, 2, changed ? ["corrupt"] : []]);
		}
	});

	it("takes blank memory as never written, not as a discard", () => {
		for (const fill of [0, 0xff]) check(readSlots(new Uint8Array(256).fill(fill), 256)).toEqual({ state: undefined, slot: undefined, discarded: [] });
		check(readSlots(undefined, 256).discarded).toHaveLength(0);
	});
});
