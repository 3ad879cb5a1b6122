/**
 * The sleepy firmware over MQTT 5 against a real mosquitto (its v5 mode): "asleep is not
 * dead" (issue 16). Each wake is a fresh firmware on the host board from its retained
 * file, as after a deep sleep; before sleeping it sends DISCONNECT 0x04, which keeps the
 * will ("offline" on the status topic) waiting its Will Delay Interval. A node that dies
 * asleep (its process gone, never woken) gets "offline" after the delay and not before;
 * a node that wakes in time never does. One-second sleeps keep the delay at 5 s.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { HostBoard } from "../../boards/host/board";
import { sleepyWill5 } from "../../src/app/adapters/mqtt";
import type { RawConfig } from "../../src/app/config-reader";
import { startFirmware } from "../../src/app/firmware";
import { Esp8266 } from "../../src/power/capacity";
import { Mosquitto } from "../../testkit/peers/mosquitto";
import { describeWithPeers } from "../../testkit/peers/require-peer";
import { letTimePass, waitFor } from "../../testkit/wait-for";
import { Observer } from "./harness";

const folder = mkdtempSync(join(tmpdir(), "lampnode-sleepy5-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** One-second sleeps and wakes: the Will Delay comes to 5 s (sleepyWill5). */
function config(url: string, name: string): RawConfig {
	return { broker: url, mode: "sleepy", mqttVersion: "5", clientId: `sleepy5-${name}`, lampTopic: `${name}/lamp`, telemetryTopic: `${name}/dht22`, sleepInterval: "1", maxAwake: "1", networkDeadline: "1", buttonPin: "-1" };
}

/** One wake in this process, on the node's retained file; resolves at its deep sleep with the time it fell asleep. */
async function wake(raw: RawConfig): Promise<number> {
	let asleep!: (at: number) => void;
	const slept = new Promise<number>((resolve) => (asleep = resolve));
	const board = new HostBoard({ log: () => undefined, retainedPath: join(folder, `${String(raw.clientId)}.bin`), retainedCapacity: Esp8266.RETAINED_CAPACITY, onDeepSleep: () => asleep(Date.now()) });
	startFirmware(board, raw, { wifi: false });
	return await slept;
}

describeWithPeers("Sleepy MQTT 5: the will waits out the sleep (mosquitto)", ["mosquitto"], () => {
	let broker: Mosquitto;
	beforeAll(async () => {
		broker = await Mosquitto.start();
	});
	afterAll(async () => {
		await broker?.stop();
	});

	it("a node that dies asleep is reported offline after the Will Delay; one that wakes in time never is", async () => {
		const url = `mqtt://127.0.0.1:${broker.port}`;
		const live = config(url, "live");
		const dead = config(url, "dead");
		const willDelayMs = sleepyWill5({ sleepInterval: 1000, maxAwake: 1000, networkDeadline: 1000 }).willDelay * 1000;
		expect(willDelayMs).toBe(5000);
		const observer = await Observer.connect(url, { protocolVersion: 5 });
		await observer.subscribe("+/lamp/status", 1);

		const [, diedAt] = await Promise.all([wake(live), wake(dead)]);
		// mosquitto looks at delayed wills from its main loop, late by a second or two on a busy machine: 3 s of margin once was not enough in CI.
		const willArrived = waitFor(() => observer.on("dead/lamp/status").some((r) => r.payload === "offline") && Date.now(), { what: "the dead node's will", deadline: willDelayMs + 6000 });
		// The dead node's process is gone; the live one wakes on schedule, past the dead one's delay.
		let lastSleep = diedAt;
		while (Date.now() - diedAt < willDelayMs + 1500) {
			await letTimePass(1000);
			lastSleep = await wake(live);
		}
		const willAt = await willArrived;
		// mosquitto counts the delay in whole seconds, so up to one early.
		expect(willAt - diedAt).toBeGreaterThanOrEqual(willDelayMs - 1000);
		expect(observer.on("dead/lamp/status").map((r) => r.payload.startsWith('{"status":"asleep"') || r.payload)).toEqual([true, "offline"]);
		expect(observer.on("live/lamp/status").length).toBeGreaterThanOrEqual(5);
		expect(observer.on("live/lamp/status").every((r) => r.payload.startsWith('{"status":"asleep"'))).toBe(true);
		expect(Date.now() - lastSleep).toBeLessThan(willDelayMs);
		await observer.close();
	}, 20_000);
});
