/**
 * The wakes `npm run energy` measures, one per protocol and mode, each against a real
 * local peer started with the benchmark's own set-ups (tools/bench/cycles*.ts), so the
 * energy figures and the bench's cycle rows come from the same wakes.
 */
import type { RawConfig } from "../../src/app/config-reader";
import { startEmbeddedBroker } from "../launcher/broker";
import { Mosquitto } from "../../testkit/peers/mosquitto";
import { findExecutable } from "../../testkit/peers/require-peer";
import { sleepyMqttConfig } from "../bench/cycles";
import { TcpLatencyProxy } from "../bench/latency-proxy";
import { startMqttSnPeers } from "../bench/cycles-mqttsn";
import { startCoapPeers } from "../bench/cycles-coap";

export interface EnergyCase {
	readonly protocol: string;
	readonly peer: string;
	/** Whether its peer can run here (mosquitto may be missing). */
	readonly available: () => boolean;
	/** Starts the peer; `config` is the firmware's sleepy config against it. */
	start(addedRoundTripMs: number): Promise<{ readonly config: RawConfig; close(): Promise<void> }>;
}

const always = () => true;

/** An MQTT broker on `port`, reached through the bench's TCP latency proxy when a round trip is added. */
async function withLatency(port: number, addedRoundTripMs: number, stop: () => Promise<void>) {
	const proxy = addedRoundTripMs > 0 ? await TcpLatencyProxy.start(port, addedRoundTripMs) : undefined;
	return {
		config: sleepyMqttConfig(`mqtt://127.0.0.1:${proxy?.port ?? port}`, "energy-mqtt"),
		async close() {
			await proxy?.close();
			await stop();
		},
	};
}

export const ENERGY_CASES: readonly EnergyCase[] = [
	{
		protocol: "MQTT QoS 1",
		peer: "mosquitto",
		available: () => findExecutable("mosquitto") !== undefined,
		async start(addedRoundTripMs) {
			const mosquitto = await Mosquitto.start();
			return withLatency(mosquitto.port, addedRoundTripMs, () => mosquitto.stop());
		},
	},
	{
		protocol: "MQTT QoS 1",
		peer: "aedes",
		available: always,
		async start(addedRoundTripMs) {
			const aedes = await startEmbeddedBroker(0);
			return withLatency(aedes.port, addedRoundTripMs, () => aedes.close());
		},
	},
	...(["1", "-1"] as const).map(
		(qos): EnergyCase => ({
			protocol: `MQTT-SN QoS ${qos}`,
			peer: "laptop gateway + aedes",
			available: always,
			async start(addedRoundTripMs) {
				const peers = await startMqttSnPeers(addedRoundTripMs);
				return { config: await peers.config(`energy-sn-q${qos}`, qos), close: () => peers.close() };
			},
		}),
	),
	...(["con", "non"] as const).map(
		(type): EnergyCase => ({
			protocol: `CoAP ${type.toUpperCase()}`,
			peer: "CoAP collector",
			available: always,
			async start(addedRoundTripMs) {
				const peers = await startCoapPeers(addedRoundTripMs);
				return { config: peers.config(type), close: () => peers.close() };
			},
		}),
	),
];
