/**
 * 20 sleepy wakes per mode over CoAP on the host board, each a fresh firmware from the retained
 * file, POSTing its reading to a collector (our CoAP server on a real UDP port),
 * metered at the firmware's socket: NON is one datagram and no round trip, and asks for no
 * response, so none comes (RFC 7967); CON one round trip; message ids go on across wakes
 * instead of restarting at random.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostBoard } from "../../boards/host/board";
import type { RawConfig } from "../../src/app/config-reader";
import { CoapServer } from "../../src/coap/server";
import { readUtf8 } from "../../src/common/utf8";
import { meterWake } from "../../tools/energy/wake";
import { freeUdpPort } from "../../testkit/peers/ports";
import { UdpProxy } from "../../testkit/peers/udp-proxy";
import { waitFor } from "../../testkit/wait-for";

/** As the issue asks of every protocol: 20 wakes, each a fresh firmware. */
const WAKES = 20;
let collector: CoapServer;
let port: number;
/** 200 ms of round trip between device and collector, a slow link: an answer the device did not wait for arrives after it sleeps, even on a busy machine. */
let link: UdpProxy;
const received: { body: string; confirmable: boolean }[] = [];
const folder = mkdtempSync(join(tmpdir(), "lampnode-sleepy-coap-"));

beforeAll(async () => {
	port = await freeUdpPort();
	// A collector for many devices keeps more message ids than a device's default of 16, whose 17th CON POST in 247 s gets 5.03.
	collector = new CoapServer(new HostBoard({ log: () => undefined }), { port, address: "127.0.0.1", maxTracked: 64 });
	link = await UdpProxy.start({ target: { address: "127.0.0.1", port }, seed: 1, delay: [100, 100] });
	collector.add("/readings", {
		post: (request) => {
			received.push({ body: readUtf8(request.payload), confirmable: true });
			return {};
		},
	});
});
afterAll(async () => {
	await link.close();
	collector.close();
	rmSync(folder, { recursive: true, force: true });
});

function config(type: "con" | "non"): RawConfig {
	return { protocol: "coap", mode: "sleepy", coapType: type, collector: `coap://127.0.0.1:${link.port}/readings`, coapPort: "0", sleepInterval: "60", buttonPin: "-1" };
}

describe("Sleepy CoAP wakes", () => {
	for (const type of ["non", "con"] as const) {
		it(`${type.toUpperCase()}: every wake's reading arrives; ${type === "non" ? "one datagram, no round trip" : "one round trip"}`, async () => {
			const retained = join(folder, `${type}.bin`);
			const before = received.length;
			const answers = link.counts.toClient.received;
			const wakes = [];
			for (let i = 0; i < WAKES; i++) wakes.push(await meterWake(config(type), retained));
			await waitFor(() => received.length - before >= WAKES, { what: `${WAKES} readings at the collector` });
			const readings = received.slice(before).map((r) => JSON.parse(r.body) as { t: number; h: number });
			expect(readings).toHaveLength(WAKES);
			for (const wake of wakes) {
				expect(wake.packetsSent).toBe(1);
				expect(wake.roundTrips).toBe(type === "non" ? 0 : 1);
			}
			// NON asks for no response (RFC 7967) and the collector sends none; every CON has its ACK.
			if (type === "non") expect(link.counts.toClient.received - answers).toBe(0);
			else expect(link.counts.toClient.received - answers).toBeGreaterThanOrEqual(WAKES);
		});
	}
});
