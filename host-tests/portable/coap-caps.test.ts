/**
 * Every table a CoAP peer can grow stays under its cap, answers as the protocol says when
 * full, and empties on the endpoint's own timer with no further traffic (issue 14): the
 * duplicate table (RFC 7252 4.5), Block1 uploads (RFC 7959), observers (RFC 7641 4.1,
 * 4.5, 4.5.2). Raw datagrams from many peers into a server on a virtual clock.
 */
import { describe, it, check } from "./test-api";
import { FakeBoard } from "../../testkit/portable/fake-board";
import { text } from "./bytes";
import { decode } from "../../src/coap/message";
import { encode } from "../../src/coap/message";
import { blockOption } from "../../testkit/portable/coap-options";
import { Endpoint, type IncomingRequest } from "../../src/coap/endpoint";
import * as m from "../../src/coap/message";
import type { CoapMessage } from "../../src/coap/message";
import * as o from "../../testkit/portable/coap-options";
import { CoapServer } from "../../src/coap/server";
import { sendRequest } from "../../testkit/portable/coap-endpoint-requests";

const none = m.EMPTY_BYTES;
const LIFETIME = 247_000;
/** The timer frees an idle table's ids when its newest expires (arrivals forget them exactly). */
const TIDIED = LIFETIME;

function datagram(fields: Partial<CoapMessage>): Uint8Array {
	return encode({ type: m.Type.CON, code: m.Code.GET, messageId: 1, token: none, options: [], payload: none, ...fields });
}

const lampPath = [o.stringOption(o.Option.URI_PATH, "lamp")];

function server(options = {}) {
	const board = new FakeBoard();
	const coap = new CoapServer(board, { port: 5683, random: () => 0, ...options });
	let state = "off";
	coap.add("/lamp", {
		observable: true,
		get: () => ({ payload: state }),
		put: (request) => {
			state = request.payload.length > 0 && request.payload[0] === 0x31 ? "on" : "off";
			coap.changed("/lamp");
			return {};
		},
		post: () => ({}),
	});
	coap.add("/big", { observable: true, get: () => ({ payload: "x" }), put: () => ({}) });
	board.advance(0);
	const socket = board.datagrams[0];
	const send = (bytes: Uint8Array, port: number, address = "10.0.0.1") => socket.deliver(bytes, address, port);
	const answers = () => socket.takeSent().map((d) => decode(d.bytes));
	return { board, coap, socket, send, answers, endpoint: coap.transport.endpoint };
}

describe("CoAP caps: the duplicate table (RFC 7252 4.5)", () => {
	it("holds at most 16 ids through 10,000 distinct CONs from many peers, answers them all, and empties on the timer", () => {
		const { board, send, answers, endpoint } = server();
		let answered = 0;
		let most = 0;
		// PUTs and GETs: a GET is never tracked (4.5 lets an idempotent request be served again).
		for (let i = 0; i < 10_000; i++) {
			send(datagram({ code: i & 1 ? m.Code.GET : m.Code.PUT, messageId: i & 0xffff, token: new Uint8Array([i & 0xff]), options: lampPath }), 1000 + (i % 500), `10.0.${i % 7}.1`);
			for (const answer of answers()) if (answer.code === (i & 1 ? m.Code.CONTENT : m.Code.CHANGED)) answered++;
			if (endpoint.tracked > most) most = endpoint.tracked;
		}
		check(most).toBe(16);
		check(answered).toBe(10_000);
		// No more traffic: the board's timer alone empties the table, EXCHANGE_LIFETIME after the last id came.
		board.advance(TIDIED);
		check(endpoint.tracked).toBe(0);
		check(endpoint.nextTimeout()).toBeUndefined();
		check(board.pendingTimers).toBe(0);
	});
	it("keeps POSTs' ids, and past 16 answers a POST 5.03 with Max-Age until one expires", () => {
		const { board, send, answers, endpoint } = server();
		for (let i = 0; i < 16; i++) {
			board.advance(1000);
			send(datagram({ code: m.Code.POST, messageId: i, options: lampPath }), 2000 + i);
		}
		check(answers().map((a) => a.code)).toEqual(new Array(16).fill(m.Code.CREATED));
		send(datagram({ code: m.Code.POST, messageId: 99, token: new Uint8Array([7]), options: lampPath }), 3000);
		const [refused] = answers();
		check([refused.type, m.codeName(refused.code), refused.messageId, refused.token[0]]).toEqual([m.Type.ACK, "5.03", 99, 7]);
		// The first POST came at 1 s and is forgotten at 1 s + EXCHANGE_LIFETIME: 16 s from now.
		check(o.uintValue(refused.options, o.Option.MAX_AGE)).toBe(232);
		check(endpoint.dropped.overloaded).toBe(1);
		// A duplicate of a kept POST is still answered from the cache, not executed again.
		send(datagram({ code: m.Code.POST, messageId: 15, options: lampPath }), 2015);
		check(answers().map((a) => a.code)).toEqual([m.Code.CREATED]);
		check(endpoint.dropped.duplicate).toBe(1);
		board.advance(TIDIED);
		check(endpoint.tracked).toBe(0);
		send(datagram({ code: m.Code.POST, messageId: 99, options: lampPath }), 3000);
		check(answers().map((a) => a.code)).toEqual([m.Code.CREATED]);
	});
	it("makes room with the oldest evictable id behind a kept POST, the newest one too, and keeps arrival order for expiry", () => {
		const requests: IncomingRequest[] = [];
		const endpoint = new Endpoint({ maxTracked: 2, server: { handle: (request) => requests.push(request) } });
		const peer = { address: "10.0.0.8", port: 5683 };
		const ids = () => requests.splice(0).map((request) => request.message.messageId);
		endpoint.received(datagram({ code: m.Code.POST, messageId: 1 }), peer, 0);
		endpoint.received(datagram({ code: m.Code.PUT, messageId: 2 }), peer, 1000);
		// Full: the PUT behind the POST (the newest entry) makes room, twice over.
		endpoint.received(datagram({ code: m.Code.PUT, messageId: 3 }), peer, 2000);
		endpoint.received(datagram({ code: m.Code.PUT, messageId: 4 }), peer, 3000);
		check([ids(), endpoint.tracked]).toEqual([[1, 2, 3, 4], 2]);
		// The POST is still known (a duplicate), 3 is not (executed again, making room with 4).
		endpoint.received(datagram({ code: m.Code.POST, messageId: 1 }), peer, 4000);
		endpoint.received(datagram({ code: m.Code.PUT, messageId: 3 }), peer, 5000);
		check([ids(), endpoint.dropped.duplicate]).toEqual([[3], 1]);
		// The POST expires first, then the PUT: each a lifetime after it came.
		endpoint.tick(LIFETIME);
		check(endpoint.tracked).toBe(1);
		endpoint.tick(LIFETIME + 5000);
		check(endpoint.tracked).toBe(0);
		endpoint.received(datagram({ code: m.Code.PUT, messageId: 6 }), peer, LIFETIME + 6000);
		check([ids(), endpoint.tracked]).toEqual([[6], 1]);
	});
	it("lets a NON's id make room (only the network duplicates a NON), and answers a NON it cannot track with a NON 5.03", () => {
		const requests: IncomingRequest[] = [];
		const endpoint = new Endpoint({ maxTracked: 1, server: { handle: (request) => requests.push(request) } });
		const peer = { address: "10.0.0.9", port: 5683 };
		endpoint.received(datagram({ type: m.Type.NON, code: m.Code.POST, messageId: 1 }), peer, 0);
		endpoint.received(datagram({ code: m.Code.POST, messageId: 2 }), peer, 0);
		check([requests.shift() !== undefined, requests.shift() !== undefined, endpoint.tracked]).toEqual([true, true, 1]);
		endpoint.received(datagram({ type: m.Type.NON, code: m.Code.POST, messageId: 3, token: new Uint8Array([3]) }), peer, 1000);
		check(requests.shift()).toBeUndefined();
		const refused = decode(endpoint.pollTransmit()!.bytes);
		check([refused.type, m.codeName(refused.code), refused.token[0], o.uintValue(refused.options, o.Option.MAX_AGE)]).toEqual([m.Type.NON, "5.03", 3, 246]);
	});
	it("honours No-Response for its 5.03 (RFC 7967): a CON gets its empty ACK, a NON nothing, and one without it the 5.03", () => {
		const endpoint = new Endpoint({ maxTracked: 1, server: { handle: () => undefined } });
		const peer = { address: "10.0.0.9", port: 5683 };
		// 16: not interested in 5.xx.
		const quiet = [o.uintOption(o.Option.NO_RESPONSE, 16)];
		endpoint.received(datagram({ code: m.Code.POST, messageId: 1 }), peer, 0);
		endpoint.received(datagram({ code: m.Code.POST, messageId: 2, token: new Uint8Array([2]), options: quiet }), peer, 1000);
		const ack = endpoint.pollTransmit()!.bytes;
		check(Array.from(ack)).toEqual([0x60, 0, 0, 2]);
		check(endpoint.pollTransmit()).toBeUndefined();
		endpoint.received(datagram({ type: m.Type.NON, code: m.Code.POST, messageId: 3, options: quiet }), peer, 1000);
		check(endpoint.pollTransmit()).toBeUndefined();
		// 2: not interested in 2.xx, so the 5.03 goes.
		endpoint.received(datagram({ code: m.Code.POST, messageId: 4, options: [o.uintOption(o.Option.NO_RESPONSE, 2)] }), peer, 1000);
		check(m.codeName(decode(endpoint.pollTransmit()!.bytes).code)).toBe("5.03");
		check(endpoint.dropped.overloaded).toBe(3);
	});
	it("keeps a full table's cached replies when an untracked response is acknowledged", () => {
		const endpoint = new Endpoint({ maxTracked: 1, server: { handle: (request) => endpoint.respond(request, { code: m.Code.CREATED, options: [], payload: none }, 0) } });
		const peer = { address: "10.0.0.9", port: 5683 };
		endpoint.received(datagram({ code: m.Code.POST, messageId: 1 }), peer, 0);
		check(m.codeName(decode(endpoint.pollTransmit()!.bytes).code)).toBe("2.01");
		// A CON response nobody waits for, which the full table cannot track: reset, its RST not cached for the POST.
		endpoint.received(datagram({ code: m.Code.CONTENT, messageId: 9 }), peer, 0);
		check(decode(endpoint.pollTransmit()!.bytes).type).toBe(m.Type.RST);
		endpoint.received(datagram({ code: m.Code.POST, messageId: 1 }), peer, 0);
		check(m.codeName(decode(endpoint.pollTransmit()!.bytes).code)).toBe("2.01");
	});
});

describe("CoAP caps: Block1 uploads (RFC 7959)", () => {
	const block = (num: number, more: boolean, messageId: number) =>
		datagram({ code: m.Code.PUT, messageId, options: o.sortOptions([o.stringOption(o.Option.URI_PATH, "big"), blockOption(o.Option.BLOCK1, { num, more, szx: 0 })]), payload: new Uint8Array(more ? 16 : 5) });
	it("takes 2 unfinished uploads at once, refuses a third with 5.03 and Max-Age, and expires them on the timer", () => {
		const { board, coap, send, answers } = server();
		send(block(0, true, 1), 4000);
		board.advance(10_000);
		send(block(0, true, 2), 4001);
		check(answers().map((a) => m.codeName(a.code))).toEqual(["2.31", "2.31"]);
		send(block(0, true, 3), 4002);
		const [refused] = answers();
		check(m.codeName(refused.code)).toBe("5.03");
		check(o.uintValue(refused.options, o.Option.MAX_AGE)).toBe(237);
		check(coap.uploading).toBe(2);
		// A block extends its upload's life; the other one goes when its time is up.
		board.advance(LIFETIME - 20_000);
		send(block(1, true, 4), 4001);
		check(m.codeName(answers()[0].code)).toBe("2.31");
		board.advance(20_000);
		check(coap.uploading).toBe(1);
		board.advance(LIFETIME);
		check(coap.uploading).toBe(0);
		send(block(2, false, 5), 4001);
		check(m.codeName(answers()[0].code)).toBe("4.08");
	});
});

describe("CoAP caps: observers (RFC 7641)", () => {
	const register = (port: number, path = "lamp", messageId = port) =>
		datagram({ messageId, token: new Uint8Array([port & 0xff]), options: [o.uintOption(o.Option.OBSERVE, 0), o.stringOption(o.Option.URI_PATH, path)] });
	it("registers 4 per resource and 8 in all; past that the GET is served without Observe", () => {
		const { coap, send, answers } = server({ maxObservers: 6 });
		for (let port = 5000; port < 5006; port++) send(register(port), port);
		const lamp = answers();
		check(lamp.map((a) => o.uintValue(a.options, o.Option.OBSERVE) !== undefined)).toEqual([true, true, true, true, false, false]);
		check(lamp.map((a) => m.codeName(a.code))).toEqual(new Array(6).fill("2.05"));
		for (let port = 6000; port < 6004; port++) send(register(port, "big"), port);
		check(answers().map((a) => o.uintValue(a.options, o.Option.OBSERVE) !== undefined)).toEqual([true, true, false, false]);
		check([coap.observers("/lamp"), coap.observers("/big"), coap.observers()]).toEqual([4, 2, 6]);
		// Re-registering with the same token renews, it takes no second place.
		send(register(5000, "lamp", 77), 5000);
		check(o.uintValue(answers()[0].options, o.Option.OBSERVE)).toBeDefined();
		check(coap.observers()).toBe(6);
	});
	it("keeps one CON notification in flight per observer, the newest state waiting in place of older ones, and drops an observer that never acknowledges", () => {
		const { board, coap, send, answers, endpoint } = server();
		send(register(7000), 7000);
		answers();
		const put = (value: string, messageId: number) => send(datagram({ code: m.Code.PUT, messageId, options: lampPath, payload: text(value) }), 7100);
		const cons = () => answers().filter((a) => a.type === m.Type.CON).map((a): [number, string] => [a.messageId, String.fromCharCode(...a.payload)]);
		put("1", 1);
		put("0", 2);
		put("1", 3);
		put("0", 4);
		// RFC 7641 4.5.2: the first goes; the later states wait, the newest replacing the others.
		const sent = cons();
		check(sent.map((c) => c[1])).toEqual(["on"]);
		const first = sent[0][0];
		check(endpoint.pending).toBe(1);
		// The retransmission carries the newest state under its own id: "on" is never sent again.
		board.advance(3000);
		const again = cons();
		check(again.map((c) => c[1])).toEqual(["off"]);
		const second = again[0][0];
		check(second).not.toBe(first);
		// Acknowledged with a newer state waiting: that one goes at once, a fresh CON.
		put("1", 5);
		check(cons()).toEqual([]);
		send(encode({ type: m.Type.ACK, code: m.Code.EMPTY, messageId: second, token: none, options: [], payload: none }), 7000);
		const fresh = cons();
		check(fresh.map((c) => c[1])).toEqual(["on"]);
		check(endpoint.pending).toBe(1);
		board.advance(100_000);
		// MAX_RETRANSMIT (4), then the observer is gone (4.5).
		check(cons()).toEqual([fresh[0], fresh[0], fresh[0], fresh[0]]);
		check(coap.observers("/lamp")).toBe(0);
		check(endpoint.pending).toBe(0);
		put("0", 6);
		check(answers().filter((a) => a.type === m.Type.CON)).toHaveLength(0);
	});
	it("takes an observer's ACK as the end of its notification, and frees the place of one that deregisters", () => {
		const { coap, send, answers, endpoint } = server();
		send(register(7200), 7200);
		answers();
		send(datagram({ code: m.Code.PUT, messageId: 9, options: lampPath, payload: text("1") }), 7300);
		const [notification] = answers().filter((a) => a.type === m.Type.CON);
		send(encode({ type: m.Type.ACK, code: m.Code.EMPTY, messageId: notification.messageId, token: none, options: [], payload: none }), 7200);
		check(endpoint.pending).toBe(0);
		send(datagram({ messageId: 10, token: new Uint8Array([7200 & 0xff]), options: [o.uintOption(o.Option.OBSERVE, 1), ...lampPath] }), 7200);
		check(coap.observers()).toBe(0);
	});
});

describe("CoAP caps: requests waiting for a silent server (RFC 7252 4.7)", () => {
	it("queues up to its cap behind NSTART, fails the next with QUEUE_FULL, and takes more as the wait for a NON's answer ends", () => {
		const endpoint = new Endpoint({ responseTimeout: 10_000, maxQueued: 8 });
		const peer = { address: "10.0.0.7", port: 5683 };
		const errors: string[] = [];
		const get = { code: m.Code.GET, options: lampPath, payload: none };
		for (let i = 0; i < 10; i++) sendRequest(endpoint, peer, get, 0, (error) => error && errors.push(error.code), { confirmable: false });
		check(errors).toEqual(["QUEUE_FULL"]);
		check(endpoint.pending).toBe(9);
		endpoint.tick(10_000);
		check(errors).toEqual(["QUEUE_FULL", "EXCHANGE_TIMEOUT"]);
		sendRequest(endpoint, peer, get, 10_000, (error) => error && errors.push(error.code), { confirmable: false });
		check([errors.length, endpoint.pending]).toEqual([2, 9]);
	});
});
