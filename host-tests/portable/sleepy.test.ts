/**
 * Sleepy wakes over MQTT on a virtual clock: each wake is a fresh firmware on a fresh
 * board that shares only the retained bytes (as after a deep sleep) and the broker.
 */
import { describe, it, check } from "./test-api";
import { startFirmware } from "../../src/app/firmware";
import { SUBSCRIBE } from "../../testkit/portable/mqtt-types";
import { expectConfigError } from "./errors";
import { DeviceBoard, FakePower, retainedIn, run, SLEEPY_CONFIG } from "../../testkit/portable/device-board";
import { readSlots, slotCapacity } from "../../src/power/retained-store";
import { FakeBoard } from "../../testkit/portable/fake-board";
import { MiniBroker } from "../../testkit/portable/mini-broker";

const CONFIG = SLEEPY_CONFIG;

/** One wake: boots the firmware and runs the clock until it asks to deep sleep. */
async function wake(power: FakePower, broker: MiniBroker | undefined, config: Record<string, string> = {}, bootedAt = 0): Promise<DeviceBoard> {
	const board = new DeviceBoard({ power, dht22: { temperature: 21.4, humidity: 48.2 } });
	board.broker = broker;
	// A board clock that did not start at 0 (only differences of board time mean anything).
	board.advance(bootedAt);
	const sleeps = power.sleeps.length;
	startFirmware(board, { ...CONFIG, ...config }, { wifi: false });
	for (let t = 0; t < 15_000 && power.sleeps.length === sleeps; t += 50) await run(board, 50, 5);
	if (power.sleeps.length === sleeps) throw new Error("the firmware never went to sleep");
	return board;
}

function subscribes(broker: MiniBroker, connection: number): number {
	return broker.received[connection].filter((p) => p.type === SUBSCRIBE).length;
}

describe("Sleepy wake cycle (MQTT)", () => {
	it("reads, publishes, collects commands, says asleep and sleeps as soon as it is done", async () => {
		const power = new FakePower();
		const broker = new MiniBroker();
		const board = await wake(power, broker);
		const sleep = board.events("sleep")[0];
		check(sleep.reason).toBe("done");
		check(sleep.awakeMs as number).toBeLessThan(200);
		check(power.sleeps[0].ms).toBe(60_000);
		const reading = broker.published.find((p) => p.topic === "home/office/dht22");
		check(reading?.payload).toMatch(/^\{"t":21\.4,"h":48\.2,"ts":\d+\}$/);
		check(broker.retained.get("home/office/lamp/status")).toMatch(/^\{"status":"asleep","wakeIn":60,"wakeAt":\d+\}$/);
		// A clean DISCONNECT: the will ("offline") is for real failures only. (Connection 0 was the
		// clean start a first wake makes: adapters/mqtt.ts.)
		check(broker.received[1][broker.received[1].length - 1].type).toBe(14);
	});

	it("keeps the session across wakes: no resubscribing, commands queued while asleep arrive", async () => {
		const power = new FakePower();
		const broker = new MiniBroker();
		await wake(power, broker);
		// Connection 0 is the first wake's clean start; 1 makes the session.
		check(subscribes(broker, 1)).toBe(1);
		broker.publish("home/office/lamp", "on");
		const second = await wake(power, broker);
		check(subscribes(broker, 2)).toBe(0);
		check(second.outputs.get(2)).toBe(1);
		check(broker.retained.get("home/office/lamp/state")).toBe("on");
		check(second.events("sleep")[0].reason).toBe("done");
		const state = retainedIn(power);
		check("state" in state && state.state.bootCount).toBe(2);
		check("state" in state && state.state.lampOn).toBe(true);
		// Ten more wakes, each with its reading, none subscribing again.
		for (let n = 0; n < 10; n++) await wake(power, broker);
		check(broker.published.filter((p) => p.topic === "home/office/dht22")).toHaveLength(12);
		check(broker.received.slice(2).every((packets) => packets.every((p) => p.type !== SUBSCRIBE))).toBe(true);
	});

	it("without a network sleeps at the deadline, and delivers the kept reading on the next wake", async () => {
		const power = new FakePower();
		const broker = new MiniBroker();
		await wake(power, broker);
		const lost = await wake(power, undefined);
		const sleep = lost.events("sleep")[0];
		check(sleep.reason).toBe("no-network");
		check(sleep.awakeMs as number).toBeGreaterThanOrEqual(5000);
		check(sleep.awakeMs as number).toBeLessThan(5100);
		check(broker.published.filter((p) => p.topic === "home/office/dht22")).toHaveLength(1);
		// The reconnect backoff goes on across the sleep, so a fleet does not retry in lockstep.
		const kept = retainedIn(power);
		check("state" in kept && kept.state.reconnectAttempt).toBeGreaterThan(1);
		const third = await wake(power, broker);
		// The reading of the wake without a network, and this wake's own. The marker queued
		// by the wake without a network is resent too, and ignored: its nonce is old.
		check(broker.published.filter((p) => p.topic === "home/office/dht22")).toHaveLength(3);
		check(broker.published.filter((p) => p.topic === "lampnode/sensor-1/wake").map((p) => p.payload)).toEqual(["1", "2", "3"]);
		check(third.events("sleep")[0].reason).toBe("done");
	});

	it("sleeps at the maximum awake time when commands never finish arriving", async () => {
		const power = new FakePower();
		const broker = new MiniBroker();
		broker.swallow.add("lampnode/sensor-1/wake");
		const board = await wake(power, broker);
		const sleep = board.events("sleep")[0];
		check(sleep.reason).toBe("max-awake");
		check(sleep.awakeMs as number).toBeGreaterThanOrEqual(10_000);
		check(sleep.awakeMs as number).toBeLessThan(10_100);
	});

	it("waits for the reading's acknowledgement before it sleeps, however late it comes", async () => {
		const power = new FakePower();
		const broker = new MiniBroker();
		// The marker comes back at once; only the reading's PUBACK is late.
		broker.holdAcks.set("home/office/dht22", 2000);
		const board = await wake(power, broker);
		const sleep = board.events("sleep")[0];
		check(sleep.reason).toBe("done");
		check(sleep.awakeMs as number).toBeGreaterThanOrEqual(2000);
		check(sleep.awakeMs as number).toBeLessThan(2200);
		// Never acknowledged: the wake does not call itself done, it runs out of time.
		const unacknowledged = new MiniBroker();
		unacknowledged.holdAcks.set("home/office/dht22", Infinity);
		check((await wake(new FakePower(), unacknowledged)).events("sleep")[0].reason).toBe("max-awake");
	});

	it("waits for the acknowledgement of its asleep status too, not only the reading's", async () => {
		const power = new FakePower();
		const broker = new MiniBroker();
		broker.holdAcks.set("home/office/lamp/status", 2000);
		const board = await wake(power, broker);
		const sleep = board.events("sleep")[0];
		check(sleep.reason).toBe("done");
		check(sleep.awakeMs as number).toBeGreaterThanOrEqual(2000);
		const unacknowledged = new MiniBroker();
		unacknowledged.holdAcks.set("home/office/lamp/status", Infinity);
		check((await wake(new FakePower(), unacknowledged)).events("sleep")[0].reason).toBe("max-awake");
	});

	it("woken by the button: toggles the lamp and publishes its state", async () => {
		const power = new FakePower();
		const broker = new MiniBroker();
		await wake(power, broker, { buttonPin: "0" });
		check(power.sleeps[0].wake).toEqual({ pin: 0, level: 0 });
		power.wakeCause = "button";
		const board = await wake(power, broker, { buttonPin: "0" });
		check(board.outputs.get(2)).toBe(1);
		check(board.events("lamp")).toEqual([{ state: "on", source: "button" }]);
		check(broker.retained.get("home/office/lamp/state")).toBe("on");
	});

	it("keeps 2 s between DHT22 reads across a short sleep", async () => {
		const power = new FakePower();
		const broker = new MiniBroker();
		await wake(power, broker, { sleepInterval: "1" });
		const second = await wake(power, broker, { sleepInterval: "1" }, 5000);
		// Read at about 0 ms of the first wake; slept 1 s; so the second read waits about 1 s.
		check(second.captures[0] - 5000).toBeGreaterThan(900);
		check(second.captures[0] - 5000).toBeLessThan(1100);
	});

	it("a torn slot is discarded and counted; the other slot's older state carries the wake", async () => {
		const power = new FakePower();
		const broker = new MiniBroker();
		await wake(power, broker);
		const before = readSlots(power.retained, power.retainedCapacity);
		const newest = before.slot as number;
		// A power cut in the middle of the newest write: its second half is still the old bytes.
		const half = slotCapacity(power.retainedCapacity);
		(power.retained as Uint8Array).fill(0x5a, newest * half + 20, newest * half + 40);
		const board = await wake(power, broker);
		check(board.events("retained-discarded").map((e) => e.reason)).toEqual(["corrupt"]);
		check(board.events("sleep")[0].reason).toBe("done");
		const state = retainedIn(power);
		check("state" in state && [state.state.discarded, state.state.bootCount]).toEqual([1, 2]);
	});

	it("with both slots corrupt, counts both and starts a fresh session", async () => {
		const power = new FakePower();
		const broker = new MiniBroker();
		await wake(power, broker);
		const half = slotCapacity(power.retainedCapacity);
		(power.retained as Uint8Array)[10] ^= 0x40;
		(power.retained as Uint8Array)[half + 10] ^= 0x40;
		const board = await wake(power, broker);
		check(board.events("retained-discarded").map((e) => e.reason)).toEqual(["corrupt", "corrupt"]);
		// A clean start (connection 2), then the new session subscribes.
		check(broker.received[2].map((p) => p.type)).toEqual([1, 14]);
		check(subscribes(broker, 3)).toBe(1);
		const state = retainedIn(power);
		check("state" in state && [state.state.discarded, state.state.bootCount]).toEqual([2, 1]);
	});

	it("needs a client id for its persistent session, and a board that can sleep", () => {
		expectConfigError(() => startFirmware(new DeviceBoard(), { ...CONFIG, clientId: "" }, { wifi: false }), "clientId");
		expectConfigError(() => startFirmware(new FakeBoard(), CONFIG, { wifi: false }), "mode");
		expectConfigError(() => startFirmware(new DeviceBoard(), { ...CONFIG, mode: "doze" }, { wifi: false }), "mode");
		expectConfigError(() => startFirmware(new DeviceBoard(), { ...CONFIG, networkDeadline: "20" }, { wifi: false }), "networkDeadline");
	});
});
