/**
 * `cycle.<protocol>` rows: what one telemetry wake cycle costs on the wire, through a
 * proxy adding 50 ms of round-trip time, measured at the firmware's sockets until the
 * firmware may sleep again (the reading acknowledged, or sent when unacknowledged).
 * The baseline is the naive cycle a first firmware would do: clean session, wait for
 * CONNACK, resubscribe, then publish and wait.
 */
import { MqttClient, type MqttClientOptions } from "../../src/mqtt/client";
import { Mosquitto } from "../../host-tests/peers/mosquitto";
import { TcpLatencyProxy } from "./latency-proxy";
import { MeteredBoard, type WireCount } from "./metered-board";
import { median, row, type BenchOptions, type Row } from "./measure";

export const ADDED_ROUND_TRIP_MS = 50;

const reading = new TextEncoder().encode('{"temperature":21.4,"humidity":48.2}');

/** What a cycle cost until the firmware could sleep. */
export interface CycleCost extends WireCount {
	/** Milliseconds from waking to ready to sleep. */
	readonly awakeMs: number;
}

/** The naive device has its own client id, so its clean sessions leave ours alone. */
function mqttOptions(port: number, cleanSession: boolean, onConnect?: () => void): MqttClientOptions {
	const clientId = cleanSession ? "bench-cycle-naive" : "bench-cycle";
	return { broker: { host: "127.0.0.1", port }, clientId, cleanSession, keepAlive: 60, onConnect };
}

/** Runs `cycle` on a fresh metered board; the count is taken when it resolves. */
async function measure(cycle: (board: MeteredBoard) => Promise<() => void>): Promise<CycleCost> {
	const board = new MeteredBoard();
	const start = performance.now();
	const sleep = await cycle(board);
	const cost = { ...board.count, awakeMs: performance.now() - start };
	sleep();
	// The DISCONNECT and close go out after the decision to sleep; count their bytes too.
	await new Promise((resolve) => setTimeout(resolve, ADDED_ROUND_TRIP_MS));
	return { ...cost, bytesSent: board.count.bytesSent, packetsSent: board.count.packetsSent };
}

/** Persistent session, QoS 1: CONNECT and PUBLISH leave in one write; PUBACK means done. */
function mqttPersistent(port: number) {
	return measure(async (board) => {
		const client = new MqttClient(board, mqttOptions(port, false));
		const acknowledged = client.publish("home/office/dht22", reading, { qos: 1 });
		client.start();
		await acknowledged;
		return () => client.stop();
	});
}

/** The naive cycle: clean session, CONNACK awaited, subscription renewed, then publish. */
function mqttNaive(port: number) {
	return measure(async (board) => {
		let connected!: () => void;
		const online = new Promise<void>((resolve) => (connected = resolve));
		const client = new MqttClient(board, mqttOptions(port, true, () => connected()));
		client.start();
		await online;
		await client.subscribe([{ topic: "home/office/lamp", qos: 1 }]);
		await client.publish("home/office/dht22", reading, { qos: 1 });
		return () => client.stop();
	});
}

/** The persistent session exists before the first measured wake, as after a first boot. */
async function primeMqttSession(port: number): Promise<void> {
	let connected!: () => void;
	const online = new Promise<void>((resolve) => (connected = resolve));
	const client = new MqttClient(new MeteredBoard(), mqttOptions(port, false, () => connected()));
	client.start();
	await online;
	await client.subscribe([{ topic: "home/office/lamp", qos: 1 }]);
	client.stop();
}

/** Medians of `runs` cycles of each kind, interleaved. */
async function compare(runs: number, ours: () => Promise<CycleCost>, naive: () => Promise<CycleCost>): Promise<{ ours: CycleCost; naive: CycleCost }> {
	const a: CycleCost[] = [];
	const b: CycleCost[] = [];
	for (let i = 0; i < runs; i++) {
		a.push(await ours());
		b.push(await naive());
	}
	const pick = (costs: CycleCost[]): CycleCost => {
		const keys = Object.keys(costs[0]) as (keyof CycleCost)[];
		return Object.fromEntries(keys.map((key) => [key, median(costs.map((cost) => cost[key]))])) as unknown as CycleCost;
	};
	return { ours: pick(a), naive: pick(b) };
}

export function cycleRows(id: string, ours: CycleCost, naive: CycleCost, targets: { roundTrips: string }): Row[] {
	return [
		row(`${id}.bytes`, "bytes sent+received per wake", false, ours.bytesSent + ours.bytesReceived, naive.bytesSent + naive.bytesReceived),
		row(`${id}.packets`, "segments or datagrams sent+received per wake", false, ours.packetsSent + ours.packetsReceived, naive.packetsSent + naive.packetsReceived),
		row(`${id}.roundtrips`, "round trips until ready to sleep (TCP connect not counted)", false, ours.roundTrips, naive.roundTrips, targets.roundTrips),
		row(`${id}.awake`, `ms awake with ${ADDED_ROUND_TRIP_MS} ms added RTT`, false, ours.awakeMs, naive.awakeMs),
	];
}

export async function mqttCycleRows(options: BenchOptions): Promise<Row[]> {
	const broker = await Mosquitto.start();
	const proxy = await TcpLatencyProxy.start(broker.port, ADDED_ROUND_TRIP_MS);
	try {
		await primeMqttSession(proxy.port);
		const result = await compare(Math.max(options.runs, 5), () => mqttPersistent(proxy.port), () => mqttNaive(proxy.port));
		return cycleRows("cycle.mqtt", result.ours, result.naive, { roundTrips: "TCP connect + 1" });
	} finally {
		await proxy.close();
		await broker.stop();
	}
}
