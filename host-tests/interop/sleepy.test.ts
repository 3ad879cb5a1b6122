/**
 * The device against real brokers on the host board: sleepy wake cycles where each wake
 * is a fresh firmware started from the retained file (as after a deep sleep), with the
 * persistent session kept on the broker (no resubscribing), commands queued while
 * asleep, a reading that survives a killed process; and always-on keep-alive.
 */
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostBoard } from "../../boards/host/board";
import { startFirmware } from "../../src/app/firmware";
import { Esp8266 } from "../../src/power/capacity";
import type { RawConfig } from "../../src/app/config-reader";
import { startEmbeddedBroker, type EmbeddedBroker } from "../../tools/launcher/broker";
import { startFirmware as spawnFirmware } from "../../tools/launcher/firmware";
import { Mosquitto } from "../../testkit/peers/mosquitto";
import { freeTcpPort } from "../../testkit/peers/ports";
import { describeWithPeers } from "../../testkit/peers/require-peer";
import { FirmwareUnderTest, Observer, retained, type LoggedEvent } from "./harness";
import { waitFor } from "../../testkit/wait-for";

const folders: string[] = [];
function retainedFile(): string {
	const folder = mkdtempSync(join(tmpdir(), "lampnode-sleepy-"));
	folders.push(folder);
	return join(folder, "retained.bin");
}
afterAll(() => {
	for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function sleepyConfig(url: string, name: string): RawConfig {
	return {
		broker: url,
		mode: "sleepy",
		clientId: `sleepy-${name}`,
		lampTopic: `${name}/lamp`,
		telemetryTopic: `${name}/dht22`,
		sleepInterval: "1",
		maxAwake: "10",
		networkDeadline: "5",
		buttonPin: "-1",
		reconnectBase: "50",
	};
}

/** One wake in this process: a new board (with an ESP8266's retained memory) and firmware on the retained file, until it deep sleeps. */
async function wake(config: RawConfig, path: string): Promise<LoggedEvent[]> {
	const events: LoggedEvent[] = [];
	let asleep!: () => void;
	const slept = new Promise<void>((resolve) => (asleep = resolve));
	const board = new HostBoard({ log: (event, fields) => events.push({ event, fields }), retainedPath: path, retainedCapacity: Esp8266.RETAINED_CAPACITY, onDeepSleep: () => asleep() });
	startFirmware(board, config, { wifi: false });
	await Promise.race([slept, new Promise((_, reject) => setTimeout(() => reject(new Error(`no deep sleep: ${JSON.stringify(events)}`)), 15_000))]);
	return events;
}

const fields = (events: LoggedEvent[], name: string) => events.filter((e) => e.event === name).map((e) => e.fields);

describe("Sleepy interop: aedes", () => {
	let broker: EmbeddedBroker;
	beforeAll(async () => {
		broker = await startEmbeddedBroker(0);
	});
	afterAll(async () => {
		await broker.close();
	});

	it("runs 20 wake cycles: every reading arrives, one SUBSCRIBE in all, a command sent while asleep is taken", async () => {
		const config = sleepyConfig(broker.url, "aedes20");
		const path = retainedFile();
		const subscribes: string[] = [];
		broker.aedes.on("subscribe", (subscriptions, client) => {
			if (client?.id === "sleepy-aedes20") subscribes.push(...subscriptions.map((s) => s.topic));
		});
		const observer = await Observer.connect(broker.url);
		await observer.subscribe("aedes20/dht22");
		const reasons: unknown[] = [];
		let lampOnAt = -1;
		for (let n = 1; n <= 20; n++) {
			if (n === 8) await observer.client.publishAsync("aedes20/lamp", "on", { qos: 1 });
			const events = await wake(config, path);
			reasons.push(fields(events, "sleep")[0]?.reason);
			if (fields(events, "lamp").some((f) => f.state === "on") && lampOnAt < 0) lampOnAt = n;
			expect(fields(events, "wake")[0]).toEqual({ boot: n, cause: n === 1 ? "reset" : "timer", discarded: 0 });
		}
		await waitFor(() => observer.on("aedes20/dht22").length >= 20, { what: "20 readings" });
		expect(observer.on("aedes20/dht22").every((r) => /^\{"t":[-\d.]+,"h":[\d.]+,"ts":\d+\}$/.test(r.payload))).toBe(true);
		expect(reasons.every((r) => r === "done")).toBe(true);
		expect(subscribes.sort()).toEqual(["aedes20/lamp", "lampnode/sleepy-aedes20/wake"]);
		expect(lampOnAt).toBe(8);
		const status = await retained(broker.url, "aedes20/lamp/#", 2);
		expect(status.get("aedes20/lamp/state")).toBe("on");
		expect(JSON.parse(status.get("aedes20/lamp/status") as string)).toMatchObject({ status: "asleep", wakeIn: 1 });
		await observer.close();
	});
});

describeWithPeers("Sleepy interop: mosquitto", ["mosquitto"], () => {
	let broker: Mosquitto;
	beforeAll(async () => {
		broker = await Mosquitto.start();
	});
	afterAll(async () => {
		await broker?.stop();
	});

	it("keeps the session over wakes: no resubscribing, queued command delivered, the will never fires", async () => {
		const config = sleepyConfig(broker.url, "mosq");
		const path = retainedFile();
		const observer = await Observer.connect(broker.url);
		await observer.subscribe("mosq/#");
		const first = await wake(config, path);
		expect(fields(first, "connected")[0]).toMatchObject({ sessionPresent: false });
		await observer.client.publishAsync("mosq/lamp", "toggle", { qos: 1 });
		const second = await wake(config, path);
		expect(fields(second, "connected")[0]).toMatchObject({ sessionPresent: true });
		expect(fields(second, "lamp")).toEqual([{ state: "on" }]);
		for (let n = 0; n < 3; n++) await wake(config, path);
		await waitFor(() => observer.on("mosq/dht22").length >= 5, { what: "5 readings" });
		expect(observer.on("mosq/lamp/status").some((r) => r.payload === "offline")).toBe(false);
		await observer.close();
	});

	it("delivers a QoS 1 reading left unacknowledged when the process was killed, on the next wake", async () => {
		// The first wake talks to a black hole (accepts, never answers): its reading stays unacknowledged.
		const silent = net.createServer(() => undefined);
		const silentPort = await freeTcpPort();
		await new Promise<void>((resolve) => silent.listen(silentPort, "127.0.0.1", resolve));
		const path = retainedFile();
		const config = sleepyConfig(broker.url, "killed");
		const overrides = Object.entries({ ...config, broker: `mqtt://127.0.0.1:${silentPort}` }).flatMap(([key, value]) => ["--set", `${key}=${value}`]);
		let read = false;
		const doomed = spawnFirmware([...overrides, "--retained", path], (event) => (read ||= event.event === "reading"));
		await waitFor(() => read, { what: "the doomed wake's reading", deadline: 20_000 });
		doomed.child.kill("SIGKILL");
		await doomed.exited;
		silent.close();

		const observer = await Observer.connect(broker.url);
		await observer.subscribe("killed/dht22");
		const next = await wake(config, path);
		expect(fields(next, "wake")[0]).toMatchObject({ boot: 2, discarded: 0 });
		await waitFor(() => observer.on("killed/dht22").length >= 2, { what: "the killed wake's reading and this one's" });
		await observer.close();
	});

	it("always-on: keep-alive holds the session across several keep-alive periods, readings flow", async () => {
		const observer = await Observer.connect(broker.url);
		await observer.subscribe("awake/dht22");
		const firmware = new FirmwareUnderTest({ broker: broker.url, clientId: "awake-1", keepAlive: "1", readingInterval: "2", telemetryTopic: "awake/dht22", lampTopic: "awake/lamp", buttonPin: "-1" });
		await firmware.waitFor("connected");
		// mosquitto drops a client silent for 1.5 keep-alive periods: 4 s is nearly three of them.
		await waitFor(() => observer.on("awake/dht22").length >= 3, { what: "3 readings", deadline: 10_000 });
		expect(firmware.count("connected")).toBe(1);
		expect(firmware.count("disconnected")).toBe(0);
		await firmware.app.stop();
		await observer.close();
	});
});
