/**
 * The firmware with protocol "coap" on a FakeBoard: its config, the lamp switched and
 * observed through /lamp, the reading served and notified on /sensors/dht22, discovery,
 * and state and readings POSTed to a collector.
 */
import { describe, it, check } from "./test-api";
import { expectConfigError } from "./errors";
import { FakeBoard } from "../../testkit/portable/fake-board";
import { run, settle } from "../../testkit/portable/coap-wire";
import { parseConfig } from "../../src/app/firmware";
import { startFirmware } from "../../src/app/firmware";
import type { RunningDevice } from "../../src/app/always-on";
import type { CoapUplink } from "../../src/app/adapters/coap";
/** The always-on CoAP device, its server within reach. */
type CoapFirmware = RunningDevice & { readonly uplink: CoapUplink };
import { CoapServer } from "../../src/coap/server";
import * as m from "../../src/coap/message";
import { readUtf8 } from "../../src/common/utf8";
import { HostCoapClient, responseText } from "../../testkit/portable/coap-host-client";

const device = "coap://127.0.0.1:5683";

function start(extra: Record<string, string | number> = {}) {
	const board = new FakeBoard();
	const posts: { format?: number; body: string }[] = [];
	const collector = new CoapServer(board, { port: 6000 });
	collector.add("/readings", {
		post: (request) => {
			posts.push({ format: request.contentFormat, body: readUtf8(request.payload) });
			return {};
		},
	});
	const app = startFirmware(board, { protocol: "coap", lampPin: 4, collector: "coap://127.0.0.1:6000/readings", ...extra }, { wifi: false }) as CoapFirmware;
	const client = new HostCoapClient(board, { random: () => 0 });
	return { board, app, client, posts };
}

describe("CoAP firmware", () => {
	it("parses its config and refuses a collector that is not coap://", () => {
		const config = parseConfig({ protocol: "coap", coapPort: 5684, blockSize: 256 }, { wifi: false });
		check(config.protocol).toBe("coap");
		if (config.protocol === "coap") check([config.coap.port, config.coap.blockSize, config.coap.ackTimeout]).toEqual([5684, 256, 2000]);
		expectConfigError(() => parseConfig({ protocol: "coap", collector: "http://x/y" }, { wifi: false }), "collector");
		expectConfigError(() => parseConfig({ protocol: "coap", blockSize: 100 }, { wifi: false }), "blockSize");
	});
	it("switches the lamp on PUT, serves its state, notifies observers and POSTs each change", async () => {
		const { board, client, posts } = start();
		await run(board, 100);
		check(responseText(await settle(board, client.get(`${device}/lamp`)))).toBe("off");
		const seen: string[] = [];
		client.observe(`${device}/lamp`, { onNotification: (r) => seen.push(responseText(r)) });
		await run(board, 100);
		check((await settle(board, client.put(`${device}/lamp`, "on"))).status).toBe("2.04");
		check(board.outputs.get(4)).toBe(1);
		await run(board, 100);
		check(seen).toEqual(["off", "on"]);
		check(posts).toEqual([{ format: m.Format.TEXT_PLAIN, body: "on" }]);
		check((await settle(board, client.put(`${device}/lamp`, "dim"))).status).toBe("4.00");
		check(board.events("lamp")).toEqual([{ state: "on" }]);
	});
	it("serves the DHT22 reading as JSON, 5.03 before the first, and POSTs readings", async () => {
		const { board, app, client, posts } = start();
		await run(board, 100);
		check((await settle(board, client.get(`${device}/sensors/dht22`))).status).toBe("5.03");
		void app.uplink.publishReading('{"t":21.5,"h":40.1,"ts":1764000000}');
		await run(board, 100);
		const response = await settle(board, client.get(`${device}/sensors/dht22`));
		check([response.status, response.contentFormat]).toEqual(["2.05", m.Format.JSON_FORMAT]);
		check(JSON.parse(responseText(response))).toEqual({ t: 21.5, h: 40.1, ts: 1_764_000_000 });
		check(posts[0].format).toBe(m.Format.JSON_FORMAT);
	});
	it("lists /lamp and /sensors/dht22 in /.well-known/core", async () => {
		const { board, client } = start();
		await run(board, 100);
		const links = await settle(board, client.discover(device));
		check(links.map((l) => l.target)).toEqual(["/lamp", "/sensors/dht22"]);
		check((await settle(board, client.discover(device, { rt: "dht22" }))).map((l) => l.target)).toEqual(["/sensors/dht22"]);
	});
});
