/**
 * Our CoAP client against our CoAP server on a FakeBoard (virtual clock, in-memory UDP):
 * methods and status codes, block-wise both ways, Observe with its ordering and
 * cancellation, discovery, and the typed timeout of a peer that never answers.
 */
import { describe, it, check } from "./test-api";
import { FakeBoard } from "../../testkit/portable/fake-board";
import { pump, run, flush, settle } from "../../testkit/portable/coap-wire";
import { text, toHex } from "./bytes";
import type { CoapResponse } from "../../src/coap/client";
import { CoapServer } from "../../src/coap/server";
import * as m from "../../src/coap/message";
import * as o from "../../testkit/portable/coap-options";
import { readBlock } from "../../testkit/portable/coap-options";
import { ProtocolError } from "../../src/common/errors";
import { readUtf8 } from "../../src/common/utf8";
import { decode } from "../../src/coap/message";
import { encode } from "../../src/coap/message";
import { HostCoapClient, NotificationOrder, responseText } from "../../testkit/portable/coap-host-client";

const big = (n: number) => {
	const bytes = new Uint8Array(n);
	for (let i = 0; i < n; i++) bytes[i] = 0x41 + (i % 26);
	return bytes;
};

function setup(serverOptions = {}, clientOptions = {}) {
	const board = new FakeBoard();
	const server = new CoapServer(board, { port: 5683, ...serverOptions });
	let state = "off";
	let stored = new Uint8Array(0);
	server.add("/lamp", {
		attributes: { rt: "lamp", if: "core.a", ct: "0" },
		observable: true,
		accepts: [m.Format.TEXT_PLAIN],
		get: () => ({ payload: state, contentFormat: m.Format.TEXT_PLAIN }),
		put: (request) => {
			const wanted = readUtf8(request.payload);
			if (wanted !== "on" && wanted !== "off") return { code: m.Code.BAD_REQUEST, payload: "on or off" };
			state = wanted;
			server.changed("/lamp");
			return {};
		},
	});
	server.add("/big", {
		attributes: { rt: "blob", ct: "42" },
		get: () => ({ payload: stored, contentFormat: m.Format.OCTET_STREAM }),
		put: (request) => {
			stored = request.payload.slice();
			return {};
		},
		post: (request) => ({ payload: `${request.payload.length}` }),
	});
	const client = new HostCoapClient(board, { random: () => 0, ...clientOptions });
	const url = "coap://127.0.0.1:5683";
	return { board, server, client, url, stored: () => stored };
}

describe("CoAP client and server: requests", () => {
	it("GETs, PUTs and answers 4.04, 4.05, 4.15 and 4.00 with a diagnostic", async () => {
		const { board, client, url } = setup();
		check(responseText(await settle(board, client.get(`${url}/lamp`)))).toBe("off");
		const changed = await settle(board, client.put(`${url}/lamp`, "on", { contentFormat: m.Format.TEXT_PLAIN }));
		check(changed.status).toBe("2.04");
		const now = await settle(board, client.get(`${url}/lamp`));
		check([responseText(now), now.contentFormat]).toEqual(["on", m.Format.TEXT_PLAIN]);
		check((await settle(board, client.get(`${url}/nothing`))).status).toBe("4.04");
		check((await settle(board, client.delete(`${url}/lamp`))).status).toBe("4.05");
		check((await settle(board, client.put(`${url}/lamp`, "on", { contentFormat: m.Format.JSON_FORMAT }))).status).toBe("4.15");
		const bad = await settle(board, client.put(`${url}/lamp`, "dim", { contentFormat: m.Format.TEXT_PLAIN }));
		check([bad.status, responseText(bad)]).toEqual(["4.00", "on or off"]);
	});
	it("answers 5.00 when a resource's handler fails", async () => {
		const { board, server, client, url } = setup();
		server.add("/broken", {
			get: () => {
				throw new Error("bug");
			},
		});
		check((await settle(board, client.get(`${url}/broken`))).status).toBe("5.00");
	});
	it("discovers resources, filtered by rt, if and ct (RFC 6690)", async () => {
		const { board, client, url } = setup();
		const all = await settle(board, client.discover(url));
		check(all.map((l) => l.target)).toEqual(["/lamp", "/big"]);
		check(all[0].attributes.obs).toBe("");
		check((await settle(board, client.discover(url, { rt: "lamp" }))).map((l) => l.target)).toEqual(["/lamp"]);
		check((await settle(board, client.discover(url, { ct: "42" }))).map((l) => l.target)).toEqual(["/big"]);
		check((await settle(board, client.discover(url, { if: "core.*" }))).map((l) => l.target)).toEqual(["/lamp"]);
	});
	it("filters /.well-known/core on the server, and writes each link's attributes with obs last (RFC 6690 4.1)", async () => {
		const { board, client, url } = setup();
		const links = async (query: string) => responseText(await settle(board, client.get(`${url}/.well-known/core${query}`)));
		check(await links("")).toBe('</lamp>;rt="lamp";if="core.a";ct=0;obs,</big>;rt="blob";ct=42');
		check(await links("?rt=bl*")).toBe('</big>;rt="blob";ct=42');
		check(await links("?if=core.a&ct=0")).toBe('</lamp>;rt="lamp";if="core.a";ct=0;obs');
		check(await links("?ct=1")).toBe("");
	});
	it("ends a request to a silent peer with EXCHANGE_TIMEOUT after MAX_TRANSMIT_WAIT, leaving no state", async () => {
		const board = new FakeBoard();
		const client = new HostCoapClient(board, { random: () => 1 });
		let error: ProtocolError | undefined;
		let at = -1;
		client.get("coap://127.0.0.1:9/lamp").catch((e: ProtocolError) => {
			error = e;
			at = board.now();
		});
		await run(board, 100_000, 500);
		check(error?.code).toBe("EXCHANGE_TIMEOUT");
		check(at).toBeGreaterThanOrEqual(93_000);
		check(at).toBeLessThan(93_600);
		check(client.transport.endpoint.pending).toBe(0);
		check(board.lastDatagram.sent.length + board.datagrams[0].takeSent().length).toBe(0);
	});
	it("ends a request made on a socket that is never bound with EXCHANGE_TIMEOUT, not a wait for ever", async () => {
		const board = new FakeBoard();
		// The port is taken: the board reports the bind failure instead of readiness.
		board.openDatagram = (options) => {
			board.setTimer(() => options.endpointFailed?.(new Error("EADDRINUSE")), 0);
			return { port: 0, send: () => undefined, close: () => undefined };
		};
		const client = new HostCoapClient(board, { random: () => 1 });
		let error: ProtocolError | undefined;
		client.get("coap://127.0.0.1:9/lamp").catch((e: ProtocolError) => (error = e));
		await run(board, 100_000, 500);
		check(error?.code).toBe("EXCHANGE_TIMEOUT");
		check(client.transport.endpoint.pending).toBe(0);
	});
	it("tells a server's owner, typed, that its port is taken, and is never ready", async () => {
		const board = new FakeBoard();
		board.openDatagram = (options) => {
			board.setTimer(() => options.endpointFailed?.(new ProtocolError("BIND_FAILED", "cannot bind UDP port 5683")), 0);
			return { port: 0, send: () => undefined, close: () => undefined };
		};
		const told: string[] = [];
		new CoapServer(board, { port: 5683, onReady: () => told.push("ready"), onError: (error) => told.push((error as ProtocolError).code) });
		await run(board, 1000, 100);
		check(told).toEqual(["BIND_FAILED"]);
	});
	it("rejects (never throws) a request to a URI it cannot read, and coaps:// without DTLS keys, with INVALID_URI", async () => {
		const { client } = setup();
		const codes: string[] = [];
		for (const uri of ["http://127.0.0.1/lamp", "coap://127.0.0.1/%FF", "coaps://127.0.0.1/lamp"])
			await client.get(uri).then(
				() => codes.push("answered"),
				(error: ProtocolError) => codes.push(error.code),
			);
		check(codes).toEqual(["INVALID_URI", "INVALID_URI", "INVALID_URI"]);
	});
	it("rejects a request to a host name the board cannot resolve", async () => {
		const { client } = setup();
		let error: ProtocolError | undefined;
		await client.get("coap://unknown.invalid/x").catch((e: ProtocolError) => (error = e));
		check(error).toBeInstanceOf(ProtocolError);
	});
	it("completes every CON request through 30% loss by retransmitting", async () => {
		const { board, client, url } = setup();
		let n = 0;
		const lose = () => n++ % 10 < 3;
		const results: CoapResponse[] = [];
		for (let i = 0; i < 20; i++) client.get(`${url}/lamp`).then((r) => results.push(r));
		for (let t = 0; t < 200 && results.length < 20; t++) await run(board, 1000, 500, lose);
		check(results).toHaveLength(20);
	});
});

describe("CoAP client and server: block-wise (RFC 7959)", () => {
	it("uploads with Block1 and downloads with Block2 a 3000-byte resource", async () => {
		const { board, client, url, stored } = setup();
		const body = big(3000);
		const put = await settle(board, client.put(`${url}/big`, body));
		check(put.status).toBe("2.04");
		check(stored().length).toBe(3000);
		const got = await settle(board, client.get(`${url}/big`));
		check(got.payload.length).toBe(3000);
		check(toHex(got.payload.subarray(2990))).toBe(toHex(body.subarray(2990)));
	});
	it("uses the client's block size, and the server's when smaller", async () => {
		const { board, client, url } = setup({ blockSize: 64 }, { blockSize: 256 });
		const body = big(700);
		await settle(board, client.put(`${url}/big`, body));
		const requests: number[] = [];
		const datagram = board.datagrams[1];
		const send = datagram.send.bind(datagram);
		datagram.send = (bytes, address, port) => {
			requests.push(bytes.length);
			send(bytes, address, port);
		};
		const got = await settle(board, client.get(`${url}/big`, { blockSize: 32 }));
		check(got.payload.length).toBe(700);
		check(requests).toHaveLength(Math.ceil(700 / 32));
	});
	it("answers a Block1 upload over the maximum body with 4.13 and Size1", async () => {
		const { board, client, url } = setup({ maxBodySize: 1000 });
		const response = await settle(board, client.post(`${url}/big`, big(3000)));
		check(response.status).toBe("4.13");
		check(o.uintValue(response.options, o.Option.SIZE1)).toBe(1000);
	});
	it("sends Size2 and the first block's Block2 when a representation is larger than a block", async () => {
		const { board, client, url } = setup({ blockSize: 16 });
		await settle(board, client.put(`${url}/big`, big(40)));
		const got = await settle(board, client.get(`${url}/big`));
		check(got.payload.length).toBe(40);
		const last = readBlock(o.optionValue(got.options, o.Option.BLOCK2)!);
		check(last).toEqual({ num: 2, more: false, szx: 0 });
	});
});

describe("CoAP client and server: Observe (RFC 7641)", () => {
	it("notifies on every change, and stops after a deregistering GET", async () => {
		const { board, server, client, url } = setup();
		const seen: string[] = [];
		const observation = client.observe(`${url}/lamp`, { onNotification: (r) => seen.push(responseText(r)) });
		await run(board, 100);
		check(server.observers("/lamp")).toBe(1);
		await settle(board, client.put(`${url}/lamp`, "on"));
		await settle(board, client.put(`${url}/lamp`, "off"));
		check(seen).toEqual(["off", "on", "off"]);
		const last = await settle(board, observation.cancel());
		check(o.uintValue(last.options, o.Option.OBSERVE)).toBeUndefined();
		check(server.observers("/lamp")).toBe(0);
		await settle(board, client.put(`${url}/lamp`, "on"));
		check(seen).toHaveLength(3);
	});
	it("drops the observer that forgot the observation, through the Reset of the next notification", async () => {
		const { board, server, client, url } = setup();
		const observation = client.observe(`${url}/lamp`, { onNotification: () => undefined });
		await run(board, 100);
		observation.forget();
		await settle(board, client.put(`${url}/lamp`, "on"));
		await pump(board);
		check(server.observers("/lamp")).toBe(0);
	});
	it("re-registers when Max-Age passes without a notification", async () => {
		const { board, server, client, url } = setup();
		let notifications = 0;
		client.observe(`${url}/lamp`, { onNotification: () => notifications++ });
		await run(board, 100);
		check(notifications).toBe(1);
		await run(board, 63_000, 1000);
		check(notifications).toBe(2);
		check(server.observers("/lamp")).toBe(1);
	});
	it("orders notifications by sequence number, and trusts a new one after 128 s", () => {
		const order = new NotificationOrder();
		check(order.accept(5, 0)).toBe(true);
		check(order.accept(4, 1000)).toBe(false);
		check(order.accept(6, 2000)).toBe(true);
		check(order.accept(0xffffff, 3000)).toBe(false);
		check(order.accept(3, 2000 + 128_001)).toBe(true);
		const wrapping = new NotificationOrder();
		wrapping.accept(0xfffffe, 0);
		check(wrapping.accept(1, 10)).toBe(true);
	});
});

describe("CoAP client lifecycle", () => {
	it("answers a request from its server with 4.04, so the peer does not retransmit", async () => {
		const { board, client, url } = setup();
		await settle(board, client.get(`${url}/lamp`));
		const own = board.datagrams[1];
		own.deliver(encode({ type: m.Type.CON, code: m.Code.GET, messageId: 77, token: m.EMPTY_BYTES, options: [], payload: m.EMPTY_BYTES }), "127.0.0.1", 5683);
		const [answer] = own.takeSent().map((d) => decode(d.bytes));
		check([answer.type, m.codeName(answer.code), answer.messageId]).toEqual([m.Type.ACK, "4.04", 77]);
	});
	it("drops datagrams from senders that are not its servers before decoding them: counted, never answered", async () => {
		const { board, client, url } = setup();
		const pending = client.get(`${url}/lamp`);
		await flush();
		board.advance(1);
		await flush();
		const own = board.datagrams[1];
		const request = decode(own.sent[0].bytes);
		// A response forged to match the request, garbage, the 2-byte 10 0c and a CON ping, all from another port.
		const forged = encode({ type: m.Type.ACK, code: m.Code.CONTENT, messageId: request.messageId, token: request.token, options: [], payload: text("forged") });
		for (const bytes of [forged, new Uint8Array([0xff, 0x00, 0x13]), new Uint8Array([0x10, 0x0c]), encode({ type: m.Type.CON, code: m.Code.EMPTY, messageId: 9, token: m.EMPTY_BYTES, options: [], payload: m.EMPTY_BYTES })])
			own.deliver(bytes, "127.0.0.1", 5999);
		check(own.sent).toHaveLength(1);
		check(client.dropped).toEqual({ malformed: 0, duplicate: 0, unexpected: 0, rejected: 0, foreign: 4, overloaded: 0 });
		check(responseText(await settle(board, pending))).toBe("off");
		check(client.dropped.foreign).toBe(4);
	});
	it("keeps serving anyone, and survives garbage from anyone", async () => {
		const { board, server, client, url } = setup();
		const device = board.datagrams[0];
		for (const [i, bytes] of [new Uint8Array([0x10, 0x0c]), new Uint8Array([0x40]), new Uint8Array([0x5f, 0x01, 0x00, 0x01, 0xff]), big(300)].entries()) device.deliver(bytes, "10.0.0.7", 6000 + i);
		check(server.transport.endpoint.dropped.foreign).toBe(0);
		check(server.transport.endpoint.dropped.malformed).toBeGreaterThan(0);
		check(responseText(await settle(board, client.get(`${url}/lamp`)))).toBe("off");
	});
	it("stop rejects what waits with CLOSED and closes the socket", async () => {
		const { board, client } = setup();
		let error: ProtocolError | undefined;
		const pending = client.get("coap://127.0.0.1:9/x").catch((e: ProtocolError) => (error = e));
		await flush();
		board.advance(1);
		await flush();
		client.stop();
		await pending;
		check(error?.code).toBe("CLOSED");
		check(board.datagrams[1].closed).toBe(true);
		check(text("x").length).toBe(1);
	});
});
