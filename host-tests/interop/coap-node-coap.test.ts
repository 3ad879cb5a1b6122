/**
 * node-coap (`coap` on npm) both ways over real UDP on 127.0.0.1: our client against a
 * node-coap server (GET/PUT/POST/DELETE, observe, block-wise GET), and a node-coap client
 * against our device server (GET, PUT, observe /lamp, discovery).
 */
import coap from "coap";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostBoard } from "../../boards/host/board";
import { startFirmware } from "../../src/app/firmware";
import type { RunningDevice } from "../../src/app/always-on";
import type { CoapUplink } from "../../src/app/adapters/coap";
/** The always-on CoAP device, its server within reach. */
type CoapFirmware = RunningDevice & { readonly uplink: CoapUplink };
import { freeUdpPort, waitForCoap } from "../../testkit/peers/ports";
import { waitFor } from "../../testkit/wait-for";
import { HostCoapClient, parseLinkFormat, responseText } from "../../testkit/portable/coap-host-client";

const board = new HostBoard({ log: () => undefined });
const big = Buffer.from("0123456789abcdef".repeat(200));

describe("CoAP interop: our client, node-coap server", () => {
	let server: ReturnType<typeof coap.createServer>;
	let url: string;
	let client: HostCoapClient;
	const store = new Map<string, Buffer>();
	let tick: ReturnType<typeof setInterval> | undefined;

	beforeAll(async () => {
		const port = await freeUdpPort();
		server = coap.createServer((req, res) => {
			const path = req.url.split("?")[0];
			if (path === "/clock" && req.headers.Observe === 0) {
				let n = 0;
				res.write(`t${n++}`);
				tick = setInterval(() => res.write(`t${n++}`), 200);
				res.on("finish", () => clearInterval(tick));
				return;
			}
			if (path === "/big") return res.end(big);
			switch (req.method) {
				case "GET":
					if (!store.has(path)) res.code = "4.04";
					return res.end(store.get(path) ?? "");
				case "PUT":
					res.code = store.has(path) ? "2.04" : "2.01";
					store.set(path, Buffer.from(req.payload));
					return res.end();
				case "POST":
					res.code = "2.01";
					return res.end(`got ${req.payload.length}`);
				case "DELETE":
					store.delete(path);
					res.code = "2.02";
					return res.end();
			}
		});
		await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
		url = `coap://127.0.0.1:${port}`;
		client = new HostCoapClient(board, { ackTimeout: 500 });
	});
	afterAll(async () => {
		clearInterval(tick);
		client?.stop();
		await new Promise<void>((resolve) => server.close(() => resolve()));
	});

	it("PUTs, GETs, POSTs and DELETEs", async () => {
		expect((await client.put(`${url}/a`, "one")).status).toBe("2.01");
		expect(responseText(await client.get(`${url}/a`))).toBe("one");
		const posted = await client.post(`${url}/a`, "12345", { contentFormat: 0 });
		expect([posted.status, responseText(posted)]).toEqual(["2.01", "got 5"]);
		expect((await client.delete(`${url}/a`)).status).toBe("2.02");
		expect((await client.get(`${url}/a`)).status).toBe("4.04");
	});

	it("observes a resource and deregisters", async () => {
		const seen: string[] = [];
		const observation = client.observe(`${url}/clock`, { onNotification: (r) => seen.push(responseText(r)) });
		await waitFor(() => seen.length >= 3, { what: "three notifications", deadline: 5000 });
		expect(seen.slice(0, 3)).toEqual(["t0", "t1", "t2"]);
		observation.forget();
	});

	it("downloads a 3200-byte representation block-wise", async () => {
		const response = await client.get(`${url}/big`, { blockSize: 256 });
		expect(Buffer.from(response.payload).equals(big)).toBe(true);
	});
});

describe("CoAP interop: node-coap client, our server", () => {
	let app: CoapFirmware;
	let port: number;

	beforeAll(async () => {
		port = await freeUdpPort();
		app = startFirmware(board, { protocol: "coap", coapPort: port, lampPin: 9 }, { wifi: false }) as CoapFirmware;
		await waitForCoap(port);
	});
	afterAll(async () => {
		await app?.stop();
	});

	const request = (options: coap.CoapRequestParams, payload?: string): Promise<coap.IncomingMessage> =>
		new Promise((resolve, reject) => {
			// A fresh agent per request: closing an observation stops the shared global agent.
			const req = coap.request({ hostname: "127.0.0.1", port, agent: false, ...options });
			req.on("response", resolve);
			req.on("error", reject);
			req.end(payload);
		});

	it("GETs and PUTs /lamp", async () => {
		expect((await request({ pathname: "/lamp" })).payload.toString()).toBe("off");
		expect((await request({ pathname: "/lamp", method: "PUT" }, "on")).code).toBe("2.04");
		expect((await request({ pathname: "/lamp" })).payload.toString()).toBe("on");
		expect((await request({ pathname: "/nothing" })).code).toBe("4.04");
	});

	it("observes /lamp while it changes", async () => {
		const seen: string[] = [];
		const response = await request({ pathname: "/lamp", observe: true });
		// node-coap streams the registration's response and each notification as "data".
		response.on("data", (chunk: Buffer) => seen.push(chunk.toString()));
		await request({ pathname: "/lamp", method: "PUT" }, "off");
		await request({ pathname: "/lamp", method: "PUT" }, "on");
		await waitFor(() => seen.length >= 3, { what: "the response and two notifications", deadline: 5000 });
		expect(seen).toEqual(["on", "off", "on"]);
		(response as unknown as { close(): void }).close();
	});

	it("discovers /lamp and /sensors/dht22", async () => {
		const response = await request({ pathname: "/.well-known/core" });
		expect(parseLinkFormat(response.payload.toString())?.map((l) => l.target)).toEqual(["/lamp", "/sensors/dht22"]);
	});
});
