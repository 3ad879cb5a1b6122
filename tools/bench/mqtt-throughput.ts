/**
 * MQTT throughput rows: publishes per second from our host client and from MQTT.js to
 * the same mosquitto on loopback. Each run connects a fresh client, publishes
 * `messages` messages of 64 bytes and ends when the broker has all of them: for QoS 1
 * when the last PUBACK arrived, for QoS 0 when a final QoS 1 marker on the same
 * connection is acknowledged (the broker handles a connection's packets in order).
 */
import mqtt from "mqtt";
import { HostBoard } from "../../boards/host/board";
import { MqttClient } from "../../src/mqtt/client";
import type { QoS } from "../../src/mqtt/packet";
import { Mosquitto } from "../../testkit/peers/mosquitto";
import { interleaved, row, type BenchOptions, type Row } from "./measure";

const payload = new Uint8Array(64).fill(0x61);

async function ours(port: number, qos: QoS, messages: number): Promise<number> {
	let online!: () => void;
	const connected = new Promise<void>((resolve) => (online = resolve));
	const client = new MqttClient(new HostBoard({ log: () => undefined }), {
		broker: { host: "127.0.0.1", port },
		clientId: "",
		cleanSession: true,
		keepAlive: 60,
		// As many in flight as MQTT.js allows (it sets no limit).
		inflightWindow: messages,
		maxQueued: messages + 1,
		onConnect: () => online(),
	});
	client.start();
	await connected;
	const start = performance.now();
	const sent: Promise<void>[] = [];
	for (let i = 0; i < messages; i++) sent.push(client.publish("bench/throughput", payload, { qos }));
	if (qos === 0) sent.push(client.publish("bench/throughput", payload, { qos: 1 }));
	await Promise.all(sent);
	const elapsed = performance.now() - start;
	client.stop();
	return messages / (elapsed / 1000);
}

async function mqttJs(port: number, qos: QoS, messages: number): Promise<number> {
	const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clean: true, keepalive: 60, reconnectPeriod: 0 });
	const body = Buffer.from(payload);
	const start = performance.now();
	const sent: Promise<unknown>[] = [];
	for (let i = 0; i < messages; i++) sent.push(client.publishAsync("bench/throughput", body, { qos }));
	if (qos === 0) sent.push(client.publishAsync("bench/throughput", body, { qos: 1 }));
	await Promise.all(sent);
	const elapsed = performance.now() - start;
	await client.endAsync();
	return messages / (elapsed / 1000);
}

export async function mqttThroughputRows(options: BenchOptions): Promise<Row[]> {
	const broker = await Mosquitto.start();
	try {
		const rows: Row[] = [];
		for (const [qos, target] of [
			[1, ">= 1.5"],
			[0, ">= 1"],
		] as const) {
			const result = await interleaved(options.runs, () => ours(broker.port, qos, options.messages), () => mqttJs(broker.port, qos, options.messages));
			rows.push(row(`mqtt.qos${qos}.throughput`, `publishes/s of ${options.messages}`, true, result.ours, result.baseline, target));
		}
		return rows;
	} finally {
		await broker.stop();
	}
}
