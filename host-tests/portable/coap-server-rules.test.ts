/**
 * RFC 7252 rules of the device server (issue 17), raw datagrams into a CoapServer on a
 * virtual clock: Accept (5.10.4), Proxy-Uri and Proxy-Scheme (5.7.2), If-Match and
 * If-None-Match with the server's ETags (5.10.8), separate responses for slow handlers
 * (5.2.2), Block2 for a notification larger than a block (RFC 7641 with RFC 7959 3.4), and
 * the resource and observer tables: paths that are not ASCII, a path added again,
 * observers told apart by peer and token.
 */
import { describe, it, check } from "./test-api";
import { FakeBoard } from "../../testkit/portable/fake-board";
import { flush } from "../../testkit/portable/coap-wire";
import { text } from "./bytes";
import { decode } from "../../src/coap/message";
import { encode } from "../../src/coap/message";
import * as m from "../../src/coap/message";
import type { CoapMessage, CoapOption } from "../../src/coap/message";
import * as o from "../../testkit/portable/coap-options";
import type { Representation } from "../../src/coap/types";
import { CoapServer } from "../../src/coap/server";

const none = m.EMPTY_BYTES;
const lamp = o.stringOption(o.Option.URI_PATH, "lamp");
const ascii = (bytes: Uint8Array) => String.fromCharCode(...bytes);

function datagram(fields: Partial<CoapMessage>): Uint8Array {
	return encode({ type: m.Type.CON, code: m.Code.GET, messageId: 1, token: new Uint8Array([7]), options: [lamp], payload: none, ...fields });
}

function server(options = {}) {
	const board = new FakeBoard();
	const coap = new CoapServer(board, { port: 5683, random: () => 0.5, blockSize: 64, ...options });
	const state = { lamp: "off", slow: [] as ((r: Representation) => void)[], reading: undefined as string | undefined, accepted: [] as (number | undefined)[] };
	coap.add("/lamp", {
		observable: true,
		accepts: [m.Format.TEXT_PLAIN],
		get: (request) => {
			state.accepted.push(request.accept);
			return { payload: state.lamp, contentFormat: m.Format.TEXT_PLAIN };
		},
		put: (request) => {
			state.lamp = ascii(request.payload);
			coap.changed("/lamp");
			return {};
		},
	});
	// Not there yet: a GET answers 5.03, so no representation exists (5.10.8.2).
	coap.add("/reading", { get: () => (state.reading ? { payload: state.reading } : { code: m.Code.SERVICE_UNAVAILABLE }), put: (request) => ((state.reading = ascii(request.payload)), {}) });
	coap.add("/slow", { observable: true, get: () => new Promise<Representation>((resolve) => state.slow.push(resolve)), post: () => new Promise<Representation>(() => undefined) });
	coap.add("/log", { observable: true, get: () => ({ payload: "0123456789".repeat(15), contentFormat: m.Format.TEXT_PLAIN }) });
	board.advance(0);
	const socket = board.datagrams[0];
	const send = (bytes: Uint8Array, port = 40_000) => socket.deliver(bytes, "10.0.0.1", port);
	const answers = () => socket.takeSent().map((d) => decode(d.bytes));
	const one = () => {
		const all = answers();
		check(all).toHaveLength(1);
		return all[0];
	};
	return { board, coap, state, send, answers, one, endpoint: coap.transport.endpoint };
}

const status = (message: CoapMessage) => m.codeName(message.code);
const toHexString = (bytes: Uint8Array | undefined) => (bytes ? Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("") : "none");
const option = (number: number, value: Uint8Array = none): CoapOption => ({ number, value });

describe("CoAP server: unreadable requests", () => {
	it("answers a Uri-Path that is not UTF-8 (5.10.1) with 4.00 and a diagnostic", () => {
		const { send, one } = server();
		send(datagram({ options: [option(o.Option.URI_PATH, new Uint8Array([0xff]))] }));
		const answer = one();
		check(status(answer)).toBe("4.00");
		check(ascii(answer.payload)).toMatch(/^the request cannot be read: ./);
	});
	it("serves a path that is not ASCII for its UTF-8 Uri-Path, and answers the same characters in Latin-1 (not UTF-8) with 4.00, not the resource", () => {
		const { coap, send, one } = server();
		coap.add("/café", { get: () => ({ payload: "au lait" }) });
		send(datagram({ options: [option(o.Option.URI_PATH, new Uint8Array([0x63, 0x61, 0x66, 0xc3, 0xa9]))] }));
		const served = one();
		check([status(served), ascii(served.payload)]).toEqual(["2.05", "au lait"]);
		send(datagram({ messageId: 2, options: [option(o.Option.URI_PATH, new Uint8Array([0x63, 0x61, 0x66, 0xe9]))] }));
		check(status(one())).toBe("4.00");
		// Its segments, not the text between them: "/caf" then "é" is another path.
		send(datagram({ messageId: 3, options: [option(o.Option.URI_PATH, text("caf")), option(o.Option.URI_PATH, new Uint8Array([0xc3, 0xa9]))] }));
		check(status(one())).toBe("4.04");
	});
	it("refuses to add a path no request can name: one with a lone surrogate, which has no UTF-8", () => {
		const { coap } = server();
		check(() => coap.add("/lamp\ud800", { get: () => ({}) })).toThrow(/lone surrogate/);
	});
});

describe("CoAP server: resources and observers", () => {
	it("answers each GET with its own resource's ETag and Content-Format, however the answers alternate (the encoded options are reused only while both hold)", () => {
		const { coap, send, one } = server();
		coap.add("/json", { get: () => ({ payload: "{}", contentFormat: m.Format.JSON_FORMAT }) });
		const json = o.stringOption(o.Option.URI_PATH, "json");
		const answers: string[] = [];
		for (let i = 0; i < 6; i++) {
			// /lamp, /lamp, /json, /json, /lamp, then /lamp after a change.
			if (i === 5) {
				send(datagram({ messageId: 100, code: m.Code.PUT, payload: text("on") }));
				one();
			}
			send(datagram({ messageId: 10 + i, options: [i === 2 || i === 3 ? json : lamp] }));
			const answer = one();
			answers.push(`${ascii(answer.payload)} ${toHexString(o.optionValue(answer.options, o.Option.ETAG))} ${o.uintValue(answer.options, o.Option.CONTENT_FORMAT)}`);
		}
		const [lamp1, lamp2, json1, json2, lamp3, lamp4] = answers;
		check([lamp1 === lamp2, json1 === json2, lamp3 === lamp1]).toEqual([true, true, true]);
		check(json1.endsWith(" 50")).toBe(true);
		check(lamp1.endsWith(" 0")).toBe(true);
		// The PUT made a new version: the next 2.05 carries it, not the cached one.
		check([lamp4.startsWith("on "), lamp4.split(" ")[1] !== lamp1.split(" ")[1]]).toEqual([true, true]);
	});
	it("answers what the handler gives each time, though the plain answer's wire is reused: a refilled array, texts that change under one ETag", () => {
		const { coap, send, one } = server();
		const bytes = new Uint8Array([0x61]);
		let reading = "21.5";
		coap.add("/raw", { get: () => ({ payload: bytes, contentFormat: m.Format.OCTET_STREAM }) });
		coap.add("/temp", { get: () => ({ payload: reading, contentFormat: m.Format.TEXT_PLAIN }) });
		const get = (segment: string, messageId: number) => {
			send(datagram({ messageId, options: [o.stringOption(o.Option.URI_PATH, segment)] }));
			return ascii(one().payload);
		};
		const seen = [get("raw", 1), get("raw", 2)];
		bytes[0] = 0x62;
		seen.push(get("raw", 3));
		// A sensor's reading changes without a new ETag (it calls no changed()): each text as it is.
		seen.push(get("temp", 4), get("temp", 5));
		reading = "21.6";
		seen.push(get("temp", 6), get("temp", 7));
		reading = "x".repeat(40);
		seen.push(get("temp", 8), get("temp", 9));
		check(seen).toEqual(["a", "a", "b", "21.5", "21.5", "21.6", "21.6", "x".repeat(40), "x".repeat(40)]);
	});
	it("serves a resource added again at its path in place of the first, its ETag going on, and lists it once", () => {
		const { coap, send, one } = server();
		send(datagram({ code: m.Code.PUT, payload: text("on") }));
		one();
		send(datagram({ messageId: 2 }));
		const before = o.optionValue(one().options, o.Option.ETAG) as Uint8Array;
		coap.add("/lamp", { get: () => ({ payload: "new", contentFormat: m.Format.TEXT_PLAIN }) });
		send(datagram({ messageId: 3 }));
		const after = one();
		check(ascii(after.payload)).toBe("new");
		check(m.sameBytes(o.optionValue(after.options, o.Option.ETAG) as Uint8Array, before)).toBe(true);
		send(datagram({ messageId: 4, options: [o.stringOption(o.Option.URI_PATH, ".well-known"), o.stringOption(o.Option.URI_PATH, "core")] }));
		check(ascii(one().payload).split(",").filter((link) => link.startsWith("</lamp>"))).toEqual(["</lamp>"]);
	});
	it("tells observers apart by peer and token: the same token from another port is another observer, and Observe 1 ends only its own", () => {
		const { coap, send, answers } = server();
		const observe = (value: number, messageId: number) => datagram({ messageId, options: [o.uintOption(o.Option.OBSERVE, value), lamp] });
		send(observe(0, 1), 40_000);
		send(observe(0, 2), 40_001);
		send(datagram({ messageId: 3, token: new Uint8Array([8]), options: [o.uintOption(o.Option.OBSERVE, 0), lamp] }), 40_000);
		check(answers().map((a) => o.uintValue(a.options, o.Option.OBSERVE) !== undefined)).toEqual([true, true, true]);
		check(coap.observers("/lamp")).toBe(3);
		send(observe(1, 4), 40_001);
		answers();
		check(coap.observers("/lamp")).toBe(2);
		send(datagram({ messageId: 5, code: m.Code.PUT, payload: text("on") }), 40_002);
		// The PUT's 2.04, and a notification to each observer left: port 40000 twice (tokens 7 and 8).
		const notified = answers().filter((a) => a.type === m.Type.CON);
		check(notified.map((a) => a.token[0]).sort()).toEqual([7, 8]);
		coap.close();
		check(coap.observers()).toBe(0);
	});
});

describe("CoAP server: Accept (RFC 7252 5.10.4)", () => {
	it("answers 4.06 when Accept names a format the resource does not answer in, and serves the one it does", () => {
		const { send, one, state } = server();
		send(datagram({ options: [lamp, o.uintOption(o.Option.ACCEPT, m.Format.JSON_FORMAT)] }));
		check(status(one())).toBe("4.06");
		send(datagram({ messageId: 2, options: [lamp, o.uintOption(o.Option.ACCEPT, m.Format.TEXT_PLAIN)] }));
		const served = one();
		check([status(served), ascii(served.payload)]).toEqual(["2.05", "off"]);
		// The handler sees what was asked, to pick a format of its own.
		check(state.accepted).toEqual([m.Format.JSON_FORMAT, m.Format.TEXT_PLAIN]);
		send(datagram({ messageId: 3, options: [o.stringOption(o.Option.URI_PATH, ".well-known"), o.stringOption(o.Option.URI_PATH, "core"), o.uintOption(o.Option.ACCEPT, m.Format.JSON_FORMAT)] }));
		check(status(one())).toBe("4.06");
	});
	it("registers no observer whose registration is answered 4.06", () => {
		const { coap, send, one } = server();
		send(datagram({ options: o.sortOptions([lamp, o.uintOption(o.Option.OBSERVE, 0), o.uintOption(o.Option.ACCEPT, m.Format.JSON_FORMAT)]) }));
		const answer = one();
		check([status(answer), o.optionValue(answer.options, o.Option.OBSERVE)]).toEqual(["4.06", undefined]);
		check(coap.observers()).toBe(0);
	});
});

describe("CoAP server: no proxy (RFC 7252 5.7.2, 5.10.2)", () => {
	it("answers Proxy-Uri and Proxy-Scheme with 5.05 and never serves or switches the local resource", () => {
		const { send, one, state } = server();
		send(datagram({ options: [o.stringOption(o.Option.PROXY_URI, "coap://10.9.9.9/lamp")] }));
		check(status(one())).toBe("5.05");
		send(datagram({ messageId: 2, code: m.Code.PUT, options: [lamp, o.stringOption(o.Option.PROXY_SCHEME, "http")], payload: text("on") }));
		check(status(one())).toBe("5.05");
		check(state.lamp).toBe("off");
		check(state.accepted).toEqual([]);
	});
});

describe("CoAP server: If-Match and If-None-Match (RFC 7252 5.10.8)", () => {
	it("takes a resource without GET as one without a representation: If-None-Match performs, If-Match is 4.12", () => {
		const { coap, send, one } = server();
		let stored = "";
		coap.add("/sink", { put: (request) => ((stored = ascii(request.payload)), {}) });
		const sink = o.stringOption(o.Option.URI_PATH, "sink");
		send(datagram({ code: m.Code.PUT, options: [option(o.Option.IF_NONE_MATCH), sink], payload: text("a") }));
		check([status(one()), stored]).toEqual(["2.04", "a"]);
		send(datagram({ messageId: 2, code: m.Code.PUT, options: [option(o.Option.IF_MATCH), sink], payload: text("b") }));
		check([status(one()), stored]).toEqual(["4.12", "a"]);
	});
	it("does not perform a PUT with If-None-Match on an existing resource (4.12), and does on one without a representation", () => {
		const { send, one, state } = server();
		send(datagram({ code: m.Code.PUT, options: [option(o.Option.IF_NONE_MATCH), lamp], payload: text("on") }));
		check(status(one())).toBe("4.12");
		check(state.lamp).toBe("off");
		const reading = o.stringOption(o.Option.URI_PATH, "reading");
		send(datagram({ messageId: 2, code: m.Code.PUT, options: [option(o.Option.IF_NONE_MATCH), reading], payload: text("21.5") }));
		check(status(one())).toBe("2.04");
		send(datagram({ messageId: 3, code: m.Code.PUT, options: [option(o.Option.IF_NONE_MATCH), reading], payload: text("22") }));
		check(status(one())).toBe("4.12");
		check(state.reading).toBe("21.5");
	});
	it("performs a PUT whose If-Match is the current ETag or empty, and refuses a stale or wrong one", () => {
		const { send, one, state } = server();
		send(datagram({}));
		const etag = o.optionValue(one().options, o.Option.ETAG) as Uint8Array;
		check(etag.length).toBeGreaterThan(0);
		send(datagram({ messageId: 2, code: m.Code.PUT, options: [option(o.Option.IF_MATCH, new Uint8Array([0xee, 0xee])), lamp], payload: text("on") }));
		check(status(one())).toBe("4.12");
		check(state.lamp).toBe("off");
		send(datagram({ messageId: 3, code: m.Code.PUT, options: [option(o.Option.IF_MATCH, new Uint8Array([0xee])), option(o.Option.IF_MATCH, etag), lamp], payload: text("on") }));
		check(status(one())).toBe("2.04");
		check(state.lamp).toBe("on");
		// The lamp changed: its ETag is new, and the old one no longer matches (a lost update prevented).
		send(datagram({ messageId: 4, code: m.Code.PUT, options: [option(o.Option.IF_MATCH, etag), lamp], payload: text("off") }));
		check(status(one())).toBe("4.12");
		send(datagram({ messageId: 5 }));
		check(m.sameBytes(o.optionValue(one().options, o.Option.ETAG) as Uint8Array, etag)).toBe(false);
		send(datagram({ messageId: 6, code: m.Code.PUT, options: [option(o.Option.IF_MATCH), lamp], payload: text("off") }));
		check(status(one())).toBe("2.04");
		check(state.lamp).toBe("off");
		// Empty If-Match needs a representation: /reading has none yet.
		send(datagram({ messageId: 7, code: m.Code.PUT, options: [option(o.Option.IF_MATCH), o.stringOption(o.Option.URI_PATH, "reading")], payload: text("1") }));
		check(status(one())).toBe("4.12");
		check(state.reading).toBe(undefined);
	});
	it("sends ETags of 3 opaque bytes (5.10.6), the version's, even where it is small", () => {
		const { send, one } = server({ random: () => 0 });
		send(datagram({}));
		const first = o.optionValue(one().options, o.Option.ETAG) as Uint8Array;
		send(datagram({ messageId: 2, code: m.Code.PUT, payload: text("on") }));
		one();
		send(datagram({ messageId: 3 }));
		const next = o.optionValue(one().options, o.Option.ETAG) as Uint8Array;
		// A resource starts at the server's version then (0 here), and each change takes the next.
		check([Array.from(first), Array.from(next)]).toEqual([
			[0, 0, 0],
			[0, 0, 1],
		]);
	});
	it("gives a resource changed by a PUT that does not call changed() a new ETag all the same", () => {
		const { send, one } = server();
		const reading = o.stringOption(o.Option.URI_PATH, "reading");
		send(datagram({ code: m.Code.PUT, options: [reading], payload: text("1") }));
		one();
		send(datagram({ messageId: 2, options: [reading] }));
		const etag = o.optionValue(one().options, o.Option.ETAG) as Uint8Array;
		send(datagram({ messageId: 3, code: m.Code.PUT, options: [reading], payload: text("2") }));
		one();
		send(datagram({ messageId: 4, code: m.Code.PUT, options: [option(o.Option.IF_MATCH, etag), reading], payload: text("3") }));
		check(status(one())).toBe("4.12");
	});
});

describe("CoAP server: separate responses (RFC 7252 5.2.2)", () => {
	const slow = o.stringOption(o.Option.URI_PATH, "slow");
	it("piggybacks an answer that comes before separateAfter", async () => {
		const { board, send, one, state } = server();
		send(datagram({ options: [slow] }));
		board.advance(900);
		state.slow[0]({ payload: "late" });
		await flush();
		const answer = one();
		check([answer.type, answer.messageId, status(answer), ascii(answer.payload)]).toEqual([m.Type.ACK, 1, "2.05", "late"]);
	});
	it("acknowledges a slow CON with an Empty ACK at 1 s, then sends the response as a CON of its own, retransmitted until acknowledged", async () => {
		const { board, coap, send, answers, one, state, endpoint } = server();
		send(datagram({ messageId: 0x1234, token: new Uint8Array([1, 2, 3]), options: [slow] }));
		board.advance(999);
		check(answers()).toEqual([]);
		board.advance(1);
		const ack = one();
		check([ack.type, ack.code, ack.messageId, ack.token.length]).toEqual([m.Type.ACK, m.Code.EMPTY, 0x1234, 0]);
		// The client's retransmission of the request is answered with the same Empty ACK.
		send(datagram({ messageId: 0x1234, token: new Uint8Array([1, 2, 3]), options: [slow] }));
		check(one().code).toBe(m.Code.EMPTY);
		check(state.slow).toHaveLength(1);
		board.advance(2000);
		state.slow[0]({ payload: "measured" });
		await flush();
		const response = one();
		check([response.type, status(response), ascii(response.payload), Array.from(response.token)]).toEqual([m.Type.CON, "2.05", "measured", [1, 2, 3]]);
		check(response.messageId).not.toBe(0x1234);
		check(coap.separating).toBe(1);
		board.advance(3000);
		check(one().messageId).toBe(response.messageId);
		send(encode({ type: m.Type.ACK, code: m.Code.EMPTY, messageId: response.messageId, token: none, options: [], payload: none }));
		check([coap.separating, endpoint.pending]).toEqual([0, 0]);
		board.advance(60_000);
		check(answers()).toEqual([]);
	});
	it("gives a separate response that is never acknowledged up after MAX_RETRANSMIT, and a handler that never answers 5.00 at its deadline", async () => {
		const { board, coap, send, answers, state, endpoint } = server();
		send(datagram({ options: [slow] }));
		board.advance(1000);
		answers();
		state.slow[0]({ payload: "x" });
		await flush();
		board.advance(100_000);
		check(answers().filter((a) => a.type === m.Type.CON)).toHaveLength(5);
		check([coap.separating, endpoint.pending]).toEqual([0, 0]);
		send(datagram({ messageId: 2, code: m.Code.POST, options: [slow] }));
		board.advance(1000);
		check(answers().map((a) => a.code)).toEqual([m.Code.EMPTY]);
		board.advance(29_000);
		const [given] = answers();
		check([given.type, status(given)]).toEqual([m.Type.CON, "5.00"]);
		send(encode({ type: m.Type.ACK, code: m.Code.EMPTY, messageId: given.messageId, token: none, options: [], payload: none }));
		check([coap.separating, endpoint.pending]).toEqual([0, 0]);
	});
	it("answers a slow NON with a NON when it comes, and refuses slow answers past maxSeparate with 5.03", async () => {
		const { board, coap, send, answers, one, state } = server({ maxSeparate: 2 });
		send(datagram({ type: m.Type.NON, options: [slow] }));
		board.advance(1500);
		check(answers()).toEqual([]);
		state.slow[0]({ payload: "n" });
		await flush();
		const answer = one();
		check([answer.type, ascii(answer.payload)]).toEqual([m.Type.NON, "n"]);
		for (let id = 10; id < 13; id++) send(datagram({ messageId: id, options: [slow] }));
		const refused = one();
		check([refused.messageId, status(refused)]).toEqual([12, "5.03"]);
		check(o.uintValue(refused.options, o.Option.MAX_AGE)).toBe(1);
		check(coap.separating).toBe(2);
	});

	it("refuses with a finite Max-Age when every held place is a sent answer awaiting its ACK (no deadline left to count down)", async () => {
		const { board, coap, send, answers, one, state } = server({ maxSeparate: 2 });
		for (let id = 20; id < 22; id++) send(datagram({ messageId: id, token: new Uint8Array([id]), options: [slow] }));
		board.advance(1000);
		check(answers().map((a) => a.code)).toEqual([m.Code.EMPTY, m.Code.EMPTY]);
		for (const resolve of state.slow) resolve({ payload: "late" });
		await flush();
		check(answers().filter((a) => a.type === m.Type.CON)).toHaveLength(2);
		check(coap.separating).toBe(2);
		send(datagram({ messageId: 30, options: [slow] }));
		const refused = one();
		check(status(refused)).toBe("5.03");
		const maxAge = o.uintValue(refused.options, o.Option.MAX_AGE) ?? 0;
		check(maxAge >= 1 && maxAge <= 30).toBe(true);
	});
});

describe("CoAP server: slow resources and Observe, If-None-Match", () => {
	const slow = o.stringOption(o.Option.URI_PATH, "slow");
	it("registers an observer when the slow answer comes, and notifies it when a later state comes", async () => {
		const { coap, send, answers, one, state } = server();
		send(datagram({ options: [o.uintOption(o.Option.OBSERVE, 0), slow] }));
		check(coap.observers("/slow")).toBe(0);
		state.slow[0]({ payload: "first" });
		await flush();
		const registered = one();
		check([ascii(registered.payload), o.uintValue(registered.options, o.Option.OBSERVE) !== undefined]).toEqual(["first", true]);
		check(coap.observers("/slow")).toBe(1);
		coap.changed("/slow");
		check(answers()).toEqual([]);
		state.slow[1]({ payload: "second" });
		await flush();
		const notification = one();
		check([notification.type, ascii(notification.payload)]).toEqual([m.Type.CON, "second"]);
		check(o.uintValue(notification.options, o.Option.OBSERVE)).toBeGreaterThan(o.uintValue(registered.options, o.Option.OBSERVE) as number);
	});
	it("does not perform a request with If-None-Match on a resource whose GET is slow (it may exist)", () => {
		const { send, one } = server();
		send(datagram({ code: m.Code.POST, options: [option(o.Option.IF_NONE_MATCH), slow] }));
		check(status(one())).toBe("4.12");
	});
});

describe("CoAP server: Block2 notifications (RFC 7641, RFC 7959 3.4)", () => {
	it("sends the first block of a notification larger than a block, and answers the client's Block2 GETs for the rest", () => {
		const { coap, send, answers, one } = server();
		const log = o.stringOption(o.Option.URI_PATH, "log");
		send(datagram({ options: [o.uintOption(o.Option.OBSERVE, 0), log] }));
		const registered = one();
		check(o.readBlock(o.optionValue(registered.options, o.Option.BLOCK2) as Uint8Array)).toEqual({ num: 0, more: true, szx: 2 });
		coap.changed("/log");
		const [notification] = answers();
		check(notification.type).toBe(m.Type.CON);
		check(o.uintValue(notification.options, o.Option.OBSERVE)).toBeGreaterThan(o.uintValue(registered.options, o.Option.OBSERVE) as number);
		check(o.readBlock(o.optionValue(notification.options, o.Option.BLOCK2) as Uint8Array)).toEqual({ num: 0, more: true, szx: 2 });
		check(o.uintValue(notification.options, o.Option.SIZE2)).toBe(150);
		const etag = o.optionValue(notification.options, o.Option.ETAG) as Uint8Array;
		let body = ascii(notification.payload);
		for (let num = 1, more = true; more; num++) {
			send(datagram({ messageId: 10 + num, token: new Uint8Array([9]), options: [log, o.blockOption(o.Option.BLOCK2, { num, more: false, szx: 2 })] }));
			const block = one();
			const block2 = o.readBlock(o.optionValue(block.options, o.Option.BLOCK2) as Uint8Array);
			check(block2?.num).toBe(num);
			check(m.sameBytes(o.optionValue(block.options, o.Option.ETAG) as Uint8Array, etag)).toBe(true);
			body += ascii(block.payload);
			more = block2?.more ?? false;
		}
		check(body).toBe("0123456789".repeat(15));
		check(coap.observers("/log")).toBe(1);
	});
});
