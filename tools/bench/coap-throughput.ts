/**
 * `coap.con.throughput`: confirmable GET /time requests per second from our CoAP client
 * and from node-coap's to the same libcoap `coap-server-notls` on loopback. Both keep the
 * same number of requests outstanding (ours as its NSTART, node-coap's by the driver), so
 * the figure is the client's cost per exchange, not a difference in concurrency.
 */
import coap from "coap";
import { HostBoard } from "../../boards/host/board";
import { CoapClient } from "../../src/coap/client";
import { LibcoapServer } from "../../testkit/peers/libcoap";
import { interleaved, row, type BenchOptions, type Row } from "./measure";

const OUTSTANDING = 16;

/** Runs `request` `count` times with at most OUTSTANDING at once; requests per second. */
async function pipelined(count: number, request: () => Promise<void>): Promise<number> {
	const start = performance.now();
	let started = 0;
	const lane = async () => {
		while (started < count) {
			started++;
			await request();
		}
	};
	await Promise.all(Array.from({ length: OUTSTANDING }, lane));
	return count / ((performance.now() - start) / 1000);
}

async function ours(server: LibcoapServer, count: number): Promise<number> {
	const client = new CoapClient(new HostBoard({ log: () => undefined }), { nstart: OUTSTANDING });
	try {
		return await pipelined(count, async () => {
			const response = await client.get(`${server.url}/time`);
			if (response.code >> 5 !== 2) throw new Error(`our GET got ${response.status}`);
		});
	} finally {
		client.stop();
	}
}

async function nodeCoap(server: LibcoapServer, count: number): Promise<number> {
	const agent = new coap.Agent({ type: "udp4" });
	try {
		return await pipelined(
			count,
			() =>
				new Promise<void>((resolve, reject) => {
					const request = coap.request({ hostname: "127.0.0.1", port: server.port, pathname: "/time", confirmable: true, agent });
					request.on("response", (response: { code: string }) => (response.code.startsWith("2.") ? resolve() : reject(new Error(`node-coap GET got ${response.code}`))));
					request.on("error", reject);
					request.end();
				}),
		);
	} finally {
		agent.close();
	}
}

export async function coapThroughputRows(options: BenchOptions): Promise<Row[]> {
	const server = await LibcoapServer.start();
	try {
		const count = Math.max(200, Math.floor(options.messages / 4));
		const result = await interleaved(options.runs, () => ours(server, count), () => nodeCoap(server, count));
		return [row("coap.con.throughput", `CON requests/s, ${OUTSTANDING} outstanding`, true, result.ours, result.baseline, ">= 1.5")];
	} finally {
		await server.stop();
	}
}
