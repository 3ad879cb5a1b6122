/**
 * MQTT-SN rows measured inside the XS engine (xsnap), through the client's public API as
 * an application uses it, with the meter of xs-meter.ts: computrons and slots to send a
 * QoS 0 PUBLISH (`client.publish`), to receive one (datagram in, `onMessage` out), the
 * live slots of a connected client with one registered topic, and the flash the
 * src/mqttsn modules take (`.xsb`, release, compiled as mcconfig does: tsc, then the
 * SDK's xsc; needs MODDABLE). The session's share of send and receive, without the
 * client's loop and promise, has rows of its own. The endpoint is a do-nothing fake, so the figures are the
 * firmware's alone, not a fake socket's copies.
 */
import { fileURLToPath } from "node:url";
import { bundleForXs } from "../xs-bundle";
import { XsMachine } from "../xsnap";
import { row, type Row } from "./measure";
import { DEVICE_SLOT_BYTES, perOperation } from "./xs-meter";
import { xsbSizes } from "./xsb";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

const ENTRY = `
import { MqttSnClient } from "./src/mqttsn/client";
import { encode } from "./testkit/portable/mqttsn-encode";
import * as sn from "./src/mqttsn/packet";
import type { DatagramOptions } from "./src/common/board";
import { FakeBoard } from "./testkit/portable/fake-board";

const GATEWAY = 10000;
const payload = new Uint8Array(64).map((_, i) => 32 + (i % 90));

/** A FakeBoard (clock, timers, resolver) whose UDP endpoint sends nowhere and copies nothing. */
class QuietBoard extends FakeBoard {
	endpoint: DatagramOptions | undefined;
	sent = 0;
	openDatagram(options: DatagramOptions) {
		this.endpoint = options;
		this.setTimer(() => options.endpointReady?.(), 0);
		const board = this;
		return { port: 40000, send() { board.sent++; }, close() {} };
	}
	deliver(bytes: Uint8Array): void {
		this.endpoint?.datagramReceived(bytes, "127.0.0.1", GATEWAY);
	}
}

let received = 0;
function connected(board: QuietBoard): MqttSnClient {
	const client = new MqttSnClient(board, {
		gateway: { host: "gateway.local", port: GATEWAY }, clientId: "lampnode-office-1", cleanSession: true, keepAlive: 60, random: () => 0.5,
		onMessage: () => { received++; },
	});
	client.start();
	board.advance(0);
	board.deliver(encode({ type: sn.MsgType.CONNACK, returnCode: 0 }));
	// One registered topic: the first publish registers it.
	void client.publish("home/office/lamp", payload);
	board.deliver(encode({ type: sn.MsgType.REGACK, topicId: 1, msgId: 1, returnCode: 0 }));
	// The gateway registers the command topic before it forwards a message on it.
	board.deliver(encode({ type: sn.MsgType.REGISTER, topicId: 2, msgId: 7, topicName: "home/office/lamp/set" }));
	return client;
}

const board = new QuietBoard();
const client = connected(board);
const incoming = encode({ type: sn.MsgType.PUBLISH, dup: false, qos: 0, retain: false, topicIdType: sn.TopicIdType.NORMAL, topicId: 2, msgId: 0, data: payload });

const gatewayPeer = { address: "127.0.0.1", port: GATEWAY };

const operations: Record<string, () => unknown> = {
	none: () => undefined,
	"xs.mqttsn.publish.send": () => client.publish("home/office/lamp", payload),
	"xs.mqttsn.publish.receive": () => board.deliver(incoming),
	// The session alone, as a driver runs it: what the client's loop adds is the difference.
	"xs.mqttsn.session.send": () => {
		client.session.publish("home/office/lamp", payload, 0, false, board.now());
		client.session.pollTransmit();
	},
	"xs.mqttsn.session.receive": () => {
		client.session.received(incoming, gatewayPeer, board.now());
		client.session.pollEvent();
	},
};

const host = globalThis as unknown as Record<string, unknown>;
host.runBatch = (id: string, count: number) => {
	const operation = operations[id];
	if (!operation) throw new Error("no operation " + id);
	for (let i = 0; i < count; i++) operation();
};
host.residentBoard = () => {
	host.board = new QuietBoard();
};
host.residentClient = () => {
	host.client = connected(host.board as QuietBoard);
};
host.check = () => (board.sent > 0 && received > 0 ? 1 : 0);
`;

/** Bytes of the .xsb files of src/mqttsn, release, as mcconfig compiles them; undefined without MODDABLE. */
export function mqttSnXsbBytes(): number | undefined {
	return xsbSizes("src/mqttsn")?.total;
}

export async function xsMqttSnRows(): Promise<Row[]> {
	const xs = new XsMachine();
	const rows: Row[] = [];
	try {
		await xs.evaluate(await bundleForXs(ENTRY, ROOT));
		for (const [id, computronTarget, slotTarget] of [
			["xs.mqttsn.publish.send", "<= 700", "<= 30"],
			["xs.mqttsn.publish.receive", "<= 2,000", undefined],
			["xs.mqttsn.session.send", undefined, undefined],
			["xs.mqttsn.session.receive", undefined, undefined],
		] as const) {
			const { computrons, slots } = await perOperation(xs, id, 100);
			rows.push(row(id, "computrons per QoS 0 PUBLISH, 64-byte payload", false, computrons, null, computronTarget));
			rows.push(row(`${id}.slots`, `slots allocated per message (${DEVICE_SLOT_BYTES} bytes each)`, false, slots, null, slotTarget));
		}
		const check = await xs.evaluate("new TextEncoder().encode(String(check())).buffer");
		if (new TextDecoder().decode(check.result) !== "1") throw new Error("the MQTT-SN bench client sent or received nothing");
		await xs.evaluate("residentBoard()");
		const before = (await xs.evaluate("gc()")).meter.currentHeapCount;
		await xs.evaluate("residentClient()");
		const after = (await xs.evaluate("gc()")).meter.currentHeapCount;
		rows.push(row("xs.mqttsn.client.resident", "live slots, connected client with one registered topic", false, after - before, null, "<= 120"));
	} finally {
		await xs.close();
	}
	const xsb = mqttSnXsbBytes();
	rows.push(
		xsb === undefined
			? row("xs.mqttsn.xsb", "bytes of src/mqttsn .xsb, release: needs MODDABLE (not measured)", false, 0, null, "<= 20,480")
			: row("xs.mqttsn.xsb", "bytes of src/mqttsn .xsb, release", false, xsb, null, "<= 20,480"),
	);
	return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) for (const r of await xsMqttSnRows()) console.log(`${r.id}: ${Math.round(r.ours * 10) / 10} ${r.unit}${r.target ? ` [target ${r.target}]` : ""}`);
