/**
 * `cycle.mqttsn.*` rows: the firmware's sleepy MQTT-SN wake through a UDP proxy adding
 * 50 ms of round-trip time, the laptop gateway and aedes. QoS -1: one datagram, no
 * connection. QoS 1: the sleeping-client procedure (PINGREQ to collect, CONNECT to
 * become active, PUBLISH, DISCONNECT with a duration), nothing registered anew. The
 * naive baseline connects with a clean session and REGISTERs its topic every wake.
 */
import type { RawConfig } from "../../src/app/config-reader";
import { MqttSnClient } from "../../src/mqttsn/client";
import { UdpProxy } from "../../testkit/peers/udp-proxy";
import { freeUdpPort } from "../../testkit/peers/ports";
import { startEmbeddedBroker } from "../launcher/broker";
import { MqttSnGateway } from "../mqttsn-gateway/gateway";
import { ADDED_ROUND_TRIP_MS, compare, cycleRows, measure } from "./cycles";
import type { BenchOptions, Row } from "./measure";

const TELEMETRY = "home/office/dht22";
const READING = '{"t":21.4,"h":48.2,"ts":1764000000}';

/** Connect clean, REGISTER the topic, publish, disconnect: every wake. */
function naive(port: number, qos: 0 | 1) {
	return measure(async (board) => {
		let connected!: () => void;
		const online = new Promise<void>((resolve) => (connected = resolve));
		const client = new MqttSnClient(board, {
			gateway: { host: "127.0.0.1", port },
			clientId: "bench-sn-naive",
			cleanSession: true,
			keepAlive: 60,
			onConnect: () => connected(),
		});
		client.start();
		await online;
		await client.publish(TELEMETRY, READING, { qos });
		return () => client.stop();
	});
}

/** A sleepy MQTT-SN wake's peers: aedes, the laptop gateway and (with an added round trip) a delaying UDP proxy. */
export interface MqttSnPeers {
	/** The port the firmware sends to: the proxy's, or the gateway's. */
	readonly port: number;
	/** The firmware's sleepy config at `qos` (1 or -1), with a fixed local port of its own. */
	config(clientId: string, qos: "1" | "-1"): Promise<RawConfig>;
	close(): Promise<void>;
}

export async function startMqttSnPeers(addedRoundTripMs: number): Promise<MqttSnPeers> {
	const broker = await startEmbeddedBroker(0);
	const gateway = await MqttSnGateway.start({ broker: broker.url, predefinedTopics: { [TELEMETRY]: 7 } });
	const half = addedRoundTripMs / 2;
	const proxy = addedRoundTripMs > 0 ? await UdpProxy.start({ target: { address: "127.0.0.1", port: gateway.port }, seed: 1, delay: [half, half] }) : undefined;
	const port = proxy?.port ?? gateway.port;
	return {
		port,
		// A free fixed port, as the sleepy default fixes one (its own: runs happen side by side).
		config: async (clientId, qos) => ({
			protocol: "mqttsn",
			gateway: `udp://127.0.0.1:${port}`,
			mqttsnPort: String(await freeUdpPort()),
			mode: "sleepy",
			sleepInterval: "60",
			buttonPin: "-1",
			predefinedTopics: `${TELEMETRY}=7`,
			clientId,
			qos,
		}),
		async close() {
			await proxy?.close();
			await gateway.close();
			await broker.close();
		},
	};
}

export async function mqttSnCycleRows(options: BenchOptions): Promise<Row[]> {
	const peers = await startMqttSnPeers(ADDED_ROUND_TRIP_MS);
	const runs = Math.max(options.runs, 5);
	try {
		const minusOne = await compare(runs, await peers.config("bench-sn-q-1", "-1"), () => naive(peers.port, 0));
		const one = await compare(runs, await peers.config("bench-sn-q1", "1"), () => naive(peers.port, 1));
		return [
			...cycleRows("cycle.mqttsn.qos-1", minusOne.ours, minusOne.naive, { roundTrips: "0 (one datagram)" }),
			...cycleRows("cycle.mqttsn.qos1", one.ours, one.naive, { roundTrips: "" }),
		];
	} finally {
		await peers.close();
	}
}
