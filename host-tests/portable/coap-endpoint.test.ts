/**
 * The CoAP message layer on a virtual clock: retransmission times of RFC 7252 4.2 and
 * 4.8, the typed timeout after MAX_TRANSMIT_WAIT with no state left, duplicates answered
 * from the cache (4.5), piggybacked and separate responses (5.2), NSTART (4.7), resets
 * for what nobody asked for, and format errors (4.2, 4.3, 5.4.1).
 */
import { describe, it, check } from "./test-api";
import { hex, text, toHex } from "./bytes";
import { decode } from "../../src/coap/message";
import { encode } from "../../src/coap/message";
import { Endpoint, type EndpointOptions, type IncomingRequest, type Outgoing, type Peer } from "../../src/coap/endpoint";
import * as coap from "../../src/coap/message";
import type { CoapMessage } from "../../src/coap/message";
import * as o from "../../testkit/portable/coap-options";
import { ProtocolError } from "../../src/common/errors";
import { sendRequest } from "../../testkit/portable/coap-endpoint-requests";

const peer: Peer = { address: "127.0.0.1", port: 5683 };
const none = coap.EMPTY_BYTES;
const get = { code: coap.Code.GET, options: [o.stringOption(o.Option.URI_PATH, "lamp")], payload: none };

function drain(endpoint: Endpoint): CoapMessage[] {
	const out: CoapMessage[] = [];
	for (let d: Outgoing | undefined = endpoint.pollTransmit(); d; d = endpoint.pollTransmit()) out.push(decode(d.bytes));
	return out;
}

/** An endpoint whose requests are kept in `requests`, in arrival order, as its server is handed them. */
function serving(options: EndpointOptions = {}): { endpoint: Endpoint; requests: IncomingRequest[] } {
	const requests: IncomingRequest[] = [];
	return { endpoint: new Endpoint({ ...options, server: { handle: (request) => requests.push(request) } }), requests };
}

function bytes(fields: Partial<CoapMessage>): Uint8Array {
	return encode({ type: coap.Type.CON, code: coap.Code.GET, messageId: 1, token: none, options: [], payload: none, ...fields });
}

interface Result {
	errors: ProtocolError[];
	responses: CoapMessage[];
}

function collect(): Result & { handler(error: ProtocolError | undefined, response: CoapMessage | undefined): void } {
	const result: Result = { errors: [], responses: [] };
	return {
		...result,
		handler(error, response) {
			if (error) result.errors.push(error);
			if (response) result.responses.push({ ...response, payload: response.payload.slice() });
		},
	};
}

describe("CoAP endpoint: confirmable retransmission", () => {
	for (const [random, first] of [
		[0, 2000],
		[1, 3000],
	] as const) {
		it(`retransmits at ${first} ms doubling, then times out after MAX_TRANSMIT_WAIT (random ${random})`, () => {
			const endpoint = new Endpoint({ random: () => random });
			const result = collect();
			sendRequest(endpoint, peer, get, 0, result.handler);
			const first0 = drain(endpoint);
			check(first0).toHaveLength(1);
			const sentAt: number[] = [];
			let now = 0;
			for (let at = endpoint.nextTimeout(); at !== undefined; at = endpoint.nextTimeout()) {
				now = at;
				endpoint.tick(now);
				const sent = drain(endpoint);
				for (const message of sent) {
					check(message.messageId).toBe(first0[0].messageId);
					sentAt.push(now);
				}
			}
			check(sentAt).toEqual([first, first * 3, first * 7, first * 15]);
			check(now).toBe(first * 31);
			if (random === 1) check(now).toBe(o.maxTransmitWait({ ackTimeout: 2000, ackRandomFactor: 1.5, maxRetransmit: 4, nstart: 1 }));
			check(result.errors.map((e) => e.code)).toEqual(["EXCHANGE_TIMEOUT"]);
			check(endpoint.pending).toBe(0);
		});
	}
	it("takes ACK_TIMEOUT and MAX_RETRANSMIT from its options", () => {
		const endpoint = new Endpoint({ random: () => 0, ackTimeout: 100, maxRetransmit: 1 });
		const result = collect();
		sendRequest(endpoint, peer, get, 0, result.handler);
		drain(endpoint);
		check(endpoint.nextTimeout()).toBe(100);
		endpoint.tick(100);
		check(drain(endpoint)).toHaveLength(1);
		check(endpoint.nextTimeout()).toBe(300);
		endpoint.tick(300);
		check(result.errors).toHaveLength(1);
	});
	it("stops retransmitting on a piggybacked response and matches it by token", () => {
		const endpoint = new Endpoint({ random: () => 0.5 });
		const result = collect();
		const token = sendRequest(endpoint, peer, get, 0, result.handler);
		const [request] = drain(endpoint);
		check(toHex(request.token)).toBe(toHex(token));
		endpoint.received(bytes({ type: coap.Type.ACK, code: coap.Code.CONTENT, messageId: request.messageId, token, payload: text("on") }), peer, 10);
		check(result.responses.map((r) => coap.codeName(r.code))).toEqual(["2.05"]);
		check(endpoint.nextTimeout()).toBeUndefined();
		check(endpoint.pending).toBe(0);
	});
	it("waits for a separate response after an empty ACK, acknowledges it and ignores its duplicate", () => {
		const endpoint = new Endpoint({ random: () => 0 });
		const result = collect();
		const token = sendRequest(endpoint, peer, get, 0, result.handler);
		const [request] = drain(endpoint);
		endpoint.received(bytes({ type: coap.Type.ACK, code: coap.Code.EMPTY, messageId: request.messageId }), peer, 5);
		endpoint.tick(10_000);
		check(drain(endpoint)).toHaveLength(0);
		const separate = bytes({ type: coap.Type.CON, code: coap.Code.CONTENT, messageId: 0x4242, token, payload: text("22.5 C") });
		endpoint.received(separate, peer, 20_000);
		const [ack] = drain(endpoint);
		check([ack.type, ack.code, ack.messageId]).toEqual([coap.Type.ACK, coap.Code.EMPTY, 0x4242]);
		endpoint.received(separate, peer, 21_000);
		check(drain(endpoint).map((m) => m.messageId)).toEqual([0x4242]);
		check(result.responses).toHaveLength(1);
		check(endpoint.dropped.duplicate).toBe(1);
	});
	it("ends a reset request with RESET_BY_PEER", () => {
		const endpoint = new Endpoint();
		const result = collect();
		sendRequest(endpoint, peer, get, 0, result.handler);
		const [request] = drain(endpoint);
		endpoint.received(bytes({ type: coap.Type.RST, code: coap.Code.EMPTY, messageId: request.messageId }), peer, 1);
		check(result.errors.map((e) => e.code)).toEqual(["RESET_BY_PEER"]);
		check(endpoint.pending).toBe(0);
	});
	it("pings with an empty CON and takes the RST as the answer", () => {
		const endpoint = new Endpoint();
		const answers: (ProtocolError | undefined)[] = [];
		o.ping(endpoint, peer, 0, (error) => answers.push(error));
		const [ping] = drain(endpoint);
		check([ping.type, ping.code, ping.token.length]).toEqual([coap.Type.CON, coap.Code.EMPTY, 0]);
		endpoint.received(bytes({ type: coap.Type.RST, code: coap.Code.EMPTY, messageId: ping.messageId }), peer, 1);
		check(answers).toEqual([undefined]);
	});
});

describe("CoAP endpoint: NSTART", () => {
	it("keeps one request outstanding per peer and sends the next when the first is answered", () => {
		const endpoint = new Endpoint();
		const result = collect();
		sendRequest(endpoint, peer, get, 0, result.handler);
		sendRequest(endpoint, peer, get, 0, result.handler);
		sendRequest(endpoint, { address: "127.0.0.2", port: 5683 }, get, 0, result.handler);
		const sent = drain(endpoint);
		check(sent).toHaveLength(2);
		endpoint.received(bytes({ type: coap.Type.ACK, code: coap.Code.CONTENT, messageId: sent[0].messageId, token: sent[0].token }), peer, 1);
		const next = drain(endpoint);
		check(next).toHaveLength(1);
		check(next[0].messageId).toBe(sent[0].messageId + 2);
	});
	it("frees the slot on an empty ACK (4.7) and allows nstart in parallel when configured", () => {
		const endpoint = new Endpoint({ nstart: 2 });
		const result = collect();
		for (let i = 0; i < 3; i++) sendRequest(endpoint, peer, get, 0, result.handler);
		const sent = drain(endpoint);
		check(sent).toHaveLength(2);
		endpoint.received(bytes({ type: coap.Type.ACK, code: coap.Code.EMPTY, messageId: sent[1].messageId }), peer, 1);
		check(drain(endpoint)).toHaveLength(1);
	});
	it("sends NON requests and times out waiting for their response", () => {
		const endpoint = new Endpoint({ responseTimeout: 5000 });
		const result = collect();
		sendRequest(endpoint, peer, get, 0, result.handler, { confirmable: false });
		check(drain(endpoint)[0].type).toBe(coap.Type.NON);
		endpoint.tick(5000);
		check(result.errors.map((e) => e.code)).toEqual(["EXCHANGE_TIMEOUT"]);
		check(endpoint.pending).toBe(0);
	});
	it("asks for a tick at each NON's deadline, the earliest first, also for one a timeout let out of the queue", () => {
		const endpoint = new Endpoint({ responseTimeout: 5000 });
		const result = collect();
		sendRequest(endpoint, peer, get, 0, result.handler, { confirmable: false });
		sendRequest(endpoint, peer, get, 1000, result.handler, { confirmable: false });
		sendRequest(endpoint, { address: "127.0.0.2", port: 5683 }, get, 2000, result.handler, { confirmable: false });
		check(drain(endpoint)).toHaveLength(2);
		check(endpoint.nextTimeout()).toBe(5000);
		// An early tick finds nothing due and keeps the deadline.
		endpoint.tick(3000);
		check(endpoint.nextTimeout()).toBe(5000);
		// The first times out; the queued one goes now, its deadline 5 s on, after the other peer's.
		endpoint.tick(5000);
		check(drain(endpoint)).toHaveLength(1);
		check(endpoint.nextTimeout()).toBe(7000);
		endpoint.tick(7000);
		check(endpoint.nextTimeout()).toBe(10_000);
		endpoint.tick(10_000);
		check(result.errors.map((e) => e.code)).toEqual(["EXCHANGE_TIMEOUT", "EXCHANGE_TIMEOUT", "EXCHANGE_TIMEOUT"]);
		check(endpoint.pending).toBe(0);
		check(endpoint.nextTimeout()).toBe(undefined);
	});
});

describe("CoAP endpoint: server side", () => {
	it("piggybacks the response and replays it for a duplicate CON without asking again", () => {
		const { endpoint, requests } = serving();
		const request = bytes({ code: coap.Code.PUT, messageId: 7, token: hex("aa"), options: [o.stringOption(o.Option.URI_PATH, "lamp")] });
		endpoint.received(request, peer, 0);
		const incoming = requests.shift();
		check(incoming).toBeDefined();
		endpoint.respond(incoming!, { code: coap.Code.CONTENT, options: [], payload: text("on") }, 0);
		const [ack] = drain(endpoint);
		check([ack.type, ack.code, ack.messageId, toHex(ack.token)]).toEqual([coap.Type.ACK, coap.Code.CONTENT, 7, "aa"]);
		endpoint.received(request, peer, 100_000);
		check(requests.shift()).toBeUndefined();
		const [replay] = drain(endpoint);
		check(toHex(replay.payload)).toBe(toHex(text("on")));
		// After EXCHANGE_LIFETIME the id may be reused: it is a new request.
		endpoint.received(request, peer, 300_000);
		check(requests.shift()).toBeDefined();
	});
	it("tracks no GET (4.5 relaxed for an idempotent request): a duplicate is served anew, and nothing is held", () => {
		const { endpoint, requests } = serving();
		const request = bytes({ messageId: 8, token: hex("ab"), options: [o.stringOption(o.Option.URI_PATH, "lamp")] });
		endpoint.received(request, peer, 0);
		endpoint.respond(requests.shift()!, { code: coap.Code.CONTENT, options: [], payload: text("on") }, 0);
		check([endpoint.tracked, endpoint.nextTimeout()]).toEqual([0, undefined]);
		endpoint.received(request, peer, 1000);
		const again = requests.shift();
		check([again !== undefined, endpoint.dropped.duplicate]).toEqual([true, 0]);
		endpoint.respond(again!, { code: coap.Code.CONTENT, options: [], payload: text("off") }, 1000);
		check(drain(endpoint).map((m) => [m.type, m.messageId, toHex(m.payload)])).toEqual([
			[coap.Type.ACK, 8, toHex(text("on"))],
			[coap.Type.ACK, 8, toHex(text("off"))],
		]);
		check([endpoint.tracked, endpoint.pending]).toEqual([0, 0]);
	});
	it("sends a separate CON response after acknowledging, retransmitted until acknowledged", () => {
		const { endpoint, requests } = serving({ random: () => 0 });
		endpoint.received(bytes({ messageId: 9, token: hex("01 02") }), peer, 0);
		const incoming = requests.shift()!;
		endpoint.acknowledge(incoming);
		check(drain(endpoint).map((m) => [m.type, m.code])).toEqual([[coap.Type.ACK, coap.Code.EMPTY]]);
		endpoint.respond(incoming, { code: coap.Code.CONTENT, options: [], payload: text("x") }, 10);
		const [response] = drain(endpoint);
		check([response.type, toHex(response.token)]).toEqual([coap.Type.CON, "01 02"]);
		endpoint.tick(2010);
		check(drain(endpoint)).toHaveLength(1);
		endpoint.received(bytes({ type: coap.Type.ACK, code: coap.Code.EMPTY, messageId: response.messageId }), peer, 2100);
		// A GET is untracked: its record of the Empty ACK was its own, and nothing is left.
		check([endpoint.nextTimeout(), endpoint.tracked, endpoint.pending]).toEqual([undefined, 0, 0]);
		// A PUT is tracked: its duplicate-table entry is freed on the timer at EXCHANGE_LIFETIME
		// (it is the newest: an idle table is freed all at once when its newest id expires).
		endpoint.received(bytes({ code: coap.Code.PUT, messageId: 10, token: hex("03") }), peer, 3000);
		const put = requests.shift()!;
		endpoint.acknowledge(put);
		endpoint.acknowledge(put);
		endpoint.respond(put, { code: coap.Code.CHANGED, options: [], payload: none }, 3010);
		const sent = drain(endpoint);
		check(sent.map((m) => [m.type, m.code])).toEqual([[coap.Type.ACK, coap.Code.EMPTY], [coap.Type.CON, coap.Code.CHANGED]]);
		endpoint.received(bytes({ type: coap.Type.ACK, code: coap.Code.EMPTY, messageId: sent[1].messageId }), peer, 3100);
		check(endpoint.nextTimeout()).toBe(250_000);
		endpoint.tick(250_000);
		check([endpoint.nextTimeout(), endpoint.tracked, endpoint.pending]).toEqual([undefined, 0, 0]);
	});
	it("forgets an id at EXCHANGE_LIFETIME exactly when it comes again, before the timer frees it", () => {
		const { endpoint, requests } = serving();
		const request = bytes({ code: coap.Code.PUT, messageId: 21, token: hex("0a") });
		endpoint.received(request, peer, 0);
		check(requests.shift()).toBeDefined();
		endpoint.received(request, peer, 246_999);
		check([requests.shift(), endpoint.dropped.duplicate]).toEqual([undefined, 1]);
		// The timer is due at that moment too, but the arrival itself forgets the old id: a new request.
		check(endpoint.nextTimeout()).toBe(247_000);
		endpoint.received(request, peer, 247_000);
		check([requests.shift() !== undefined, endpoint.tracked]).toEqual([true, 1]);
	});
	it("frees an idle table at once, when its newest id expires, and while traffic comes needs no timer for it", () => {
		const { endpoint, requests } = serving();
		endpoint.received(bytes({ code: coap.Code.DELETE, messageId: 31 }), peer, 0);
		endpoint.received(bytes({ code: coap.Code.DELETE, messageId: 32 }), peer, 100_000);
		check([requests.splice(0).length, endpoint.nextTimeout()]).toEqual([2, 347_000]);
		// An arrival forgets what expired by then (31), exactly; the timer moves on with the newest.
		endpoint.received(bytes({ code: coap.Code.DELETE, messageId: 33 }), peer, 250_000);
		check([endpoint.tracked, endpoint.nextTimeout()]).toEqual([2, 497_000]);
		endpoint.tick(496_999);
		check(endpoint.tracked).toBe(1);
		endpoint.tick(497_000);
		check([endpoint.tracked, endpoint.nextTimeout()]).toEqual([0, undefined]);
	});
	it("answers a NON request with a NON response", () => {
		const { endpoint, requests } = serving();
		endpoint.received(bytes({ type: coap.Type.NON, messageId: 3, token: hex("05") }), peer, 0);
		endpoint.respond(requests.shift()!, { code: coap.Code.CONTENT, options: [], payload: none }, 0);
		check(drain(endpoint)[0].type).toBe(coap.Type.NON);
	});
	it("answers an unknown critical option with 4.02 and never hands the request on (5.4.1)", () => {
		const { endpoint, requests } = serving();
		endpoint.received(bytes({ messageId: 4, options: [{ number: 2049, value: none }] }), peer, 0);
		check(requests.shift()).toBeUndefined();
		const [answer] = drain(endpoint);
		check(coap.codeName(answer.code)).toBe("4.02");
		endpoint.received(bytes({ messageId: 5, options: [{ number: 2048, value: none }] }), peer, 0);
		check(requests.shift()).toBeDefined();
	});
	it("answers every request 4.04, CON or NON, when it serves nothing (a client)", () => {
		const endpoint = new Endpoint();
		endpoint.received(bytes({ messageId: 11, token: hex("0b") }), peer, 0);
		endpoint.received(bytes({ type: coap.Type.NON, messageId: 12, token: hex("0c") }), peer, 0);
		check(drain(endpoint).map((m) => [m.type, coap.codeName(m.code), toHex(m.token)])).toEqual([
			[coap.Type.ACK, "4.04", "0b"],
			[coap.Type.NON, "4.04", "0c"],
		]);
	});
	it("cancels an observer that resets a notification (RFC 7641 3.6)", () => {
		const endpoint = new Endpoint();
		let gone = 0;
		endpoint.notify({ peer, token: hex("0a").buffer as ArrayBuffer }, { code: coap.Code.CONTENT, options: [o.uintOption(o.Option.OBSERVE, 2)], payload: none }, false, 0, () => gone++);
		const [notification] = drain(endpoint);
		endpoint.received(bytes({ type: coap.Type.RST, code: coap.Code.EMPTY, messageId: notification.messageId }), peer, 1);
		check(gone).toBe(1);
	});
});

describe("CoAP endpoint: bad input", () => {
	it("resets a malformed CON, drops a malformed NON, and counts both", () => {
		const { endpoint, requests } = serving();
		endpoint.received(hex("49 01 ab cd 00"), peer, 0);
		const [reset] = drain(endpoint);
		check([reset.type, reset.messageId]).toEqual([coap.Type.RST, 0xabcd]);
		endpoint.received(hex("51 01 ab ce"), peer, 0);
		check(drain(endpoint)).toHaveLength(0);
		endpoint.received(hex("40"), peer, 0);
		// Another version is no CoAP 1 message to answer (3.: silently ignored), CON or not.
		endpoint.received(hex("80 01 00 00"), peer, 0);
		check(drain(endpoint)).toHaveLength(0);
		check(endpoint.dropped.malformed).toBe(4);
		check(requests.shift()).toBeUndefined();
	});
	it("answers a ping with RST and resets a response nobody asked for", () => {
		const endpoint = new Endpoint();
		endpoint.received(hex("40 00 12 34"), peer, 0);
		check(drain(endpoint).map((m) => [m.type, m.messageId])).toEqual([[coap.Type.RST, 0x1234]]);
		endpoint.received(bytes({ type: coap.Type.NON, code: coap.Code.CONTENT, messageId: 6, token: hex("99") }), peer, 0);
		check(drain(endpoint).map((m) => m.type)).toEqual([coap.Type.RST]);
		endpoint.received(bytes({ type: coap.Type.ACK, code: coap.Code.EMPTY, messageId: 77 }), peer, 0);
		check(endpoint.dropped.unexpected).toBe(2);
	});
	it("rejects a response with an unknown critical option (5.4.1)", () => {
		const endpoint = new Endpoint();
		const result = collect();
		const token = sendRequest(endpoint, peer, get, 0, result.handler);
		drain(endpoint);
		endpoint.received(bytes({ type: coap.Type.CON, code: coap.Code.CONTENT, messageId: 50, token, options: [{ number: 9, value: none }] }), peer, 1);
		check(drain(endpoint).map((m) => m.type)).toEqual([coap.Type.RST]);
		check(result.responses).toHaveLength(0);
		check(endpoint.dropped.rejected).toBe(1);
	});
});

describe("CoAP endpoint: resumed after deep sleep", () => {
	it("goes on from the retained message id and token counter instead of a random start", () => {
		const first = new Endpoint({ random: () => 0.5 });
		sendRequest(first, peer, get, 0, collect().handler);
		sendRequest(first, peer, get, 0, collect().handler);
		const before = drain(first).map((m) => m.messageId);
		const kept = first.sequence;
		const next = new Endpoint({ random: () => 0, resume: kept });
		sendRequest(next, peer, get, 0, collect().handler);
		const [after] = drain(next);
		check(after.messageId).toBe((kept.messageId + 1) & 0xffff);
		check(before).not.toContain(after.messageId);
		check((after.token[0] << 8) | after.token[1]).toBe((kept.tokenCounter + 1) & 0xffff);
	});
});

describe("CoAP endpoint: tables made at the first entry", () => {
	it("keeps one endpoint's requests and CONs out of another's (the empty table they start with is shared, never written)", () => {
		const client = new Endpoint({ random: () => 0 });
		const other = new Endpoint({ random: () => 0 });
		const result = collect();
		sendRequest(client, peer, get, 0, result.handler);
		const [request] = drain(client);
		check([client.pending, other.pending]).toEqual([2, 0]);
		// The response is the client's: the other endpoint knows no such token, and resets it.
		const response = bytes({ type: coap.Type.ACK, code: coap.Code.CONTENT, messageId: request.messageId, token: request.token });
		other.received(bytes({ code: coap.Code.CONTENT, messageId: 500, token: request.token }), peer, 10);
		check([drain(other).map((m) => m.type), other.dropped.unexpected, other.nextTimeout()]).toEqual([[coap.Type.RST], 1, 247_000 + 10]);
		client.received(response, peer, 10);
		check([result.responses.length, client.pending]).toEqual([1, 0]);
		// Stopped: every table is let go, and a new request makes them again.
		sendRequest(client, peer, get, 20, result.handler);
		client.failAll(new ProtocolError("CLOSED", "stopped"));
		check([result.errors.map((e) => e.code), client.pending, other.pending]).toEqual([["CLOSED"], 0, 0]);
		sendRequest(client, peer, get, 30, result.handler);
		check([client.pending, other.pending]).toEqual([2, 0]);
	});
});
