/**
 * `dtls.*` rows: DTLS 1.2 PSK (src/dtls) for coaps.
 * - round trips and bytes on the wire for one CoAP exchange of a wake, with a full
 *   handshake and with a resumed session (what a sleepy node keeps in retained memory),
 *   client and server in memory (testkit/portable/dtls-pair.ts);
 * - in the XS engine: computrons of a full and of a resumed handshake (client and server
 *   together) and of sealing and opening one 64-byte record, and the live slots of an
 *   established connection on each side. The AES block and SHA-256 are the board's native
 *   code on a device, so here they are stubs (a copy, a constant) and the figures are the
 *   protocol's own JavaScript (PRF, HMAC, CCM, records, handshake); the calls into the
 *   board's primitives are counted as rows of their own;
 * - the `.xsb` bytes of src/dtls when MODDABLE names a built SDK.
 */
import { fileURLToPath } from "node:url";
import { bundleForXs } from "../xs-bundle";
import { XsMachine } from "../xsnap";
import { row, type Row } from "./measure";
import { DEVICE_SLOT_BYTES } from "./xs-meter";
import { xsbSizes } from "./xsb";
import { Pair, SERVER, randomSource } from "../../testkit/portable/dtls-pair";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

const ENTRY = `
import { Pair, SERVER, randomSource } from "./testkit/portable/dtls-pair";

const calls = { aes: 0, sha: 0 };
/** Native on a device: stubs here, consistent on both sides so every check passes. */
const stub = {
	aes128: () => ({ encryptBlock(input, output) { calls.aes++; output.set(input.subarray(0, 16)); } }),
	sha256: () => (calls.sha++, new Uint8Array(32)),
};
const reading = new Uint8Array(64);
let pair;
/** Each wake's client draws new randoms, as a real one does (the same hello would be a retransmission). */
let seed = 10;

function handshake(resume) {
	pair = new Pair({ crypto: stub, resume, randomBytes: randomSource(seed++) }, { crypto: stub });
	if (resume) pair.server = globalThis.kept.server;
	pair.clientProbe.outbox.push({ address: SERVER.address, port: SERVER.port, bytes: reading });
	pair.pump();
	if (pair.serverProbe.arrived.length + (resume ? globalThis.kept.probe.arrived.length : 0) === 0) throw new Error("no handshake");
}
const operations = {
	none: () => undefined,
	full: () => handshake(undefined),
	resumed: () => handshake(globalThis.kept.session),
	record: () => {
		const kept = globalThis.kept;
		kept.pair.clientProbe.outbox.push({ address: SERVER.address, port: SERVER.port, bytes: reading });
		kept.pair.pump();
	},
};
globalThis.runBatch = (id, count) => {
	for (let i = 0; i < count; i++) operations[id]();
};
globalThis.setUp = () => {
	handshake(undefined);
	const p = pair;
	globalThis.kept = { pair: p, server: p.server, probe: p.serverProbe, session: p.client.sessions.get(SERVER.address + ":" + SERVER.port) };
	p.serverProbe.arrived.length = 0;
};
globalThis.resetCalls = () => { calls.aes = 0; calls.sha = 0; };
globalThis.callCounts = () => new Uint32Array([calls.aes, calls.sha]).buffer;
globalThis.residentPair = () => {
	handshake(undefined);
	globalThis.resident = pair;
	pair.serverProbe.arrived.length = 0;
	pair.clientProbe.arrived.length = 0;
	pair.wire.length = 0;
};
`;

/** Round trips and bytes of one wake's CoAP exchange over DTLS, in memory (Node); `last` is the wake before, whose server and session go on. */
function wake(last?: Pair): { roundTrips: number; bytes: number; pair: Pair } {
	const resume = last?.client.sessions.get(`${SERVER.address}:${SERVER.port}`);
	const pair = new Pair({ resume, randomBytes: randomSource(last ? 3 : 1) });
	if (last) (pair as { server: Pair["server"] }).server = last.server;
	const serverProbe = last ? last.serverProbe : pair.serverProbe;
	pair.clientProbe.outbox.push({ ...SERVER, bytes: new Uint8Array(80) });
	pair.pump();
	// The server's CoAP answer (an 8-byte 2.04) as the inner session would send it.
	serverProbe.outbox.push({ address: "10.0.0.1", port: 1000, bytes: new Uint8Array(8) });
	pair.pump();
	if (pair.clientProbe.arrived.length !== 1) throw new Error("the wake's answer did not arrive");
	// A round trip is a client flight and the server's answer: count the client's datagrams that got one.
	let roundTrips = 0;
	let bytes = 0;
	for (let i = 0; i < pair.wire.length; i++) {
		bytes += pair.wire[i].bytes.length + 28; // IPv4 and UDP headers
		if (pair.wire[i].from.port !== SERVER.port && pair.wire[i + 1]?.from.port === SERVER.port) roundTrips++;
	}
	return { roundTrips, bytes, pair };
}

export function xsbDtlsBytes(sdk: string | undefined = process.env.MODDABLE): number | undefined {
	return xsbSizes("src/dtls", sdk)?.total;
}

export async function xsDtlsRows(): Promise<Row[]> {
	const rows: Row[] = [];
	const full = wake();
	const resumed = wake(full.pair);
	rows.push(row("dtls.wake.full.roundtrips", "round trips of a wake's CoAP POST with a full handshake (cookie, PSK, Finished, the POST)", false, full.roundTrips, null));
	rows.push(row("dtls.wake.resumed.roundtrips", "round trips with the session resumed from retained state", false, resumed.roundTrips, null, "< full"));
	rows.push(row("dtls.wake.full.bytes", "bytes on the wire (IP and UDP headers included), full handshake and one POST", false, full.bytes, null));
	rows.push(row("dtls.wake.resumed.bytes", "bytes on the wire, resumed session and one POST", false, resumed.bytes, null));
	const xs = new XsMachine();
	try {
		await xs.evaluate(await bundleForXs(ENTRY, ROOT));
		await xs.evaluate("setUp()");
		const measure = async (id: string, count: number) => {
			await xs.evaluate(`runBatch("${id}", 1)`);
			const loop = (await xs.evaluate(`runBatch("none", ${count})`)).meter.compute;
			await xs.evaluate("resetCalls()");
			const measured = (await xs.evaluate(`runBatch("${id}", ${count})`)).meter.compute;
			const counts = new Uint32Array((await xs.evaluate("callCounts()")).result);
			return { computrons: (measured - loop) / count, aes: counts[0] / count, sha: counts[1] / count };
		};
		const handshake = await measure("full", 4);
		rows.push(row("xs.dtls.handshake.full", "computrons of a full PSK handshake with cookie, client and server together (native AES/SHA-256 not counted)", false, handshake.computrons, null));
		rows.push(row("xs.dtls.handshake.full.calls", "AES blocks + SHA-256 calls into the board in that handshake", false, handshake.aes + handshake.sha, null));
		const resume = await measure("resumed", 4);
		rows.push(row("xs.dtls.handshake.resumed", "computrons of a resumed handshake, client and server together", false, resume.computrons, null));
		const record = await measure("record", 20);
		rows.push(row("xs.dtls.record", "computrons to seal, send and open one 64-byte application record", false, record.computrons, null));
		rows.push(row("xs.dtls.record.calls", "AES blocks + SHA-256 calls per 64-byte record (sealed and opened)", false, record.aes + record.sha, null));
		await xs.evaluate("gc()");
		const before = (await xs.evaluate("gc()")).meter.currentHeapCount;
		await xs.evaluate("residentPair()");
		const after = (await xs.evaluate("gc()")).meter.currentHeapCount;
		rows.push(row("xs.dtls.resident", `live slots (${DEVICE_SLOT_BYTES} B each) of a client and a server layer, each with one established connection`, false, after - before, null));
	} finally {
		await xs.close();
	}
	const xsb = xsbDtlsBytes();
	if (xsb === undefined) rows.push({ ...row("xs.dtls.xsb", "bytes of src/dtls bytecode (release): needs MODDABLE", false, 0, null), ratio: null });
	else rows.push(row("xs.dtls.xsb", "bytes of src/dtls bytecode (release, xsc)", false, xsb, null));
	return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) for (const r of await xsDtlsRows()) console.log(`${r.id}: ${Math.round(r.ours * 10) / 10} ${r.unit}${r.target ? ` [target ${r.target}]` : ""}`);
