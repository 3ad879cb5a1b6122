/**
 * A stateful fuzzer for the CoAP endpoint and server (issue 14): seeded sequences of
 * valid, mutated and hostile datagrams from many peers, answers to the server's
 * notifications (ACK, RST or nothing), requests from a client endpoint answered by hostile
 * servers, and clock jumps. After every step it checks:
 * - nothing but a ProtocolError escapes (none is expected at all);
 * - the duplicate table, observers and uploads stay under their caps, and the server holds
 *   no message in flight but its observers' notifications (one each);
 * - the lamp changes only while a valid PUT /lamp (or a copy of one) is being handled: never
 *   for one with If-None-Match (/lamp exists), a stale If-Match, Proxy-Uri or Proxy-Scheme;
 * - slow answers (a resource answering with a thenable the fuzzer settles, or never) stay
 *   under their cap, and what is in flight is notifications and separate responses only;
 * - the client's requests each end exactly once (a response or a typed error).
 * After the last step, with no more traffic, the timers alone empty every table.
 * Portable: it runs in Node and in the XS engine.
 */
import { FakeBoard } from "../../testkit/portable/fake-board";
import { blockOption } from "../../testkit/portable/coap-options";
import { decode } from "../../src/coap/message";
import { encode } from "../../src/coap/message";
import { Endpoint } from "../../src/coap/endpoint";
import * as m from "../../src/coap/message";
import type { CoapMessage, CoapOption, MessageType } from "../../src/coap/message";
import * as o from "../../testkit/portable/coap-options";
import type { Representation } from "../../src/coap/types";
import { CoapServer } from "../../src/coap/server";
import { ProtocolError } from "../../src/common/errors";
import { fuzzRun } from "../../testkit/portable/fuzz-kit";
import { sendRequest } from "../../testkit/portable/coap-endpoint-requests";

export interface CoapFuzzReport {
	readonly steps: number;
	readonly datagrams: number;
	/** Lamp changes, each during a valid PUT. */
	readonly lampChanges: number;
	readonly validPuts: number;
	/** 5.03 answers seen (a table was full). */
	readonly refused: number;
	readonly mostObservers: number;
	readonly mostTracked: number;
	readonly requestsEnded: number;
	/** Most slow answers held at once (waiting for the handler or for their ACK). */
	readonly mostSeparating: number;
}

const MAX_TRACKED = 16;
const MAX_OBSERVERS = 6;
const MAX_PER_RESOURCE = 4;
const MAX_UPLOADS = 2;
const MAX_SEPARATE = 3;
const LIFETIME = 247_000;
const SERVER_PORT = 5683;
const LAMP_WORDS = ["on", "off", "1", "0", "true", "false", "toggle"];

/** A thenable settled by hand, whose callbacks run at once: the fuzzer runs synchronously, and promise jobs would run only after it. */
class Settled<T> implements PromiseLike<T> {
	private outcome?: { readonly ok: boolean; readonly value: unknown };
	private readonly waiting: ((ok: boolean, value: unknown) => void)[] = [];

	settle(ok: boolean, value: unknown): void {
		if (this.outcome) return;
		this.outcome = { ok, value };
		for (const waiter of this.waiting.splice(0)) waiter(ok, value);
	}

	then<A = T, B = never>(onOk?: ((value: T) => A | PromiseLike<A>) | null, onFail?: ((reason: unknown) => B | PromiseLike<B>) | null): PromiseLike<A | B> {
		const next = new Settled<A | B>();
		const run = (ok: boolean, value: unknown) => {
			const handler = ok ? onOk : onFail;
			if (!handler) return next.settle(ok, value);
			try {
				next.settle(true, handler(value as T));
			} catch (failure) {
				next.settle(false, failure);
			}
		};
		if (this.outcome) run(this.outcome.ok, this.outcome.value);
		else this.waiting.push(run);
		return next;
	}
}

function ascii(text: string): Uint8Array {
	const bytes = new Uint8Array(text.length);
	for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
	return bytes;
}

export function runCoapServerFuzz(seed: number, steps: number): CoapFuzzReport {
	const run = fuzzRun("coap server", seed);
	const { random, int, pick, fail } = run;
	const board = new FakeBoard();
	const server = new CoapServer(board, { port: SERVER_PORT, random, maxTracked: MAX_TRACKED, maxObservers: MAX_OBSERVERS, maxObserversPerResource: MAX_PER_RESOURCE, maxUploads: MAX_UPLOADS, maxSeparate: MAX_SEPARATE, blockSize: 64, maxBodySize: 512 });
	let lamp = false;
	let handlingValidPut = false;
	let lampChanges = 0;
	server.add("/lamp", {
		observable: true,
		accepts: [m.Format.TEXT_PLAIN],
		get: () => ({ payload: lamp ? "on" : "off", contentFormat: m.Format.TEXT_PLAIN }),
		put: (request) => {
			const word = String.fromCharCode(...request.payload);
			if (LAMP_WORDS.indexOf(word) < 0) return { code: m.Code.BAD_REQUEST };
			const next = word === "toggle" ? !lamp : word === "on" || word === "1" || word === "true";
			if (next !== lamp) {
				if (!handlingValidPut) fail("the lamp changed outside a valid PUT /lamp");
				lamp = next;
				lampChanges++;
				server.changed("/lamp");
			}
			return {};
		},
	});
	server.add("/big", { observable: true, get: () => ({ payload: new Uint8Array(300) }), put: () => ({}), post: () => ({}) });
	// Answers with a thenable the fuzzer settles at some later step (or never): separate responses.
	const slow: Settled<Representation>[] = [];
	server.add("/slow", {
		observable: true,
		get: () => {
			const answer = new Settled<Representation>();
			slow.push(answer);
			return answer;
		},
	});
	board.advance(0);
	const socket = board.datagrams[0];
	const endpoint = server.transport.endpoint;

	// A client endpoint, driven by hand, whose "servers" answer with anything.
	const serverPeers = [
		{ address: "10.1.0.1", port: 5683 },
		{ address: "10.1.0.2", port: 5683 },
	];
	const client = new Endpoint({ random, acceptFrom: (peer) => peer.address.startsWith("10.1.") });
	const ended = new Map<number, number>();
	let requestsMade = 0;

	const peers: { address: string; port: number }[] = [];
	for (let i = 0; i < 24; i++) peers.push({ address: `10.0.${i % 5}.${1 + (i >> 2)}`, port: 40_000 + i });
	const history: { bytes: Uint8Array; peer: { address: string; port: number }; put: boolean }[] = [];
	/** CON notifications and separate responses the server sent, for a peer to ACK or RST. */
	const toAnswer: { peer: { address: string; port: number }; messageId: number }[] = [];
	let datagrams = 0;
	let validPuts = 0;
	let refused = 0;
	let mostObservers = 0;
	let mostTracked = 0;
	let mostSeparating = 0;

	const message = (fields: Partial<CoapMessage>): CoapMessage => ({ type: m.Type.CON, code: m.Code.GET, messageId: int(0x10000), token: tokenOf(), options: [], payload: m.EMPTY_BYTES, ...fields });
	const tokenOf = () => {
		const token = new Uint8Array(int(9));
		for (let i = 0; i < token.length; i++) token[i] = int(4);
		return token;
	};
	const path = (name: string): CoapOption[] => (name === "" ? [] : name.split("/").map((segment) => o.stringOption(o.Option.URI_PATH, segment)));
	const valid = (): { bytes: Uint8Array; put: boolean } => {
		const kind = int(6);
		const type: MessageType = random() < 0.7 ? m.Type.CON : m.Type.NON;
		if (kind === 0) return { bytes: encode(message({ type, options: o.sortOptions([...path("lamp"), ...(random() < 0.5 ? [o.uintOption(o.Option.OBSERVE, int(2))] : [])]) })), put: false };
		if (kind === 1) {
			const word = random() < 0.8 ? pick(LAMP_WORDS) : pick(["dim", "", "ON", "onn"]);
			const payload = ascii(word);
			const put = word !== "" && LAMP_WORDS.indexOf(word) >= 0;
			return { bytes: encode(message({ type, code: m.Code.PUT, options: o.sortOptions([...path("lamp"), o.uintOption(o.Option.CONTENT_FORMAT, m.Format.TEXT_PLAIN)]), payload })), put };
		}
		if (kind === 2) {
			const num = random() < 0.4 ? 0 : int(10);
			const more = random() < 0.8;
			const options = o.sortOptions([...path("big"), blockOption(o.Option.BLOCK1, { num, more, szx: 2 }), ...(random() < 0.3 ? [o.uintOption(o.Option.SIZE1, int(1024))] : [])]);
			return { bytes: encode(message({ type, code: pick([m.Code.PUT, m.Code.POST]), options, payload: new Uint8Array(more ? 64 : 1 + int(64)) })), put: false };
		}
		if (kind === 3) {
			const options = [...path("big"), ...(random() < 0.5 ? [o.uintOption(o.Option.OBSERVE, 0)] : [blockOption(o.Option.BLOCK2, { num: int(8), more: false, szx: int(7) })])];
			return { bytes: encode(message({ type, options: o.sortOptions(options) })), put: false };
		}
		if (kind === 4) return { bytes: encode(message({ type, options: o.sortOptions([...path(".well-known/core"), ...(random() < 0.5 ? [o.stringOption(o.Option.URI_QUERY, "rt=lamp")] : [])]) })), put: false };
		return { bytes: encode(message({ type, code: pick([m.Code.POST, m.Code.DELETE, 5, 31]), options: path(pick(["lamp", "nothing", "", "big"])) })), put: false };
	};
	/** Requests the server must not perform on /lamp, or must answer slowly; never mutated (a flipped bit could make one valid). */
	const refusedOrSlow = (): Uint8Array => {
		const kind = int(7);
		const type: MessageType = random() < 0.7 ? m.Type.CON : m.Type.NON;
		const word = o.stringOption(o.Option.URI_PATH, "lamp");
		const put = (options: CoapOption[]) => encode(message({ type, code: m.Code.PUT, options: o.sortOptions([word, ...options]), payload: ascii("toggle") }));
		if (kind === 0) return put([{ number: o.Option.IF_NONE_MATCH, value: m.EMPTY_BYTES }]);
		if (kind === 1) return put([{ number: o.Option.IF_MATCH, value: new Uint8Array([0, 0, 0, 0, 1]) }]);
		if (kind === 2) return put([random() < 0.5 ? o.stringOption(o.Option.PROXY_URI, "coap://10.9.9.9/lamp") : o.stringOption(o.Option.PROXY_SCHEME, "http")]);
		if (kind === 3) return encode(message({ type, options: o.sortOptions([word, o.uintOption(o.Option.ACCEPT, pick([m.Format.TEXT_PLAIN, m.Format.JSON_FORMAT]))]) }));
		return encode(message({ type, options: o.sortOptions([o.stringOption(o.Option.URI_PATH, "slow"), ...(random() < 0.3 ? [o.uintOption(o.Option.OBSERVE, 0)] : [])]) }));
	};
	const hostile = (): Uint8Array => {
		const kind = int(7);
		if (kind === 0) {
			const bytes = new Uint8Array(int(24));
			for (let i = 0; i < bytes.length; i++) bytes[i] = int(256);
			return bytes;
		}
		if (kind === 1 || kind === 2) {
			// A valid datagram with bytes flipped, or cut short.
			const bytes = valid().bytes.slice();
			if (kind === 2) return bytes.subarray(0, int(bytes.length + 1));
			for (let flips = 1 + int(3); flips > 0; flips--) bytes[int(bytes.length)] ^= 1 << int(8);
			return bytes;
		}
		if (kind === 3) return encode(message({ type: pick([m.Type.ACK, m.Type.RST]), code: m.Code.EMPTY, token: m.EMPTY_BYTES }));
		if (kind === 4) return encode(message({ code: pick([m.Code.EMPTY, 0x20 + int(32), 0xc0 + int(64), m.Code.CONTENT]), token: m.EMPTY_BYTES, options: [], payload: m.EMPTY_BYTES }));
		if (kind === 5) return encode(message({ options: o.sortOptions([...path("lamp"), { number: pick([9, 2049, 65001]), value: m.EMPTY_BYTES }]) }));
		const bytes = encode(message({ code: m.Code.PUT, options: path("lamp"), payload: ascii("toggle") }));
		bytes[0] = (bytes[0] & 0x3f) | (int(4) << 6);
		return bytes;
	};

	const deliver = (bytes: Uint8Array, peer: { address: string; port: number }, validPut: boolean) => {
		datagrams++;
		handlingValidPut = validPut;
		try {
			run.never("the server", () => socket.deliver(bytes, peer.address, peer.port));
		} finally {
			handlingValidPut = false;
		}
	};
	const collect = () => {
		for (const sent of socket.takeSent()) {
			const answer = decode(sent.bytes);
			if (m.codeName(answer.code) === "5.03") refused++;
			if (answer.type === m.Type.CON) toAnswer.push({ peer: { address: sent.address, port: sent.port }, messageId: answer.messageId });
		}
		if (toAnswer.length > 64) toAnswer.splice(0, toAnswer.length - 64);
	};
	const request = () => {
		const id = requestsMade++;
		ended.set(id, 0);
		const peer = pick(serverPeers);
		sendRequest(client, peer, { code: m.Code.GET, options: path("lamp"), payload: m.EMPTY_BYTES }, board.now(), (error, response) => {
			if (error && !(error instanceof ProtocolError)) fail("a client request ended with an untyped error");
			if (error || response) ended.set(id, (ended.get(id) ?? 0) + 1);
		}, { confirmable: random() < 0.7 });
	};
	const answerClient = () => {
		// The client's hostile servers: answers to what it sent, or anything at all.
		for (let out = client.pollTransmit(); out; out = client.pollTransmit()) {
			if (random() < 0.3) continue;
			const sent = decode(out.bytes);
			const peer = { address: out.address, port: out.port };
			const answer = int(5);
			let bytes: Uint8Array;
			if (answer === 0) bytes = encode({ type: m.Type.ACK, code: m.Code.EMPTY, messageId: sent.messageId, token: m.EMPTY_BYTES, options: [], payload: m.EMPTY_BYTES });
			else if (answer === 1) bytes = encode({ type: sent.type === m.Type.CON ? m.Type.ACK : m.Type.NON, code: pick([m.Code.CONTENT, m.Code.NOT_FOUND, m.Code.SERVICE_UNAVAILABLE]), messageId: sent.messageId, token: sent.token, options: [], payload: ascii("on") });
			else if (answer === 2) bytes = encode({ type: m.Type.CON, code: m.Code.CONTENT, messageId: int(0x10000), token: random() < 0.7 ? sent.token : tokenOf(), options: random() < 0.2 ? [{ number: 9, value: m.EMPTY_BYTES }] : [], payload: m.EMPTY_BYTES });
			else if (answer === 3) bytes = encode({ type: m.Type.RST, code: m.Code.EMPTY, messageId: sent.messageId, token: m.EMPTY_BYTES, options: [], payload: m.EMPTY_BYTES });
			else bytes = hostile();
			const from = random() < 0.9 ? peer : pick(peers);
			run.never("the client endpoint", () => client.received(bytes, from, board.now()));
		}
	};
	const check = () => {
		const tracked = endpoint.tracked;
		if (tracked > MAX_TRACKED) fail(`${tracked} message ids tracked`);
		const observers = server.observers();
		if (observers > MAX_OBSERVERS) fail(`${observers} observers`);
		if (server.observers("/lamp") > MAX_PER_RESOURCE || server.observers("/big") > MAX_PER_RESOURCE) fail("more observers on a resource than its cap");
		if (server.uploading > MAX_UPLOADS) fail(`${server.uploading} uploads`);
		if (server.separating > MAX_SEPARATE) fail(`${server.separating} slow answers`);
		if (endpoint.pending > observers + server.separating) fail(`${endpoint.pending} messages in flight for ${observers} observers and ${server.separating} slow answers`);
		if (client.tracked > MAX_TRACKED) fail(`the client tracks ${client.tracked} ids`);
		for (const [id, count] of ended) if (count > 1) fail(`client request ${id} ended ${count} times`);
		if (observers > mostObservers) mostObservers = observers;
		if (tracked > mostTracked) mostTracked = tracked;
		if (server.separating > mostSeparating) mostSeparating = server.separating;
	};

	for (run.step = 0; run.step < steps; run.step++) {
		const roll = random();
		const peer = pick(peers);
		if (roll < 0.45) {
			const { bytes, put } = valid();
			if (put) validPuts++;
			deliver(bytes, peer, put);
			history.push({ bytes, peer, put });
			if (history.length > 32) history.shift();
		} else if (roll < 0.6) deliver(hostile(), peer, false);
		else if (roll < 0.65) {
			// Sometimes a burst from many peers, to fill the table of slow answers.
			for (let burst = random() < 0.3 ? 4 : 1; burst > 0; burst--) deliver(refusedOrSlow(), burst === 1 ? peer : pick(peers), false);
			// /slow changes: its observers are notified when its GET settles.
			if (random() < 0.2) server.changed("/slow");
			// Settle a slow answer now and then: before or after its Empty ACK, or after its deadline.
			if (slow.length > 0 && random() < 0.3) {
				handlingValidPut = false;
				slow.splice(int(slow.length), 1)[0].settle(random() < 0.9, { payload: random() < 0.5 ? "late" : new Uint8Array(100) });
			}
		}
		else if (roll < 0.72 && history.length > 0) {
			// A duplicate, from its sender or, spoofed, from another peer. A PUT is idempotent, so a
			// duplicate whose id was evicted may run again (RFC 7252 4.5): it is still a valid PUT.
			const old = pick(history);
			deliver(old.bytes, random() < 0.8 ? old.peer : peer, old.put);
		} else if (roll < 0.8 && toAnswer.length > 0) {
			const { peer: to, messageId } = toAnswer.splice(int(toAnswer.length), 1)[0];
			deliver(encode({ type: random() < 0.7 ? m.Type.ACK : m.Type.RST, code: m.Code.EMPTY, messageId, token: m.EMPTY_BYTES, options: [], payload: m.EMPTY_BYTES }), to, false);
		} else if (roll < 0.82) {
			// A burst of POSTs from many peers: they fill the duplicate table with ids it must keep.
			for (let i = 0; i < 20; i++) deliver(encode(message({ code: m.Code.POST, options: path(pick(["big", "lamp"])), payload: ascii("x") })), pick(peers), false);
		} else if (roll < 0.86) {
			request();
			answerClient();
		} else if (roll < 0.9) answerClient();
		else {
			// Clock jumps: a moment, a retransmission, a lifetime, two days.
			const jump = pick([100, 2_500, 30_000, 150_000, LIFETIME, 172_800_000]);
			board.advance(jump);
			client.tick(board.now());
			answerClient();
		}
		collect();
		check();
	}

	// No more traffic: the timers alone must empty every table.
	board.advance(LIFETIME);
	// The client's queued requests start one by one as each ends (NSTART), so it takes as many rounds as it holds.
	for (let round = 0, at = client.nextTimeout(); at !== undefined && round < 1000; round++, at = client.nextTimeout()) {
		board.advance(Math.max(0, at - board.now()));
		client.tick(board.now());
		for (let out = client.pollTransmit(); out; out = client.pollTransmit());
	}
	board.advance(LIFETIME);
	collect();
	if (endpoint.tracked !== 0 || server.uploading !== 0 || endpoint.pending !== 0 || server.separating !== 0) fail(`left: ${endpoint.tracked} ids, ${server.uploading} uploads, ${endpoint.pending} in flight, ${server.separating} slow answers`);
	if (client.pending !== 0 || client.tracked !== 0) fail(`the client left ${client.pending} exchanges, ${client.tracked} ids`);
	if (board.pendingTimers !== 0) fail(`${board.pendingTimers} timers left`);
	let requestsEnded = 0;
	for (const [id, count] of ended) {
		if (count === 0) fail(`client request ${id} never ended`);
		requestsEnded++;
	}
	return { steps, datagrams, lampChanges, validPuts, refused, mostObservers, mostTracked, requestsEnded, mostSeparating };
}
