/**
 * What the CoAP client puts on the wire when it sends one request after another: the URI
 * is parsed and its options encoded once, yet every request carries its own Content-Format
 * and Accept; an IPv4 literal needs no resolver, a host name is resolved for every request,
 * and either stays among the servers whose datagrams are decoded while a request waits;
 * a fresh token takes one draw of the endpoint's randomness.
 */
import { describe, it, check } from "./test-api";
import { FakeBoard } from "../../testkit/portable/fake-board";
import { flush } from "../../testkit/portable/coap-wire";
import { HostCoapClient } from "../../testkit/portable/coap-host-client";
import { Endpoint } from "../../src/coap/endpoint";
import * as m from "../../src/coap/message";
import { decode, encode } from "../../src/coap/message";
import { sendRequest } from "../../testkit/portable/coap-endpoint-requests";

/** A client whose socket is bound, and what it sent, decoded. */
async function bound(board: FakeBoard) {
	const client = new HostCoapClient(board, { random: () => 0.25 });
	await flush();
	board.advance(1);
	await flush();
	const socket = board.datagrams[0];
	const sent = () => socket.sent.map((datagram) => decode(datagram.bytes));
	return { client, socket, sent };
}

/** A board that counts the host names it resolves. */
class CountingBoard extends FakeBoard {
	resolved: string[] = [];
	override resolve(host: string, callback: (address: string | undefined) => void): void {
		this.resolved.push(host);
		super.resolve(host, callback);
	}
}

describe("CoAP client: one request after another", () => {
	it("encodes each request's own Content-Format and Accept, to the same URI and to another", async () => {
		const board = new FakeBoard();
		const { client, sent } = await bound(board);
		void client.post("coap://127.0.0.1:5683/readings?unit=c", "1", { contentFormat: m.Format.JSON_FORMAT, confirmable: false });
		void client.post("coap://127.0.0.1:5683/readings?unit=c", "2", { contentFormat: m.Format.TEXT_PLAIN, confirmable: false, accept: m.Format.TEXT_PLAIN });
		void client.post("coap://127.0.0.1:5683/readings?unit=c", "3", { confirmable: false });
		void client.post("coap://127.0.0.1:5683/other", "4", { contentFormat: m.Format.JSON_FORMAT, confirmable: false });
		await flush();
		const messages = sent();
		// NSTART 1: the first goes, the others wait for its response.
		check(messages).toHaveLength(1);
		const ids = [] as number[];
		for (let i = 0; i < 4; i++) {
			const request = sent()[i];
			ids.push(request.messageId);
			const answer = encode({ type: m.Type.NON, code: m.Code.CHANGED, messageId: 1000 + i, token: request.token, options: [], payload: m.EMPTY_BYTES });
			board.datagrams[0].deliver(answer, "127.0.0.1", 5683);
			await flush();
		}
		const all = sent();
		check(all).toHaveLength(4);
		const summary = all.map((message) => [m.uriPath(message.options), m.stringValues(message.options, m.Option.URI_QUERY).join("&"), m.uintValue(message.options, m.Option.CONTENT_FORMAT), m.uintValue(message.options, m.Option.ACCEPT)]);
		check(summary).toEqual([
			["/readings", "unit=c", 50, undefined],
			["/readings", "unit=c", 0, 0],
			["/readings", "unit=c", undefined, undefined],
			["/other", "", 50, undefined],
		]);
		check(all.map((message) => String.fromCharCode(...message.payload))).toEqual(["1", "2", "3", "4"]);
		// Every one a NON POST with an id and a token of its own.
		check(all.every((message) => message.type === m.Type.NON && message.code === m.Code.POST)).toBe(true);
		check(new Set(ids).size).toBe(4);
		check(new Set(all.map((message) => String.fromCharCode(...message.token))).size).toBe(4);
		check(client.transport.endpoint.pending).toBe(0);
	});
	it("sends to an IPv4 literal without the resolver, and resolves a host name for every request", async () => {
		const board = new CountingBoard();
		const { client, sent } = await bound(board);
		void client.post("coap://127.0.0.1:5683/readings", "1", { confirmable: false });
		void client.post("coap://collector.local:5683/readings", "2", { confirmable: false });
		void client.post("coap://collector.local:5683/readings", "3", { confirmable: false });
		await flush();
		for (let i = 0; i < 3; i++) {
			const request = sent()[i];
			board.datagrams[0].deliver(encode({ type: m.Type.NON, code: m.Code.CHANGED, messageId: 2000 + i, token: request.token, options: [], payload: m.EMPTY_BYTES }), "127.0.0.1", 5683);
			await flush();
		}
		check(sent()).toHaveLength(3);
		check(board.resolved).toEqual(["collector.local", "collector.local"]);
	});
	it("keeps an IPv4 collector among its servers while it addresses eight others, so its answer is not foreign", async () => {
		const board = new FakeBoard();
		const { client, sent } = await bound(board);
		const answer = (i: number, from: number) => {
			const request = sent()[i];
			board.datagrams[0].deliver(encode({ type: m.Type.NON, code: m.Code.CHANGED, messageId: 3000 + i, token: request.token, options: [], payload: m.EMPTY_BYTES }), "127.0.0.1", from);
		};
		const first = client.post("coap://127.0.0.1:5683/readings", "1", { confirmable: false });
		await flush();
		answer(0, 5683);
		check((await first).code).toBe(m.Code.CHANGED);
		// Eight other servers (the table holds eight) observed by host name, never answering: the URI of the POSTs stays cached.
		for (let port = 6001; port <= 6008; port++) client.observe(`coap://host${port}.local:${port}/x`, { onNotification: () => undefined }, { confirmable: false });
		await flush();
		const second = client.post("coap://127.0.0.1:5683/readings", "2", { confirmable: false });
		await flush();
		check(sent()).toHaveLength(10);
		let code: number | undefined;
		void second.then((response) => (code = response.code));
		answer(9, 5683);
		await flush();
		check(client.dropped.foreign).toBe(0);
		check(code).toBe(m.Code.CHANGED);
	});
	it("takes one draw of the endpoint's randomness for a fresh token's two random bytes", () => {
		let draws = 0;
		const endpoint = new Endpoint({ random: () => (++draws, 0.5) });
		const peer = { address: "127.0.0.1", port: 5683 };
		// The first request also draws where the token counter starts.
		sendRequest(endpoint, peer, { code: m.Code.GET, options: [], payload: m.EMPTY_BYTES }, 0, () => undefined, { confirmable: false });
		const before = draws;
		const token = sendRequest(endpoint, { address: "127.0.0.1", port: 5683 }, { code: m.Code.GET, options: [], payload: m.EMPTY_BYTES }, 0, () => undefined, { confirmable: false });
		check(draws - before).toBe(1);
		check(token).toHaveLength(4);
		// 0.5 of 65536: 128 then 0, the draw's first and second byte.
		check([token[2], token[3]]).toEqual([128, 0]);
	});
});
