/**
 * No-Response (RFC 7967) at the server: a request names the response classes it wants
 * none of (2 for 2.xx, 8 for 4.xx, 16 for 5.xx); the handler still runs, a CON still
 * gets its empty ACK (and a duplicate the same), a class not named is answered as ever,
 * and a slow answer that is not sent frees its place at once.
 */
import { describe, it, check } from "./test-api";
import { FakeBoard } from "../../testkit/portable/fake-board";
import { flush } from "../../testkit/portable/coap-wire";
import * as m from "../../src/coap/message";
import { decode, encode, type CoapMessage } from "../../src/coap/message";
import * as o from "../../testkit/portable/coap-options";
import type { Representation } from "../../src/coap/types";
import { CoapServer } from "../../src/coap/server";

const ascii = (bytes: Uint8Array) => String.fromCharCode(...bytes);
const path = (segment: string) => [o.stringOption(o.Option.URI_PATH, segment)];

function server() {
	const board = new FakeBoard();
	const coap = new CoapServer(board, { port: 5683, random: () => 0.5, maxSeparate: 1, separateAfter: 100 });
	const state = { lamp: "off", gets: 0, slow: [] as ((r: Representation) => void)[] };
	coap.add("/lamp", {
		get: () => {
			state.gets++;
			return { payload: state.lamp, contentFormat: m.Format.TEXT_PLAIN };
		},
		put: (request) => {
			state.lamp = ascii(request.payload);
			return {};
		},
	});
	coap.add("/slow", { get: () => new Promise<Representation>((resolve) => state.slow.push(resolve)) });
	board.advance(0);
	const socket = board.datagrams[0];
	/** A request (GET /lamp unless `fields` say otherwise) from 10.0.0.1, with No-Response `noResponse` if given. */
	const send = (fields: Partial<CoapMessage>, noResponse?: number) => {
		const options = [...(fields.options ?? path("lamp")), ...(noResponse === undefined ? [] : [o.uintOption(m.Option.NO_RESPONSE, noResponse)])];
		socket.deliver(encode({ type: m.Type.CON, code: m.Code.GET, messageId: 1, token: new Uint8Array([7]), payload: m.EMPTY_BYTES, ...fields, options }), "10.0.0.1", 40_000);
	};
	const answers = () => socket.takeSent().map((d) => decode(d.bytes));
	return { board, state, send, answers };
}

describe("CoAP server: No-Response (RFC 7967)", () => {
	it("a CON GET wanting no 2.xx runs the handler and gets only its empty ACK, a duplicate too (a GET is untracked: served again)", async () => {
		const { state, send, answers } = server();
		send({ messageId: 10 }, 2);
		await flush();
		const sent = answers();
		check(state.gets).toBe(1);
		check(sent.map((a) => [a.type, a.code, a.messageId, a.payload.length])).toEqual([[m.Type.ACK, m.Code.EMPTY, 10, 0]]);
		send({ messageId: 10 }, 2);
		await flush();
		check(answers().map((a) => [a.type, a.code, a.messageId])).toEqual([[m.Type.ACK, m.Code.EMPTY, 10]]);
		check(state.gets).toBe(2);
		// Without the option, the same GET is answered as ever.
		send({ messageId: 11 });
		await flush();
		check(answers().map((a) => [a.code, ascii(a.payload)])).toEqual([[m.Code.CONTENT, "off"]]);
	});

	it("a NON PUT wanting nothing switches the lamp and gets nothing", async () => {
		const { state, send, answers } = server();
		send({ type: m.Type.NON, code: m.Code.PUT, messageId: 20, payload: new Uint8Array([0x6f, 0x6e]) }, 26);
		await flush();
		check(state.lamp).toBe("on");
		check(answers()).toHaveLength(0);
	});

	it("a class the request did not name is answered: 4.04 for no 2.xx, nothing for no 4.xx", async () => {
		const { send, answers } = server();
		send({ messageId: 30, options: path("nothing") }, 2);
		await flush();
		check(answers().map((a) => [a.type, a.code])).toEqual([[m.Type.ACK, m.Code.NOT_FOUND]]);
		send({ messageId: 31, options: path("nothing") }, 8);
		await flush();
		check(answers().map((a) => [a.type, a.code])).toEqual([[m.Type.ACK, m.Code.EMPTY]]);
	});

	it("a slow answer not sent frees its place: the next slow request is held, not refused with 5.03", async () => {
		const { board, state, send, answers } = server();
		send({ messageId: 40, options: path("slow") }, 2);
		await flush();
		// Past separateAfter: the empty ACK goes, and the answer is to follow separately.
		board.advance(150);
		check(answers().map((a) => [a.type, a.code])).toEqual([[m.Type.ACK, m.Code.EMPTY]]);
		state.slow[0]({ payload: "late" });
		await flush();
		check(answers()).toHaveLength(0);
		send({ messageId: 41, options: path("slow") });
		await flush();
		check(state.slow).toHaveLength(2);
		state.slow[1]({ payload: "in time" });
		await flush();
		check(answers().map((a) => [a.code, ascii(a.payload)])).toEqual([[m.Code.CONTENT, "in time"]]);
	});
});
