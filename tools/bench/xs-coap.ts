/**
 * `xs.coap.*` rows: the CoAP client and server measured inside the XS engine through their
 * public API, on a minimal board (a clock, one timer list, datagrams that keep what was
 * sent without copying it), so the figures are the protocol's own:
 * - a NON POST of a 64-byte reading to a collector, with the collector's 2.04 answer
 *   delivered so the exchange ends and nothing is left behind (computrons, slots);
 * - the server answering a CON GET /lamp from one client, a new message id each time and
 *   the clock 20 s on (taken off: the bench's own); a GET is not kept in the duplicate table
 *   (RFC 7252 4.5 allows serving an idempotent request again), so it stays empty (computrons, slots);
 * - a resident server with /lamp and one registered observer (live slots);
 * - the `.xsb` bytes of src/coap, compiled as mcconfig does (tsc, then the SDK's xsc,
 *   release) when MODDABLE names a built SDK.
 */
import { fileURLToPath } from "node:url";
import { bundleForXs } from "../xs-bundle";
import { XsMachine } from "../xsnap";
import { row, type Row } from "./measure";
import { DEVICE_SLOT_BYTES, perOperation } from "./xs-meter";
import { xsbSizes } from "./xsb";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

const ENTRY = `
import { CoapClient } from "./src/coap/client";
import { CoapServer } from "./src/coap/server";
import { encode } from "./src/coap/message";
import { Type, Code, Format, EMPTY_BYTES } from "./src/coap/message";
import { Option, stringOption, uintOption } from "./testkit/portable/coap-options";

/** A board with only what CoAP uses: a clock, timers, and datagrams that keep what was sent. */
class BenchBoard {
	name = "bench";
	time = 0;
	timers = [];
	datagrams = [];
	now() { return this.time; }
	epochMs() { return this.time; }
	randomBytes(count) { return new Uint8Array(count); }
	setTimer(callback, ms) { const timer = { at: this.time + ms, callback }; this.timers.push(timer); return timer; }
	clearTimer(timer) { const i = this.timers.indexOf(timer); if (i >= 0) this.timers.splice(i, 1); }
	advance(ms) {
		this.time += ms;
		for (let i = 0; i < this.timers.length; ) {
			const timer = this.timers[i];
			if (timer.at > this.time) { i++; continue; }
			this.timers.splice(i, 1);
			timer.callback();
			i = 0;
		}
	}
	resolve(host, callback) { callback(host); }
	openDatagram(options) {
		const datagram = { options, port: options.port || 40000, last: undefined, sent: 0, send(bytes) { this.last = bytes; this.sent++; }, close() {} };
		this.datagrams.push(datagram);
		// Bound on the next timer turn, as on a real board.
		if (options.endpointReady) this.setTimer(() => options.endpointReady(), 0);
		return datagram;
	}
	log() {}
}

const reading = new Uint8Array(64).map((_, i) => 48 + (i % 10));
const COLLECTOR = "coap://127.0.0.1:5683/readings";

// The client, and the collector's NON 2.04 for each POST (token and id patched in).
const clientBoard = new BenchBoard();
const client = new CoapClient(clientBoard, { random: () => 0.5 });
clientBoard.advance(0);
const clientSocket = clientBoard.datagrams[0];
const answer = encode({ type: Type.NON, code: Code.CHANGED, messageId: 0, token: new Uint8Array(4), options: [], payload: EMPTY_BYTES });
function postNon() {
	client.post(COLLECTOR, reading, { contentFormat: Format.JSON_FORMAT, confirmable: false });
}
// A reading with No-Response (RFC 7967), CoAP's QoS 0 publish; the clock moves on 100 s first: at PROBING_RATE (1 byte a second) its 84 bytes take 84 s.
function sendReading() {
	client.requestNoResponse(Code.POST, COLLECTOR, { payload: reading, contentFormat: Format.JSON_FORMAT });
}
function later() {
	clientBoard.time += 100000;
}
function answerPost() {
	const sent = clientSocket.last;
	answer[2] = sent[2] ^ 0x80;
	answer[3] = sent[3];
	for (let i = 0; i < 4; i++) answer[4 + i] = sent[4 + i];
	clientSocket.options.datagramReceived(answer, "127.0.0.1", 5683);
}

// The server with /lamp, and a client's CON GET /lamp (message id patched in).
function lampServer(board) {
	const server = new CoapServer(board, { port: 5683, random: () => 0.5 });
	let on = false;
	server.add("/lamp", {
		attributes: { rt: "lamp", if: "core.a", ct: "0" },
		observable: true,
		accepts: [Format.TEXT_PLAIN],
		get: () => ({ payload: on ? "on" : "off", contentFormat: Format.TEXT_PLAIN }),
		put: () => { on = !on; server.changed("/lamp"); return {}; },
	});
	return server;
}
const serverBoard = new BenchBoard();
const server = lampServer(serverBoard);
serverBoard.advance(0);
const serverSocket = serverBoard.datagrams[0];
const get = encode({ type: Type.CON, code: Code.GET, messageId: 0, token: new Uint8Array([1, 2]), options: [stringOption(Option.URI_PATH, "lamp")], payload: EMPTY_BYTES });
let messageId = 0;
function serveGet() {
	serverClock();
	serverSocket.options.datagramReceived(get, "127.0.0.1", 40001);
}
// The clock 20 s on, and a new message id: what serveGet costs besides the GET, measured on its own and taken off.
function serverClock() {
	messageId = (messageId + 1) & 0xffff;
	get[2] = messageId >> 8;
	get[3] = messageId & 0xff;
	serverBoard.advance(20000);
}

const operations = {
	none: () => undefined,
	"xs.coap.client.post.non": postNon,
	"xs.coap.server.get": serveGet,
	"xs.coap.server.clock": serverClock,
};

const host = globalThis;
host.runBatch = (id, count) => {
	const operation = operations[id];
	if (!operation) throw new Error("no operation " + id);
	for (let i = 0; i < count; i++) operation();
};
host.postNon = postNon;
host.sendReading = sendReading;
host.later = later;
host.sentReadings = () => clientSocket.sent;
host.answerPost = answerPost;
host.pendingPosts = () => client.transport.endpoint.pending;

// The board is the test's, not the server's: made before the resident count starts, as the MQTT and MQTT-SN rows do.
host.residentBoard = () => {
	host.board = new BenchBoard();
};
/** A server with /lamp and one observer registered by a CON GET with Observe 0. */
host.residentServer = () => {
	const board = host.board;
	const resident = lampServer(board);
	board.advance(0);
	const register = encode({ type: Type.CON, code: Code.GET, messageId: 7, token: new Uint8Array([9, 9, 9, 9]), options: [uintOption(Option.OBSERVE, 0), stringOption(Option.URI_PATH, "lamp")], payload: EMPTY_BYTES });
	board.datagrams[0].options.datagramReceived(register, "127.0.0.1", 40002);
	board.datagrams[0].last = undefined;
	host.kept = { board, resident };
	return resident.observers("/lamp");
};
`;

/** Bytes of bytecode for every module of src/coap, as mcconfig makes them (tools/bench/xsb.ts); undefined without a built SDK. */
export function coapXsbBytes(sdk: string | undefined = process.env.MODDABLE): number | undefined {
	return xsbSizes("src/coap", sdk)?.total;
}

export async function xsCoapRows(): Promise<Row[]> {
	const xs = new XsMachine();
	const rows: Row[] = [];
	try {
		await xs.evaluate(await bundleForXs(ENTRY, ROOT));
		// A POST runs on in promise jobs, which XS drains at the end of each command: so each
		// POST and each answer is its own command, less what an empty command costs.
		const posts = 40;
		const batch = async (steps: readonly string[]) => {
			const before = (await xs.evaluate("gc()")).meter.currentHeapCount;
			let computrons = 0;
			let heap = before;
			for (let i = 0; i < posts; i++)
				for (const step of steps) {
					const meter = (await xs.evaluate(step)).meter;
					computrons += meter.compute;
					heap = meter.currentHeapCount;
				}
			if (heap < before) throw new Error("a collection ran during the CoAP POST batch; make it smaller");
			return { computrons, slots: heap - before };
		};
		// The send row first: one datagram a send, nothing kept of it.
		await batch(["later()", "sendReading()"]);
		const sentBefore = (await xs.evaluate("new Uint8Array([sentReadings() & 0xff]).buffer")).result[0];
		const clockOnly = await batch(["later()", "undefined"]);
		const sends = await batch(["later()", "sendReading()"]);
		const sentAfter = (await xs.evaluate("new Uint8Array([sentReadings() & 0xff]).buffer")).result[0];
		if (((sentAfter - sentBefore) & 0xff) !== posts) throw new Error(`${(sentAfter - sentBefore) & 0xff} of ${posts} readings without response were sent`);
		if ((await xs.evaluate("new Uint8Array([pendingPosts()]).buffer")).result[0] !== 0) throw new Error("a request without response left state behind");
		rows.push(row("xs.coap.client.send", "computrons per NON POST of 64 bytes with No-Response (RFC 7967)", false, (sends.computrons - clockOnly.computrons) / posts, null, "<= 700"));
		rows.push(row("xs.coap.client.send.slots", "slots per NON POST with No-Response", false, (sends.slots - clockOnly.slots) / posts, null, "<= 30"));
		await batch(["postNon()", "answerPost()"]);
		const idle = await batch(["undefined", "undefined"]);
		const post = await batch(["postNon()", "answerPost()"]);
		const left = (await xs.evaluate("new Uint8Array([pendingPosts()]).buffer")).result[0];
		if (left !== 0) throw new Error(`${left} POSTs were left unanswered: the bench measured queueing, not sending`);
		const postComputrons = (post.computrons - idle.computrons) / posts;
		const postSlots = (post.slots - idle.slots) / posts;
		rows.push(row("xs.coap.client.post.non", "computrons per NON POST of 64 bytes and its 2.04 (a request and its response)", false, postComputrons, null));
		rows.push(row("xs.coap.client.post.non.slots", "slots per NON POST and its 2.04", false, postSlots, null));
		// Less the bench's own clock, as the send row takes off `later()`: a device's timers are native.
		const serve = await perOperation(xs, "xs.coap.server.get", 50);
		const clock = await perOperation(xs, "xs.coap.server.clock", 50);
		rows.push(row("xs.coap.server.get", "computrons per CON GET /lamp answered", false, serve.computrons - clock.computrons, null, "<= 2,000"));
		rows.push(row("xs.coap.server.get.slots", "slots per CON GET /lamp answered", false, serve.slots - clock.slots, null));
		await xs.evaluate("residentBoard()");
		const before = (await xs.evaluate("gc()")).meter.currentHeapCount;
		await xs.evaluate("residentServer()");
		const after = (await xs.evaluate("gc()")).meter.currentHeapCount;
		rows.push(row("xs.coap.server.heap", `live slots (${DEVICE_SLOT_BYTES} B each) of a server with /lamp and one observer`, false, after - before, null, "<= 150"));
	} finally {
		await xs.close();
	}
	const xsb = coapXsbBytes();
	if (xsb === undefined) rows.push({ ...row("xs.coap.xsb", "bytes of src/coap bytecode (release): needs MODDABLE", false, 0, null, "<= 20 KB"), ratio: null });
	else rows.push(row("xs.coap.xsb", "bytes of src/coap bytecode (release, xsc)", false, xsb, null, "<= 20 KB"));
	return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) for (const r of await xsCoapRows()) console.log(`${r.id}: ${Math.round(r.ours * 10) / 10} ${r.unit}${r.target ? ` [target ${r.target}]` : ""}`);
