/**
 * Sleepy MQTT-SN wakes on the host board, each a fresh firmware from the retained file,
 * against a gateway that behaves as the widely deployed Paho one does towards sleeping
 * clients (testkit/peers/addressed-gateway.ts): it knows clients by address, drops a
 * PINGREQ from an address it does not know, sends no PINGRESP after buffered messages
 * and never pings the broker for a sleeper, whose keep-alive then fires the will.
 * Between wakes the gateway's clock moves on by the sleep interval.
 */
import dgram from "node:dgram";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RawConfig } from "../../src/app/config-reader";
import type { Datagram } from "../../src/common/board";
import { startFirmware } from "../../src/app/firmware";
import { MqttSnClient } from "../../src/mqttsn/client";
import { HostBoard } from "../../boards/host/board";
import { AddressedGateway } from "../../testkit/peers/addressed-gateway";
import { freeUdpPort, udpPortFree } from "../../testkit/peers/ports";
import { waitFor } from "../../testkit/wait-for";

const WAKES = 20;
const SLEEP_MS = 300_000;
const folder = mkdtempSync(join(tmpdir(), "lampnode-sn-gateways-"));
let gateway: AddressedGateway;

beforeAll(async () => {
	gateway = await AddressedGateway.start();
});
afterAll(async () => {
	await gateway?.close();
	rmSync(folder, { recursive: true, force: true });
});

type Event = { readonly event: string } & Readonly<Record<string, unknown>>;

/** One wake: a firmware on a fresh host board from the retained file, until it asks to deep sleep. */
async function wake(config: RawConfig, retained: string): Promise<Event[]> {
	const events: Event[] = [];
	let asleep!: () => void;
	const slept = new Promise<void>((resolve) => (asleep = resolve));
	const board = new HostBoard({ retainedPath: retained, log: (event, fields) => events.push({ event, ...fields }), onDeepSleep: () => asleep() });
	// The wake's UDP endpoints (port 0: one that could not be bound).
	const datagrams: Datagram[] = [];
	const open = board.openDatagram.bind(board);
	board.openDatagram = (options) => {
		const datagram = open(options);
		datagrams.push(datagram);
		return datagram;
	};
	startFirmware(board, config, { wifi: false });
	await slept;
	// The endpoint closes once its last datagram is sent: the next wake binds the same port.
	for (const { port } of datagrams) if (port !== 0) await waitFor(() => udpPortFree(port), { what: `UDP port ${port} released by the sleeping wake` });
	return events;
}

function config(name: string, extra: RawConfig): RawConfig {
	return {
		protocol: "mqttsn",
		gateway: `udp://127.0.0.1:${gateway.port}`,
		mode: "sleepy",
		clientId: name,
		lampTopic: `${name}/lamp`,
		telemetryTopic: `${name}/dht22`,
		// The defaults for a 300 s sleep (keep-alive 418 s, Tretry 400 ms for this 2 s deadline).
		maxAwake: "10",
		networkDeadline: "2",
		buttonPin: "-1",
		...extra,
	};
}

/** The states the lamp published, each change once (a redelivered command repeats none). */
function states(name: string): string[] {
	const all = gateway.published.filter((p) => p.topic === `${name}/lamp/state`).map((p) => p.payload);
	return all.filter((state, i) => i === 0 || state !== all[i - 1]);
}

const readings = (name: string) => gateway.published.filter((p) => p.topic === `${name}/dht22`);
const commandFor = (n: number) => (n % 2 === 1 ? "on" : "off");
const expectedStates = ["off", ...Array.from({ length: WAKES - 1 }, (_, i) => commandFor(i + 1))];

/** WAKES wakes with a command sent to the lamp while it sleeps before each but the first. */
async function cycle(name: string, extra: RawConfig): Promise<Event[][]> {
	const retained = join(folder, `${name}.bin`);
	const wakes: Event[][] = [];
	for (let n = 0; n < WAKES; n++) {
		if (n > 0) gateway.publish(`${name}/lamp`, commandFor(n));
		wakes.push(await wake(config(name, extra), retained));
		gateway.advance(SLEEP_MS);
	}
	return wakes;
}

const sleepOf = (events: Event[]) => events.find((e) => e.event === "sleep") as Event & { reason: string; awakeMs: number };

describe("Sleepy MQTT-SN against a gateway that knows clients by address", () => {
	it(`a fixed local port (as sleepy mode binds by default): ${WAKES} wakes, each collected with PINGREQ, 0 readings or commands lost, no will`, async () => {
		const name = "sn-fixed";
		const port = await freeUdpPort();
		const wakes = await cycle(name, { mqttsnPort: String(port) });
		expect(wakes.map((w) => sleepOf(w).reason)).toEqual(Array(WAKES).fill("done"));
		expect([...(gateway.ports.get(name) ?? [])]).toEqual([port]);
		expect(readings(name)).toHaveLength(WAKES);
		expect(states(name)).toEqual(expectedStates);
		expect(gateway.willsFired).not.toContain(name);
		// One record, found by its address every wake: nothing dropped, no CONNECT but the first's with the will.
		expect(gateway.droppedFromUnknown).toEqual([]);
		expect(wakes.slice(1).every((w) => !w.some((e) => e.event === "warning"))).toBe(true);
	}, 120_000);

	it(`a new source port every wake: ${WAKES} wakes, PINGREQ dropped, CONNECT (clean session false) in the same wake, 0 lost`, async () => {
		const name = "sn-moving";
		const dropped = gateway.droppedFromUnknown.length;
		const wakes = await cycle(name, { mqttsnPort: "0" });
		expect(wakes.map((w) => sleepOf(w).reason)).toEqual(Array(WAKES).fill("done"));
		// PINGREQ at 0 and 400 ms, CONNECT at 800 ms: far inside maxAwake.
		for (const w of wakes.slice(1)) expect(sleepOf(w).awakeMs).toBeLessThan(5000);
		expect(gateway.ports.get(name)?.size).toBe(WAKES);
		expect(gateway.droppedFromUnknown.length - dropped).toBeGreaterThanOrEqual(2 * (WAKES - 1));
		expect(readings(name)).toHaveLength(WAKES);
		expect(states(name)).toEqual(expectedStates);
		expect(gateway.willsFired).not.toContain(name);
		// The broker kept the subscription (clean session false): never made again.
		expect(gateway.subscriptions(name)).toEqual([`${name}/lamp`]);
		const records = gateway.received.slice(-WAKES);
		expect(records.slice(1).every((types) => !types.includes(18 /* SUBSCRIBE */))).toBe(true);
	}, 120_000);

	it("after a gateway restart the PINGREQ goes unanswered: CONNECT, the queued command and the reading arrive in that wake", async () => {
		const name = "sn-restart";
		const retained = join(folder, `${name}.bin`);
		const port = String(await freeUdpPort());
		await wake(config(name, { mqttsnPort: port }), retained);
		gateway.advance(SLEEP_MS);
		gateway.restart();
		gateway.publish(`${name}/lamp`, "on");
		const events = await wake(config(name, { mqttsnPort: port }), retained);
		expect(sleepOf(events).reason).toBe("done");
		expect(events.some((e) => e.event === "lamp" && e.state === "on")).toBe(true);
		expect(readings(name)).toHaveLength(2);
		expect(states(name)).toEqual(["off", "on"]);
		// Topic ids the old record gave are refused by the new one and registered again.
		expect(gateway.received[gateway.received.length - 1]).toContain(10 /* REGISTER */);
	});

	it("the broker publishes the will of a sleeper whose keep-alive is shorter than its sleep (the old 60 s default), not the firmware's", async () => {
		const board = new HostBoard({ log: () => undefined });
		const will = { topic: "old/status", payload: new TextEncoder().encode("offline"), qos: 1 as const, retain: true };
		let online!: () => void;
		const connected = new Promise<void>((resolve) => (online = resolve));
		const client = new MqttSnClient(board, { gateway: { host: "127.0.0.1", port: gateway.port }, clientId: "old-keepalive", cleanSession: false, keepAlive: 60, will, onConnect: () => online() });
		client.start();
		await connected;
		await client.sleep(400);
		client.stop();
		// The firmware, asleep beside it with the derived keep-alive (418 s: 1.5 x 418 s over a 300 s sleep).
		await wake(config("sn-derived", { mqttsnPort: String(await freeUdpPort()) }), join(folder, "derived.bin"));
		gateway.advance(SLEEP_MS);
		expect(gateway.willsFired).toContain("old-keepalive");
		expect(gateway.retained.get("old/status")).toBe("offline");
		expect(gateway.willsFired).not.toContain("sn-derived");
	});

	it("a local port that cannot be bound is a typed BIND_FAILED event, and the wake sleeps at its network deadline", async () => {
		const taken = dgram.createSocket("udp4");
		await new Promise<void>((resolve) => taken.bind(0, resolve));
		try {
			const events = await wake(config("sn-bind", { mqttsnPort: String(taken.address().port) }), join(folder, "bind.bin"));
			// The port asked for, by number: the one taken.
			expect(events.find((e) => e.event === "error" && e.code === "BIND_FAILED")?.message).toBe(`cannot bind UDP port ${taken.address().port}: EADDRINUSE`);
			expect(sleepOf(events).reason).toBe("no-network");
		} finally {
			taken.close();
		}
	});

	it("always-on, a port that cannot be bound yet is reported and bound again with backoff once free", async () => {
		const taken = dgram.createSocket("udp4");
		await new Promise<void>((resolve) => taken.bind(0, resolve));
		const port = taken.address().port;
		const events: Event[] = [];
		const board = new HostBoard({ log: (event, fields) => events.push({ event, ...fields }) });
		const lamp = startFirmware(board, { protocol: "mqttsn", gateway: `udp://127.0.0.1:${gateway.port}`, clientId: "sn-rebind", mqttsnPort: String(port), buttonPin: "-1", dht22Pin: "-1", reconnectBase: "100", reconnectCap: "200" }, { wifi: false });
		try {
			await waitFor(() => events.some((e) => e.code === "BIND_FAILED"), { what: "a BIND_FAILED event", deadline: 2000 });
			expect(events.find((e) => e.code === "BIND_FAILED")?.event).toBe("error");
			await new Promise<void>((resolve) => taken.close(() => resolve()));
			await waitFor(() => events.some((e) => e.event === "connected"), { what: "connected once the port is free", deadline: 4000 });
			expect(events.some((e) => e.event === "connected")).toBe(true);
			expect([...(gateway.ports.get("sn-rebind") ?? [])]).toEqual([port]);
		} finally {
			await lamp.stop();
		}
	});
});
