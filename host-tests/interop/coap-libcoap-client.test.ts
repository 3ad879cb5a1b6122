/**
 * libcoap's coap-client-notls against our device server: the firmware with protocol
 * "coap" on the host board, real UDP on 127.0.0.1. GET and PUT /lamp, observe /lamp
 * while it changes, /.well-known/core, and block-wise transfers both ways.
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
import { waitFor } from "../../testkit/wait-for";
import { parseLinkFormat } from "../../testkit/portable/coap-host-client";

describeWithPeers("CoAP interop: libcoap client, our server", ["coap-client-notls"], () => {
	const board = new HostBoard({ log: () => undefined });
	let app: CoapFirmware;
	let url: string;
	let stored = new Uint8Array(0);

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
		expect(links?.map((l) => l.target)).toEqual(["/lamp", "/sensors/dht22", "/blob"]);
		expect(links?.[0].attributes.obs).toBe("");
	});

	it("takes a 1500-byte PUT in 64-byte blocks and serves it back in 128-byte blocks", async () => {
		const data = "0123456789abcdef".repeat(94).slice(0, 1500);
		await coapClient(["-B", "10", "-b", "64", "-m", "put", "-e", data, `${url}/blob`]);
		expect(new TextDecoder().decode(stored)).toBe(data);
		const { stdout } = await coapClient(["-B", "10", "-b", "128", `${url}/blob`]);
		expect(stdout.trim()).toBe(data);
	});
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
