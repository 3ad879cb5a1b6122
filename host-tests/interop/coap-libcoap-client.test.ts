/**
 * libcoap's coap-client-notls against our device server: the firmware with protocol
 * "coap" on the host board, real UDP on 127.0.0.1. GET and PUT /lamp, observe /lamp
 * while it changes, /.well-known/core, block-wise transfers both ways, and the RFC 7252
 * rules of issue 17: Accept (4.06), Proxy-Uri (5.05), If-Match / If-None-Match (4.12),
 * a separate response from a slow resource, Block2 notifications. `-v 6` makes
 * coap-client print every PDU it sends and receives on stdout ("v:1 t:ACK c:4.06 ...").
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ROOT } from "../../tools/launcher/firmware";
import { HostBoard } from "../../boards/host/board";
import { startFirmware } from "../../src/app/firmware";
import type { RunningDevice } from "../../src/app/always-on";
import type { CoapUplink } from "../../src/app/adapters/coap";

/** The always-on CoAP device, its server within reach. */
type CoapFirmware = RunningDevice & { readonly uplink: CoapUplink };
import { CoapClient } from "../../src/coap/client";
import { coapClient } from "../../testkit/peers/libcoap";
import { freeUdpPort, waitForCoap } from "../../testkit/peers/ports";
import { describeWithPeers } from "../../testkit/peers/require-peer";
import { letTimePass, waitFor } from "../../testkit/wait-for";
import { parseLinkFormat } from "../../testkit/portable/coap-host-client";

describeWithPeers("CoAP interop: libcoap client, our server", ["coap-client-notls"], () => {
	const board = new HostBoard({ log: () => undefined });
	let app: CoapFirmware;
	let url: string;
	let stored = new Uint8Array(0);
	let logLine = 0;
	/** 1500 bytes, over the server's 1024-byte block: notifications go block-wise. */
	const log = () => `${logLine}`.padEnd(1500, ".");

	beforeAll(async () => {
		const port = await freeUdpPort();
		app = startFirmware(board, { protocol: "coap", coapPort: port, lampPin: 7 }, { wifi: false }) as CoapFirmware;
		app.uplink.server.add("/blob", {
			get: () => ({ payload: stored, contentFormat: 42 }),
			put: (request) => {
				stored = request.payload.slice();
				return {};
			},
		});
		// Answers after 1.3 s, past the server's 1 s before it acknowledges on its own (5.2.2).
		app.uplink.server.add("/slow", { get: () => letTimePass(1300).then(() => ({ payload: "measured", contentFormat: 0 })) });
		app.uplink.server.add("/log", { observable: true, get: () => ({ payload: log(), contentFormat: 0 }) });
		url = `coap://127.0.0.1:${port}`;
		await waitForCoap(port);
	});
	afterAll(async () => {
		await app?.stop();
	});

	it("GETs and PUTs /lamp", async () => {
		expect((await coapClient(["-B", "5", `${url}/lamp`])).stdout.trim()).toBe("off");
		await coapClient(["-B", "5", "-m", "put", "-t", "0", "-e", "on", `${url}/lamp`]);
		expect((await coapClient(["-B", "5", `${url}/lamp`])).stdout.trim()).toBe("on");
		await coapClient(["-B", "5", "-m", "put", "-e", "off", `${url}/lamp`]);
		expect((await coapClient(["-B", "5", `${url}/lamp`])).stdout.trim()).toBe("off");
	});

	it("observes /lamp while it changes", async () => {
		let output = "";
		const observing = coapClient(["-B", "6", "-s", "4", `${url}/lamp`], undefined, (stdout) => (output = stdout));
		const ours = new CoapClient(board);
		await waitFor(() => app.uplink.server.observers("/lamp") === 1, { what: "libcoap registered" });
		await ours.put(`${url}/lamp`, "on");
		await waitFor(() => output === "offon", { what: `libcoap printing the "on" notification` });
		await ours.put(`${url}/lamp`, "off");
		ours.stop();
		// coap-client prints each notification's payload as it comes, without separators.
		expect((await observing).stdout.trim()).toBe("offonoff");
	}, 15_000);

	it("lists the resources in /.well-known/core", async () => {
		const { stdout } = await coapClient(["-B", "5", `${url}/.well-known/core`]);
		const links = parseLinkFormat(stdout.trim());
		expect(links?.map((l) => l.target)).toEqual(["/lamp", "/sensors/dht22", "/blob", "/slow", "/log"]);
		expect(links?.[0].attributes.obs).toBe("");
	});

	it("takes a 1500-byte PUT in 64-byte blocks and serves it back in 128-byte blocks", async () => {
		const data = "0123456789abcdef".repeat(94).slice(0, 1500);
		await coapClient(["-B", "10", "-b", "64", "-m", "put", "-e", data, `${url}/blob`]);
		expect(new TextDecoder().decode(stored)).toBe(data);
		const { stdout } = await coapClient(["-B", "10", "-b", "128", `${url}/blob`]);
		expect(stdout.trim()).toBe(data);
	});

	/** The PDUs coap-client received, as it prints them at -v 6. */
	const received = (stdout: string) => stdout.split("\n").filter((line) => line.startsWith("v:1 t:") && !line.includes(" c:GET ") && !line.includes(" c:PUT "));

	it("answers -A 50 on the text/plain /lamp with 4.06, and a request through it as a proxy (-P) with 5.05", async () => {
		const accept = await coapClient(["-v", "6", "-B", "5", "-A", "50", `${url}/lamp`]);
		expect(received(accept.stdout)).toEqual([expect.stringMatching(/^v:1 t:ACK c:4\.06 /)]);
		const proxied = await coapClient(["-v", "6", "-B", "5", "-P", url, "coap://10.9.9.9/lamp"]);
		expect(received(proxied.stdout)).toEqual([expect.stringMatching(/^v:1 t:ACK c:5\.05 /)]);
		expect((await coapClient(["-B", "5", "-A", "0", `${url}/lamp`])).stdout.trim()).toBe("off");
	});

	it("performs a PUT on /lamp only when If-Match and If-None-Match hold (4.12 otherwise)", async () => {
		const put = async (options: string[], value: string) => received((await coapClient(["-v", "6", "-B", "5", "-m", "put", ...options, "-e", value, `${url}/lamp`])).stdout);
		expect(await put(["-O", "5"], "on")).toEqual([expect.stringMatching(/ c:4\.12 /)]);
		expect(app.uplink.server.observers()).toBe(0);
		expect((await coapClient(["-B", "5", `${url}/lamp`])).stdout.trim()).toBe("off");
		expect(await put(["-O", "1,0xeeeeee"], "on")).toEqual([expect.stringMatching(/ c:4\.12 /)]);
		const got = received((await coapClient(["-v", "6", "-B", "5", `${url}/lamp`])).stdout);
		const etag = /ETag:(0x[0-9a-f]+)/.exec(got[0])?.[1];
		expect(etag).toBeDefined();
		expect(await put(["-O", `1,${etag}`], "on")).toEqual([expect.stringMatching(/ c:2\.04 /)]);
		expect((await coapClient(["-B", "5", `${url}/lamp`])).stdout.trim()).toBe("on");
		// The lamp changed: the ETag coap-client holds is stale.
		expect(await put(["-O", `1,${etag}`], "off")).toEqual([expect.stringMatching(/ c:4\.12 /)]);
		expect(await put(["-O", "1"], "off")).toEqual([expect.stringMatching(/ c:2\.04 /)]);
	});

	it("acknowledges a GET of the slow resource with an Empty ACK, then answers it with a CON coap-client acknowledges", async () => {
		// -v 7 prints the Empty ACK too (and every PDU twice: when built and when sent or received).
		const { stdout } = await coapClient(["-v", "7", "-B", "10", `${url}/slow`]);
		const pdus = received(stdout);
		const ack = pdus.findIndex((line) => /^v:1 t:ACK c:0\.00 /.test(line));
		const response = pdus.findIndex((line) => /^v:1 t:CON c:2\.05 .*:: 'measured'$/.test(line));
		expect([ack >= 0, response > ack]).toEqual([true, true]);
		await waitFor(() => app.uplink.server.separating === 0 && app.uplink.server.transport.endpoint.pending === 0, { what: "the separate response acknowledged" });
	});

	it("notifies a 1500-byte /log block-wise: coap-client fetches the rest of each notification with Block2 GETs", async () => {
		let output = "";
		const observing = coapClient(["-B", "8", "-s", "3", `${url}/log`], 15_000, (stdout) => (output = stdout));
		await waitFor(() => app.uplink.server.observers("/log") === 1, { what: "libcoap registered" });
		await waitFor(() => output.length === 1500, { what: "the whole first representation" });
		logLine = 1;
		app.uplink.server.changed("/log");
		await waitFor(() => output.length === 3000, { what: "the whole first notification" });
		logLine = 2;
		app.uplink.server.changed("/log");
		expect((await observing).stdout.trim()).toBe(["0", "1", "2"].map((line) => line.padEnd(1500, ".")).join(""));
	}, 20_000);
});

describeWithPeers("CoAP host demo: npm start -- --protocol coap", ["coap-client-notls"], () => {
	it("switches the lamp on coap-client's PUT and the collector prints the POSTed state", async () => {
		const port = await freeUdpPort();
		const child = spawn(process.execPath, ["--import", "tsx", "tools/start.ts", "--protocol", "coap", "--coap-port", String(port)], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
		const events: Record<string, unknown>[] = [];
		createInterface({ input: child.stdout }).on("line", (line) => {
			try {
				events.push(JSON.parse(line));
			} catch {
				// npm's own lines are not events.
			}
		});
		try {
			await waitFor(() => events.some((e) => e.event === "listening"), { what: "the device listening", deadline: 20_000 });
			await coapClient(["-B", "5", "-m", "put", "-e", "on", `coap://127.0.0.1:${port}/lamp`]);
			await waitFor(() => events.some((e) => e.event === "collected" && e.payload === "on"), { what: "the collector printing the state" });
			expect(events.find((e) => e.event === "lamp")).toEqual({ event: "lamp", state: "on" });
		} finally {
			child.kill("SIGTERM");
			await new Promise((resolve) => child.once("exit", resolve));
		}
	}, 40_000);
});
