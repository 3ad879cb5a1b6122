/**
 * Requests without response (RFC 7967): one NON datagram with No-Response 26 and an empty
 * token, nothing kept by the client, a shared resolved promise; PROBING_RATE (RFC 7252
 * 4.7) spaces them, and what cannot go is refused with a typed error and nothing sent.
 */
import { describe, it, check } from "./test-api";
import { FakeBoard } from "../../testkit/portable/fake-board";
import { flush } from "../../testkit/portable/coap-wire";
import { CoapClient, type CoapClientOptions } from "../../src/coap/client";
import { ConfigError, ProtocolError } from "../../src/common/errors";
import * as m from "../../src/coap/message";
import { decode, encode } from "../../src/coap/message";

const READINGS = "coap://127.0.0.1:5683/readings";

/** A client whose socket is bound. */
async function bound(board: FakeBoard, options: CoapClientOptions = {}) {
	const client = new CoapClient(board, { random: () => 0.25, ...options });
	await flush();
	board.advance(1);
	await flush();
	return { client, socket: board.datagrams[0] };
}

/** The code of what `promise` rejected with ("resolved" if it did not). */
async function outcome(promise: Promise<unknown>): Promise<string> {
	try {
		await promise;
		return "resolved";
	} catch (error) {
		return error instanceof ProtocolError ? error.code : "untyped: " + String(error);
	}
}

describe("CoAP client: requests without response", () => {
	it("sends one NON with No-Response 26, an empty token and the payload, and keeps nothing of it", async () => {
		const board = new FakeBoard();
		const { client, socket } = await bound(board);
		check(await outcome(client.requestNoResponse(m.Code.POST, READINGS + "?unit=c", { payload: '{"t":21.5}', contentFormat: m.Format.JSON_FORMAT }))).toBe("resolved");
		const sent = socket.takeSent();
		check(sent).toHaveLength(1);
		check(sent[0].address).toBe("127.0.0.1");
		check(sent[0].port).toBe(5683);
		const message = decode(sent[0].bytes);
		check(message.type).toBe(m.Type.NON);
		check(message.code).toBe(m.Code.POST);
		check(message.token).toHaveLength(0);
		check(message.options.map((option) => option.number)).toEqual([m.Option.URI_PATH, m.Option.CONTENT_FORMAT, m.Option.URI_QUERY, m.Option.NO_RESPONSE]);
		check(m.uriPath(message.options)).toBe("/readings");
		check(m.uintValue(message.options, m.Option.CONTENT_FORMAT)).toBe(m.Format.JSON_FORMAT);
		check(m.uintValue(message.options, m.Option.NO_RESPONSE)).toBe(26);
		check(String.fromCharCode(...message.payload)).toBe('{"t":21.5}');
		check(client.transport.endpoint.pending).toBe(0);
		check(board.pendingTimers).toBe(0);
		// A server that answers anyway is reset: nobody waits for it.
		socket.deliver(encode({ type: m.Type.NON, code: m.Code.CHANGED, messageId: 77, token: m.EMPTY_BYTES, options: [], payload: m.EMPTY_BYTES }), "127.0.0.1", 5683);
		await flush();
		const reset = socket.takeSent().map((datagram) => decode(datagram.bytes));
		check(reset.map((r) => [r.type, r.messageId])).toEqual([[m.Type.RST, 77]]);
		check(client.dropped.unexpected).toBe(1);
	});

	it("gives each datagram its own message id, and an empty payload no payload marker", async () => {
		const board = new FakeBoard();
		const { client, socket } = await bound(board, { probingRate: 1000 });
		await client.requestNoResponse(m.Code.POST, READINGS, { payload: "a" });
		board.advance(1000);
		await client.requestNoResponse(m.Code.PUT, READINGS);
		const sent = socket.takeSent();
		check(sent).toHaveLength(2);
		const [first, second] = sent.map((datagram) => decode(datagram.bytes));
		check(second.messageId).toBe((first.messageId + 1) & 0xffff);
		check(second.code).toBe(m.Code.PUT);
		check(second.payload).toHaveLength(0);
		check(sent[1].bytes[sent[1].bytes.length - 1]).toBe(26);
		// The message ids go on from the request/response ones: one sequence for the endpoint.
		check(client.sequence.messageId).toBe(second.messageId);
	});

	it("spaces them at PROBING_RATE: one refused with RATE_LIMITED sends nothing, and goes once the bytes before are paid for", async () => {
		const board = new FakeBoard();
		const { client, socket } = await bound(board);
		await client.requestNoResponse(m.Code.POST, READINGS, { payload: "x".repeat(40) });
		const first = socket.takeSent();
		// 1 byte a second: the first datagram's bytes take that many seconds.
		const wait = first[0].bytes.length * 1000;
		board.advance(wait - 1);
		check(await outcome(client.requestNoResponse(m.Code.POST, READINGS, { payload: "y" }))).toBe("RATE_LIMITED");
		check(socket.takeSent()).toHaveLength(0);
		board.advance(1);
		check(await outcome(client.requestNoResponse(m.Code.POST, READINGS, { payload: "y" }))).toBe("resolved");
		check(socket.takeSent()).toHaveLength(1);
		// A faster rate, configured: 10 bytes a second.
		const board2 = new FakeBoard();
		const timed = await bound(board2, { probingRate: 10 });
		await timed.client.requestNoResponse(m.Code.POST, READINGS, { payload: "x".repeat(40) });
		board2.advance(timed.socket.takeSent()[0].bytes.length * 100 - 1);
		check(await outcome(timed.client.requestNoResponse(m.Code.POST, READINGS))).toBe("RATE_LIMITED");
		board2.advance(1);
		check(await outcome(timed.client.requestNoResponse(m.Code.POST, READINGS))).toBe("resolved");
		check(timed.socket.takeSent()).toHaveLength(1);
	});

	it("refuses a PROBING_RATE of 0, below 0 or NaN with a ConfigError naming it", () => {
		for (const probingRate of [0, -1, NaN]) {
			let thrown: unknown;
			try {
				new CoapClient(new FakeBoard(), { probingRate });
			} catch (error) {
				thrown = error;
			}
			check(thrown instanceof ConfigError && thrown.key).toBe("probingRate");
		}
	});

	it("refuses, nothing sent, a payload over one block, a bad URI and a stopped client", async () => {
		const board = new FakeBoard();
		const { client, socket } = await bound(board, { blockSize: 64 });
		check(await outcome(client.requestNoResponse(m.Code.POST, READINGS, { payload: new Uint8Array(65) }))).toBe("PACKET_TOO_LARGE");
		check(await outcome(client.requestNoResponse(m.Code.POST, "http://127.0.0.1/readings", { payload: "1" }))).toBe("INVALID_URI");
		check(socket.takeSent()).toHaveLength(0);
		// Neither used up the rate: one block goes now.
		check(await outcome(client.requestNoResponse(m.Code.POST, READINGS, { payload: new Uint8Array(64) }))).toBe("resolved");
		check(socket.takeSent()).toHaveLength(1);
		client.stop();
		board.advance(600_000);
		check(await outcome(client.requestNoResponse(m.Code.POST, READINGS, { payload: "1" }))).toBe("CLOSED");
	});

	it("resolves a host name first, and one that does not resolve is an error", async () => {
		const board = new FakeBoard();
		const { client, socket } = await bound(board, { probingRate: 1000 });
		check(await outcome(client.requestNoResponse(m.Code.POST, "coap://collector.local/readings", { payload: "1" }))).toBe("resolved");
		const sent = socket.takeSent();
		check(sent.map((datagram) => [datagram.address, datagram.port])).toEqual([["127.0.0.1", 5683]]);
		// Uri-Host names the server, as for any request to a host name.
		check(m.stringValues(decode(sent[0].bytes).options, m.Option.URI_HOST)).toEqual(["collector.local"]);
		board.advance(1000);
		check(await outcome(client.requestNoResponse(m.Code.POST, "coap://unknown.invalid/readings", { payload: "1" }))).toBe("EXCHANGE_TIMEOUT");
		check(socket.takeSent()).toHaveLength(0);
	});

	it("waits in the endpoint until the socket is bound, then goes", async () => {
		const board = new FakeBoard();
		const client = new CoapClient(board, { random: () => 0.25 });
		check(await outcome(client.requestNoResponse(m.Code.POST, READINGS, { payload: "early" }))).toBe("resolved");
		await flush();
		board.advance(1);
		await flush();
		const sent = board.datagrams[0].takeSent();
		check(sent).toHaveLength(1);
		check(String.fromCharCode(...decode(sent[0].bytes).payload)).toBe("early");
	});
});
