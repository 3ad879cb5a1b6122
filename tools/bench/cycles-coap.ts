/**
 * `cycle.coap.*` rows: the firmware's sleepy CoAP wake POSTing its reading to a
 * collector through a UDP proxy adding 50 ms of round-trip time. NON: one datagram and
 * the device sleeps. CON: one round trip for the piggybacked acknowledgement. The naive
 * baseline looks the collector up in /.well-known/core every wake, then POSTs as CON.
 */
import type { RawConfig } from "../../src/app/config-reader";
import { CoapServer } from "../../src/coap/server";
import { HostBoard } from "../../boards/host/board";
import { UdpProxy } from "../../testkit/peers/udp-proxy";
import { freeUdpPort } from "../../testkit/peers/ports";
import { ADDED_ROUND_TRIP_MS, compare, cycleRows, measure } from "./cycles";
import type { BenchOptions, Row } from "./measure";
import { HostCoapClient } from "../../testkit/portable/coap-host-client";

const READING = '{"t":21.4,"h":48.2,"ts":1764000000}';

function naive(origin: string) {
	return measure(async (board) => {
		const client = new HostCoapClient(board);
		const links = await client.discover(origin);
		if (!links.some((link) => link.target === "/readings")) throw new Error("the collector does not list /readings");
		await client.post(`${origin}/readings`, READING, { confirmable: true });
		return () => client.stop();
	});
}

/** A sleepy CoAP wake's peer: a collector accepting POSTs on /readings, behind a delaying UDP proxy when a round trip is added. */
export interface CoapPeers {
	readonly origin: string;
	/** The firmware's sleepy config, POSTing as `coapType` ("con" or "non"). */
	config(coapType: "con" | "non"): RawConfig;
	close(): Promise<void>;
}

export async function startCoapPeers(addedRoundTripMs: number): Promise<CoapPeers> {
	const port = await freeUdpPort();
	// A collector for many wakes keeps more message ids than a device's default of 16 (past it, CON POSTs get 5.03).
	const server = new CoapServer(new HostBoard({ log: () => undefined }), { port, address: "127.0.0.1", maxTracked: 64 });
	server.add("/readings", { attributes: { rt: "readings" }, post: () => ({}) });
	const half = addedRoundTripMs / 2;
	const proxy = addedRoundTripMs > 0 ? await UdpProxy.start({ target: { address: "127.0.0.1", port }, seed: 1, delay: [half, half] }) : undefined;
	const origin = `coap://127.0.0.1:${proxy?.port ?? port}`;
	return {
		origin,
		config: (coapType) => ({ protocol: "coap", mode: "sleepy", coapType, collector: `${origin}/readings`, coapPort: "0", sleepInterval: "60", buttonPin: "-1" }),
		async close() {
			await proxy?.close();
			server.close();
		},
	};
}

export async function coapCycleRows(options: BenchOptions): Promise<Row[]> {
	const peers = await startCoapPeers(ADDED_ROUND_TRIP_MS);
	const runs = Math.max(options.runs, 5);
	try {
		const non = await compare(runs, peers.config("non"), () => naive(peers.origin));
		const con = await compare(runs, peers.config("con"), () => naive(peers.origin));
		return [...cycleRows("cycle.coap.non", non.ours, non.naive, { roundTrips: "0 (one datagram)" }), ...cycleRows("cycle.coap.con", con.ours, con.naive, { roundTrips: "1" })];
	} finally {
		await peers.close();
	}
}
