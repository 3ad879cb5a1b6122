/**
 * Our CoAP client (on the host board, real UDP on 127.0.0.1) against libcoap's
 * coap-server-notls: the methods, discovery, Observe on /time, a separate response from
 * /async, a PUT without response, block-wise PUT and GET over 1 KiB, and 200 CON requests through 30% loss.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { HostBoard } from "../../boards/host/board";
import type { CoapResponse } from "../../src/coap/client";
import { LibcoapServer } from "../../testkit/peers/libcoap";
import { describeWithPeers } from "../../testkit/peers/require-peer";
import { letTimePass, waitFor } from "../../testkit/wait-for";
import { HostCoapClient, responseText } from "../../testkit/portable/coap-host-client";

const board = new HostBoard({ log: () => undefined });
const body = (n: number) => Uint8Array.from({ length: n }, (_, i) => 0x61 + (i % 26));

describeWithPeers("CoAP interop: our client, libcoap server", ["coap-server-notls"], () => {
	let server: LibcoapServer;
	let client: HostCoapClient;

	beforeAll(async () => {
		server = await LibcoapServer.start();
		client = new HostCoapClient(board, { ackTimeout: 300 });
	});
	afterAll(async () => {
		client?.stop();
		await server?.stop();
	});

	it("GETs /, and PUTs, GETs and DELETEs a dynamic resource", async () => {
		const root = await client.get(`${server.url}/`);
		expect(root.status).toBe("2.05");
		expect(responseText(root)).toMatch(/libcoap/i);
		expect((await client.put(`${server.url}/ours`, "first", { contentFormat: 0 })).status).toBe("2.01");
		expect(responseText(await client.get(`${server.url}/ours`))).toBe("first");
		expect((await client.put(`${server.url}/ours`, "second", { contentFormat: 0 })).status).toBe("2.04");
		expect(responseText(await client.get(`${server.url}/ours`))).toBe("second");
		expect((await client.delete(`${server.url}/ours`)).status).toBe("2.02");
		expect((await client.get(`${server.url}/ours`)).status).toBe("4.04");
	});

	it("discovers /time by rt and finds it observable", async () => {
		const links = await client.discover(server.url, { rt: "ticks" });
		expect(links.map((l) => l.target)).toEqual(["/time"]);
		expect(links[0].attributes.obs).toBe("");
		expect(links[0].attributes.if).toBe("clock");
	});

	it("observes /time: notifications arrive once a second, then a deregistering GET ends them", async () => {
		const seen: CoapResponse[] = [];
		const observation = client.observe(`${server.url}/time`, { onNotification: (r) => seen.push(r) });
		await waitFor(() => seen.length >= 3, { what: "three notifications", deadline: 8000 });
		const last = await observation.cancel();
		expect(last.status).toBe("2.05");
		const count = seen.length;
		await letTimePass(1500); // /time notifies each second: the window in which one more would show
		expect(seen.length).toBe(count);
	});

	it("waits for the separate response of /async", async () => {
		const response = await client.get(`${server.url}/async?1`);
		expect(response.status).toBe("2.05");
		expect(responseText(response).length).toBeGreaterThan(0);
	});

	it("PUTs without response (RFC 7967 No-Response 26): libcoap stores it and sends nothing back", async () => {
		const quiet = new HostCoapClient(board, { ackTimeout: 300, probingRate: 1000 });
		try {
			await quiet.requestNoResponse(3 /* PUT */, `${server.url}/quiet`, { payload: "unanswered", contentFormat: 0 });
			// libcoap sets up a dynamic resource on the PUT; a GET from another client reads it.
			await waitFor(async () => responseText(await client.get(`${server.url}/quiet`)) === "unanswered", { what: "the PUT stored at libcoap" });
			// A 2.01 would come back within a round trip; nothing came, so nothing was reset or dropped.
			await letTimePass(300);
			expect(quiet.dropped).toEqual({ malformed: 0, duplicate: 0, unexpected: 0, rejected: 0, foreign: 0, overloaded: 0 });
			expect(quiet.transport.endpoint.pending).toBe(0);
		} finally {
			quiet.stop();
		}
	});

	it("PUTs 3000 bytes block-wise (Block1) and GETs them back block-wise (Block2)", async () => {
		const data = body(3000);
		const put = await client.put(`${server.url}/example_data`, data, { blockSize: 256, contentFormat: 42 });
		expect(put.code >> 5).toBe(2);
		const got = await client.get(`${server.url}/example_data`, { blockSize: 64 });
		expect(got.payload.length).toBe(3000);
		expect(Buffer.from(got.payload).equals(Buffer.from(data))).toBe(true);
	});
});

describeWithPeers("CoAP interop: our client through libcoap's -l 30% loss", ["coap-server-notls"], () => {
	let server: LibcoapServer;
	let client: HostCoapClient;

	beforeAll(async () => {
		server = await LibcoapServer.start(["-l", "30%"]);
		client = new HostCoapClient(board, { ackTimeout: 100, maxRetransmit: 8 });
	});
	afterAll(async () => {
		client?.stop();
		await server?.stop();
	});

	it("completes 200 CON GETs", async () => {
		let done = 0;
		for (let i = 0; i < 200; i++) if ((await client.get(`${server.url}/`)).status === "2.05") done++;
		expect(done).toBe(200);
	}, 120_000);
});
