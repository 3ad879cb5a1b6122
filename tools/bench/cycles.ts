/**
 * `cycle.<protocol>` rows: what one telemetry wake cycle costs on the wire, through a
 * proxy adding 50 ms of round-trip time, measured at the firmware's sockets from start
 * to deep sleep: the firmware's own sleepy wake (read, publish, take commands, sleep).
 * The baseline is the naive cycle a first firmware would do: clean session, wait for
 * CONNACK, resubscribe, then publish and wait.
 */
import { MqttClient, type MqttClientOptions } from "../../src/mqtt/client";
import { Mosquitto } from "../../testkit/peers/mosquitto";
import { TcpLatencyProxy } from "./latency-proxy";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RawConfig } from "../../src/app/config-reader";
import { meterWake, medianWake, type Wake } from "../energy/wake";
import { MeteredBoard } from "./metered-board";
import { row, type BenchOptions, type Row } from "./measure";

export const ADDED_ROUND_TRIP_MS = 50;

const reading = '{"t":21.4,"h":48.2,"ts":1764000000}';
const status = '{"status":"asleep","wakeIn":60,"wakeAt":1764000060}';


/** The naive device has a client id of its own, so its clean sessions leave ours alone. */
function mqttOptions(port: number, cleanSession: boolean, onConnect?: () => void): MqttClientOptions {
	const will = { topic: "home/office/lamp/status", payload: new TextEncoder().encode("offline"), qos: 1 as const, retain: true };
	return { broker: { host: "127.0.0.1", port }, clientId: "bench-cycle-naive", cleanSession, keepAlive: 60, will, onConnect };
}

/** Runs `cycle` on a fresh metered board; the count is taken when it resolves. */
export async function measure(cycle: (board: MeteredBoard) => Promise<() => void>): Promise<Wake> {
	const board = new MeteredBoard();
	const start = performance.now();
	const sleep = await cycle(board);
	const cost = { ...board.count, awakeMs: performance.now() - start };
	sleep();
	// The DISCONNECT and close go out after the decision to sleep; count their bytes too.
	await new Promise((resolve) => setTimeout(resolve, ADDED_ROUND_TRIP_MS));
	return { ...cost, bytesSent: board.count.bytesSent, packetsSent: board.count.packetsSent };
}

/**
 * The naive cycle, with the same will, status and reading as the firmware's wake: clean
 * session, CONNACK awaited, subscription renewed, then the status and the reading.
 */
function mqttNaive(port: number) {
	return measure(async (board) => {
		let connected!: () => void;
		const online = new Promise<void>((resolve) => (connected = resolve));
		const client = new MqttClient(board, mqttOptions(port, true, () => connected()));
		client.start();
		await online;
		await client.subscribe([{ topic: "home/office/lamp", qos: 1 }]);
		await Promise.all([
			client.publish("home/office/lamp/status", status, { qos: 1, retain: true }),
			client.publish("home/office/dht22", reading, { qos: 1 }),
		]);
		return () => client.stop();
	});
}

/**
 * Medians of `runs` cycles of each kind, interleaved. Ours is the firmware's own sleepy
 * wake (src/app/sleepy.ts) from its retained file; its first wake, which creates the
 * session and subscribes, is not counted.
 */
export async function compare(runs: number, config: RawConfig, naive: () => Promise<Wake>): Promise<{ ours: Wake; naive: Wake }> {
	const folder = mkdtempSync(join(tmpdir(), "lampnode-cycle-"));
	try {
		const retained = join(folder, "retained.bin");
		await meterWake(config, retained);
		const a: Wake[] = [];
		const b: Wake[] = [];
		for (let i = 0; i < runs; i++) {
			a.push(await meterWake(config, retained));
			b.push(await naive());
		}
		return { ours: medianWake(a), naive: medianWake(b) };
	} finally {
		rmSync(folder, { recursive: true, force: true });
	}
}

export function cycleRows(id: string, ours: Wake, naive: Wake, targets: { roundTrips: string }): Row[] {
	return [
		row(`${id}.bytes`, "bytes sent+received per wake", false, ours.bytesSent + ours.bytesReceived, naive.bytesSent + naive.bytesReceived),
		row(`${id}.packets`, "segments or datagrams sent+received per wake", false, ours.packetsSent + ours.packetsReceived, naive.packetsSent + naive.packetsReceived),
		row(`${id}.roundtrips`, "round trips until ready to sleep (a TCP handshake not counted)", false, ours.roundTrips, naive.roundTrips, targets.roundTrips),
		row(`${id}.awake`, `ms awake with ${ADDED_ROUND_TRIP_MS} ms added RTT`, false, ours.awakeMs, naive.awakeMs),
	];
}

/** The firmware's sleepy MQTT config (QoS 1) against `url`: the bench's cycle and `npm run energy` both wake with it. */
export function sleepyMqttConfig(url: string, clientId: string): RawConfig {
	return { broker: url, mode: "sleepy", clientId, sleepInterval: "60", buttonPin: "-1", qos: "1" };
}

export async function mqttCycleRows(options: BenchOptions): Promise<Row[]> {
	const broker = await Mosquitto.start();
	const proxy = await TcpLatencyProxy.start(broker.port, ADDED_ROUND_TRIP_MS);
	try {
		const result = await compare(Math.max(options.runs, 5), sleepyMqttConfig(`mqtt://127.0.0.1:${proxy.port}`, "bench-cycle"), () => mqttNaive(proxy.port));
		return cycleRows("cycle.mqtt", result.ours, result.naive, { roundTrips: "TCP connect + 1" });
	} finally {
		await proxy.close();
		await broker.stop();
	}
}
