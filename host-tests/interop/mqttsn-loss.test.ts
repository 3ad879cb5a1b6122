/**
 * MQTT-SN over a bad link: the firmware client talks to the host gateway through a UDP
 * proxy that drops 30%, duplicates 10% and reorders 10% of the datagrams both ways (seeded,
 * so a failure replays). 500 QoS 1 messages must all arrive (duplicates allowed and
 * counted), 500 QoS 2 messages exactly once, from the client to the broker and back.
 * Retransmission is what carries them: Tretry is short so the run stays bounded, Nretry
 * large enough that 30% loss each way does not declare the gateway lost.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeUtf8 } from "../../src/common/utf8";
import { startEmbeddedBroker, type EmbeddedBroker } from "../../tools/launcher/broker";
import { MqttSnGateway } from "../../tools/mqttsn-gateway/gateway";
import { UdpProxy } from "../../testkit/peers/udp-proxy";
import { Observer } from "./harness";
import { SnClientUnderTest } from "./mqttsn-suite";
import { waitFor } from "../../testkit/wait-for";

const COUNT = 500;
const faults = { loss: 0.3, duplicate: 0.1, reorder: 0.1 };

let broker: EmbeddedBroker;
let gateway: MqttSnGateway;
let proxy: UdpProxy;
let node: SnClientUnderTest;
let observer: Observer;

beforeAll(async () => {
	broker = await startEmbeddedBroker(0);
	gateway = await MqttSnGateway.start({ broker: broker.url, tRetry: 25, nRetry: 30 });
	proxy = await UdpProxy.start({ target: { address: "127.0.0.1", port: gateway.port }, seed: 2026, ...faults, holdMs: 5 });
	observer = await Observer.connect(broker.url);
	await observer.subscribe("loss/up/#", 2);
	node = new SnClientUnderTest({ clientId: "lossy", cleanSession: true, keepAlive: 60, tRetry: 25, nRetry: 30, gateway: { host: "127.0.0.1", port: proxy.port }, reconnectBase: 50, reconnectCap: 200 });
	await node.waitConnected();
	await node.client.subscribe("loss/down/#", 2);
});
afterAll(async () => {
	node.client.stop();
	await observer.close();
	await proxy.close();
	await gateway.close();
	await broker.close();
	console.log(`UDP proxy: ${proxy.summary()}`);
});

/** Payloads "0".."COUNT-1" as received: how many distinct, how many in all. */
function tally(payloads: readonly string[]) {
	const distinct = new Set(payloads);
	return { received: payloads.length, distinct: distinct.size, duplicated: payloads.length - distinct.size, all: Array.from({ length: COUNT }, (_, i) => String(i)).every((p) => distinct.has(p)) };
}

describe("MQTT-SN through 30% loss, 10% duplication and reordering", () => {
	for (const qos of [1, 2] as const) {
		it(`carries ${COUNT} QoS ${qos} publishes from the client to the broker${qos === 2 ? " exactly once" : ", every one"}`, { timeout: 240_000 }, async () => {
			const topic = `loss/up/q${qos}`;
			for (let i = 0; i < COUNT; i++) await node.client.publish(topic, String(i), { qos });
			await waitFor(() => new Set(observer.on(topic).map((r) => r.payload)).size === COUNT, { what: `${COUNT} distinct at the broker`, deadline: 30_000 });
			const result = tally(observer.on(topic).map((r) => r.payload));
			console.log(`up QoS ${qos}: sent ${COUNT}, received ${result.received}, duplicated ${result.duplicated}`);
			expect(result.all).toBe(true);
			if (qos === 2) expect(result.duplicated).toBe(0);
			expect(node.connected).toBe(1);
		});

		it(`carries ${COUNT} QoS ${qos} messages from the broker to the client${qos === 2 ? " exactly once" : ", every one"}`, { timeout: 240_000 }, async () => {
			const topic = `loss/down/q${qos}`;
			for (let i = 0; i < COUNT; i++) await observer.client.publishAsync(topic, String(i), { qos });
			const at = () => node.received.filter((m) => m.topic === topic).map((m) => decodeUtf8(m.payload));
			await waitFor(() => new Set(at()).size === COUNT, { what: `${COUNT} distinct at the client`, deadline: 200_000 });
			const result = tally(at());
			console.log(`down QoS ${qos}: sent ${COUNT}, received ${result.received}, duplicated ${result.duplicated}`);
			expect(result.all).toBe(true);
			if (qos === 2) expect(result.duplicated).toBe(0);
			expect(node.connected).toBe(1);
		});
	}
});
