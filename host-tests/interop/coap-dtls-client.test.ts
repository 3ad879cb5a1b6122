/**
 * libcoap's DTLS clients (coap-client-openssl, coap-client-gnutls, `-k KEY -u IDENTITY`)
 * against our device server: the firmware with protocol "coap" and `coapPsk` set, on the
 * host board. GET and PUT /lamp, observe /lamp while it changes, a block-wise GET; a
 * wrong key gets bad_record_mac and an unknown identity unknown_psk_identity, with no
 * request served; plain coap gets nothing.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { HostBoard } from "../../boards/host/board";
import { startFirmware } from "../../src/app/firmware";
import type { RunningDevice } from "../../src/app/always-on";
import type { CoapUplink } from "../../src/app/adapters/coap";
import { coapsClient, type DtlsFlavour } from "../../testkit/peers/libcoap-dtls";
import { coapClient } from "../../testkit/peers/libcoap";
import { freeUdpPort } from "../../testkit/peers/ports";
import { describeWithPeers } from "../../testkit/peers/require-peer";
import { waitFor } from "../../testkit/wait-for";

type CoapFirmware = RunningDevice & { readonly uplink: CoapUplink };
const KEY = "lamp-secret-0123";
const HEX = Buffer.from(KEY).toString("hex");

describeWithPeers("CoAP over DTLS: libcoap clients, our server", ["coap-client-openssl", "coap-client-gnutls", "coap-client-notls"], () => {
	const logs: { event: string; fields?: Record<string, unknown> }[] = [];
	const board = new HostBoard({ log: (event, fields) => logs.push({ event, fields }) });
	let app: CoapFirmware;
	let url: string;
	let port: number;
	let served = 0;

	beforeAll(async () => {
		port = await freeUdpPort();
		app = startFirmware(board, { protocol: "coap", coapPort: port, lampPin: 7, coapPskIdentity: "lamp", coapPsk: HEX }, { wifi: false }) as CoapFirmware;
		app.uplink.server.add("/blob", { get: () => (served++, { payload: new Uint8Array(600).fill(0x62), contentFormat: 42 }) });
		url = `coaps://127.0.0.1:${port}`;
		await waitFor(() => app.uplink.server.port === port, { what: "the server bound" });
	});
	afterAll(async () => {
		await app?.stop();
	});

	for (const flavour of ["openssl", "gnutls"] as DtlsFlavour[]) {
		const coaps = (args: string[], key = KEY, identity = "lamp", timeout?: number, onOutput?: (out: string) => void) => coapsClient(flavour, ["-k", key, "-u", identity, "-B", "5", ...args], timeout, onOutput);

		it(`${flavour}: GETs and PUTs /lamp`, async () => {
			expect((await coaps([`${url}/lamp`])).stdout.trim()).toBe("off");
			await coaps(["-m", "put", "-t", "0", "-e", "on", `${url}/lamp`]);
			expect((await coaps([`${url}/lamp`])).stdout.trim()).toBe("on");
			await coaps(["-m", "put", "-e", "off", `${url}/lamp`]);
			expect((await coaps([`${url}/lamp`])).stdout.trim()).toBe("off");
		});

		it(`${flavour}: observes /lamp while it changes`, async () => {
			let output = "";
			const observing = coaps(["-B", "6", "-s", "3", `${url}/lamp`], KEY, "lamp", undefined, (stdout) => (output = stdout));
			await waitFor(() => app.uplink.server.observers("/lamp") === 1, { what: "the client registered" });
			await coaps(["-m", "put", "-e", "on", `${url}/lamp`]);
			await waitFor(() => output === "offon", { what: `the "on" notification` });
			await coaps(["-m", "put", "-e", "off", `${url}/lamp`]);
			expect((await observing).stdout.trim()).toBe("offonoff");
		}, 15_000);

		it(`${flavour}: GETs 600 bytes in 64-byte blocks`, async () => {
			const { stdout } = await coaps(["-b", "64", `${url}/blob`]);
			expect(stdout.trim()).toBe("b".repeat(600));
		});

		it(`${flavour}: a wrong key gets bad_record_mac, an unknown identity unknown_psk_identity, nothing served`, async () => {
			const before = served;
			// libcoap logs to stdout: the payload would be 600 "b"s there.
			const wrong = await coaps([`${url}/blob`], "not-the-key-000");
			expect(wrong.stdout).not.toContain("bbbb");
			expect((wrong.stdout + wrong.stderr).toLowerCase()).toMatch(/bad record mac|alert '20'/);
			const stranger = await coaps([`${url}/blob`], KEY, "stranger");
			expect(stranger.stdout).not.toContain("bbbb");
			expect((stranger.stdout + stranger.stderr).toLowerCase()).toMatch(/unknown psk identity|alert '115'/);
			expect(served).toBe(before);
			// What the device logged names the alert, never the key (neither the text nor its hex).
			const text = JSON.stringify(logs);
			expect(text).toContain("bad_record_mac");
			expect(text).not.toContain(KEY);
			expect(text).not.toContain(HEX);
		});
	}

	it("plain coap:// to the coaps port gets no answer", async () => {
		const before = served;
		const { stdout } = await coapClient(["-B", "2", `coap://127.0.0.1:${port}/blob`], 4000);
		expect(stdout).toBe("");
		expect(served).toBe(before);
	});
});
