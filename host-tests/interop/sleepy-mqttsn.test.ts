/**
 * 20 sleepy wakes over MQTT-SN on the host board, each a fresh firmware from the
 * retained file, through the laptop gateway to aedes: every reading reaches an MQTT
 * subscriber; the sleeping-client procedure keeps the session, so after the first wake
 * nothing is registered or subscribed again. And QoS -1: one datagram per wake.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RawConfig } from "../../src/app/config-reader";
import { startEmbeddedBroker, type EmbeddedBroker } from "../../tools/launcher/broker";
import { MqttSnGateway } from "../../tools/mqttsn-gateway/gateway";
import { meterWake } from "../../tools/energy/wake";
import { Observer } from "./harness";
import { freeUdpPort } from "../../testkit/peers/ports";
import { waitFor } from "../../testkit/wait-for";

const WAKES = 20;
let broker: EmbeddedBroker;
let gateway: MqttSnGateway;
let observer: Observer;
const folder = mkdtempSync(join(tmpdir(), "lampnode-sleepy-sn-"));

beforeAll(async () => {
	broker = await startEmbeddedBroker(0);
	gateway = await MqttSnGateway.start({ broker: broker.url, predefinedTopics: { "sn/q-1/dht22": 9 } });
	observer = await Observer.connect(broker.url);
	await observer.subscribe("sn/#", 1);
});
afterAll(async () => {
	await observer?.close();
	await gateway?.close();
	await broker?.close();
	rmSync(folder, { recursive: true, force: true });
});

function config(name: string, qos: string, port: number): RawConfig {
	return {
		// A free port of its own, fixed across the wakes as the sleepy default is (test files run side by side).
		mqttsnPort: String(port),
		protocol: "mqttsn",
		gateway: `udp://127.0.0.1:${gateway.port}`,
		mode: "sleepy",
		clientId: `sleepy-sn-${name}`,
		qos,
		lampTopic: `sn/${name}/lamp`,
		telemetryTopic: `sn/${name}/dht22`,
		predefinedTopics: "sn/q-1/dht22=9",
		sleepInterval: "60",
		buttonPin: "-1",
	};
}

describe("Sleepy MQTT-SN wakes through the laptop gateway", () => {
	it(`QoS 1, sleeping client: ${WAKES} wakes, every reading arrives, REGISTER and SUBSCRIBE on the first wake only`, async () => {
		const retained = join(folder, "q1.bin");
		const port = await freeUdpPort();
		const wakes = [];
		for (let i = 0; i < WAKES; i++) wakes.push(await meterWake(config("q1", "1", port), retained));
		await waitFor(() => observer.on("sn/q1/dht22").length >= WAKES, { what: `${WAKES} readings at the subscriber` });
		expect(observer.on("sn/q1/dht22").length).toBeGreaterThanOrEqual(WAKES);
		// After the first wake the gateway already knows the topics: fewer datagrams each wake.
		expect(Math.max(...wakes.slice(1).map((w) => w.packetsSent))).toBeLessThan(wakes[0].packetsSent);
	});

	it(`QoS -1: ${WAKES} wakes of one datagram each, every reading arrives`, async () => {
		const retained = join(folder, "q-1.bin");
		const port = await freeUdpPort();
		const wakes = [];
		for (let i = 0; i < WAKES; i++) wakes.push(await meterWake(config("q-1", "-1", port), retained));
		await waitFor(() => observer.on("sn/q-1/dht22").length >= WAKES, { what: `${WAKES} readings at the subscriber` });
		for (const wake of wakes) expect([wake.packetsSent, wake.packetsReceived, wake.roundTrips]).toEqual([1, 0, 0]);
	});
});
