/**
 * `cycle.mqttsn.*` rows: the firmware's sleepy MQTT-SN wake through a UDP proxy adding
 * 50 ms of round-trip time, the laptop gateway and aedes. QoS -1: one datagram, no
 * connection. QoS 1: the sleeping-client procedure (PINGREQ to collect, CONNECT to
 * become active, PUBLISH, DISCONNECT with a duration), nothing registered anew. The
 * naive baseline connects with a clean session and REGISTERs its topic every wake.
 */
import type { RawConfig } from "../../src/app/config-reader";
import { MqttSnClient } from "../../src/mqttsn/client";
import { UdpProxy } from "../../host-tests/peers/udp-proxy";
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

export async function mqttSnCycleRows(options: BenchOptions): Promise<Row[]> {
	const broker = await startEmbeddedBroker(0);
	const gateway = await MqttSnGateway.start({ broker: broker.url, predefinedTopics: { [TELEMETRY]: 7 } });
	const half = ADDED_ROUND_TRIP_MS / 2;
	const proxy = await UdpProxy.start({ target: { address: "127.0.0.1", port: gateway.port }, seed: 1, delay: [half, half] });
	const runs = Math.max(options.runs, 5);
	const base: RawConfig = { protocol: "mqttsn", gateway: `udp://127.0.0.1:${proxy.port}`, mode: "sleepy", sleepInterval: "60", buttonPin: "-1", predefinedTopics: `${TELEMETRY}=7` };
	try {
		const minusOne = await compare(runs, { ...base, clientId: "bench-sn-q-1", qos: "-1" }, () => naive(proxy.port, 0));
		const one = await compare(runs, { ...base, clientId: "bench-sn-q1", qos: "1" }, () => naive(proxy.port, 1));
		return [
			...cycleRows("cycle.mqttsn.qos-1", minusOne.ours, minusOne.naive, { roundTrips: "0 (one datagram)" }),
			...cycleRows("cycle.mqttsn.qos1", one.ours, one.naive, { roundTrips: "" }),
		];
	} finally {
		await proxy.close();
		await gateway.close();
		await broker.close();
	}
}
