/**
 * Rows measured inside the XS engine (xsnap): computrons and heap slots per operation,
 * read from the meter xsnap-worker returns with every command. The figures are
 * deterministic, so one run suffices and the machine's load does not matter.
 *
 * Slots: `currentHeapCount` counts every slot XS allocates and is reset to the live
 * count by a collection, so `gc()` before a batch and the count after it give the slots
 * the batch allocated (the batch is small enough never to trigger a collection; a
 * negative difference would mean it did, and is refused). A slot is 16 bytes on the
 * 32-bit ESP32/ESP8266 builds of XS. A new Uint8Array costs 7 slots (112 bytes) with its
 * ArrayBuffer, a view of an existing one 4 (64 bytes): the QoS 1 PUBLISH the session writes
 * (its topic field cached, the packet kept for retransmission) allocates that one array
 * and nothing else. Chunks (string and ArrayBuffer storage)
 * are not metered by xsnap; the codec tests check that payloads are views, not copies.
 */
import { fileURLToPath } from "node:url";
import { bundleForXs } from "../xs-bundle";
import { XsMachine } from "../xsnap";
import { row, type Row } from "./measure";
import { bundleModdableMqtt, moddableMqttPath } from "./xs-moddable-mqtt";
import { xsbOfFiles, xsbSizes } from "./xsb";

/** Bytes per XS slot on the 32-bit targets. */
export const DEVICE_SLOT_BYTES = 16;
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Operations exposed to the meter, by row id; each runs on inputs prepared once. */
const ENTRY = `
import { decode as decodeMqtt, writePublish } from "./src/mqtt/codec";
import { TopicCache } from "./src/mqtt/topic";
import { PUBLISH } from "./testkit/portable/mqtt-types";
import { MqttClient } from "./src/mqtt/client";
import { FakeBoard } from "./testkit/portable/fake-board";
import { connack, publishBytes } from "./testkit/portable/mqtt-wire";
import { encodeAny5 } from "./testkit/portable/mqtt5-client-packets";
import { mqtt5 } from "./src/mqtt/v5/session";

const host = globalThis as unknown as Record<string, unknown>;
const payload = new Uint8Array(64).map((_, i) => 32 + (i % 90));
// The session's QoS 1 PUBLISH (session.ts publish): the topic's field from its cache, then one packet-sized array.
const topics = new TopicCache();
const remaining = 2 + 16 + 2 + payload.length;
function writeQos1Publish(): Uint8Array {
	const packet = new Uint8Array(2 + remaining);
	writePublish(packet, 0, 0x32, remaining, topics.field("home/office/lamp"), 4242, payload);
	return packet;
}
const encoded = writeQos1Publish();

/** A client connected to a fake broker, subscribed to one filter, its written bytes dropped. */
function connected(onMessage: () => void, board = new FakeBoard(), v5 = false) {
	const client = new MqttClient(board, { broker: { host: "127.0.0.1", port: 1883 }, clientId: "lampnode-office-1", cleanSession: true, keepAlive: 60, random: () => 0.5, onMessage, protocolVersion: v5 ? 5 : 4, mqtt5 });
	client.start();
	const stream = board.lastStream;
	stream.accept();
	// MQTT 5: a CONNACK allowing 4 topic aliases, so repeated topics go as their alias.
	stream.deliver(v5 ? Uint8Array.of(0x20, 6, 0, 0, 3, 0x22, 0, 4) : connack(false));
	void client.subscribe([{ topic: "home/office/lamp", qos: 0 }]);
	// SUBACK for the first packet id, granted QoS 0; the subscribe was serviced in a promise job.
	Promise.resolve().then(() => stream.deliver(v5 ? Uint8Array.of(0x90, 4, 0, 1, 0, 0) : Uint8Array.of(0x90, 3, 0, 1, 0)));
	return { board, client, stream };
}

/** The fake socket the Moddable baseline gets too: a write counts bytes, copies nothing. */
function countingWrites(stream: { write(bytes: Uint8Array): void }): void {
	let written = 0;
	stream.write = (bytes) => void (written += bytes.length);
}

const TOPIC = "home/office/dht22";
let received = 0;
const sender = connected(() => undefined);
const receiver = connected(() => received++);
countingWrites(sender.stream);
countingWrites(receiver.stream);
const incoming = publishBytes("home/office/lamp", payload, 0);
const sender5 = connected(() => undefined, new FakeBoard(), true);
const receiver5 = connected(() => received++, new FakeBoard(), true);
countingWrites(sender5.stream);
countingWrites(receiver5.stream);
const incoming5 = encodeAny5({ type: PUBLISH, topic: "home/office/lamp", payload, qos: 0, retain: false, dup: false, properties: {} });

const operations: Record<string, () => unknown> = {
	none: () => undefined,
	"xs.mqtt.publish.encode": writeQos1Publish,
	"xs.mqtt.publish.decode": () => decodeMqtt(encoded),
	send: () => void sender.client.publish(TOPIC, payload),
	receive: () => receiver.stream.deliver(incoming),
	send5: () => void sender5.client.publish(TOPIC, payload),
	receive5: () => receiver5.stream.deliver(incoming5),
};
host.receivedCount = () => received;
host.dropSent = () => void sender.stream.takeWritten();
// The fake board is the test's, not the client's: made before the resident count starts.
host.boardOne = new FakeBoard();
host.connectOne = () => {
	host.keptOne = connected(() => undefined, host.boardOne as FakeBoard);
};
host.settleOne = () => void (host.keptOne as { stream: { takeWritten(): Uint8Array } }).stream.takeWritten();

host.runBatch = (id: string, count: number) => {
	const operation = operations[id];
	if (!operation) throw new Error("no operation " + id);
	for (let i = 0; i < count; i++) operation();
};

/** A connected client with 4 subscriptions and 8 QoS 1 publishes awaiting PUBACK. */
host.connectClient = () => {
	const board = new FakeBoard();
	const client = new MqttClient(board, { broker: { host: "127.0.0.1", port: 1883 }, clientId: "lampnode-office-1", cleanSession: false, keepAlive: 60, random: () => 0.5 });
	client.start();
	const stream = board.lastStream;
	stream.accept();
	stream.deliver(connack(true));
	void client.subscribe([
		{ topic: "home/office/lamp", qos: 1 },
		{ topic: "home/office/+/set", qos: 1 },
		{ topic: "lampnode/lampnode-office-1/#", qos: 2 },
		{ topic: "$SYS/broker/uptime", qos: 0 },
	]);
	for (let i = 0; i < 8; i++) void client.publish("home/office/dht22", payload, { qos: 1 });
	host.kept = { board, client };
};
host.dropWritten = () => {
	const kept = host.kept as { board: FakeBoard };
	kept.board.lastStream.takeWritten();
};
`;

/**
 * Computrons and slots of `count` runs of `id`, less the loop's own cost. The machine must
 * have evaluated an entry that defines `runBatch(id, count)` with a "none" operation, as
 * ENTRY does; other protocols' rows (xs-*.ts) reuse this with their own entry.
 */
export async function perOperation(xs: XsMachine, id: string, count: number): Promise<{ computrons: number; slots: number }> {
	const batch = async (name: string) => {
		const before = (await xs.evaluate("gc()")).meter.currentHeapCount;
		const after = (await xs.evaluate(`runBatch(${JSON.stringify(name)}, ${count})`)).meter;
		const slots = after.currentHeapCount - before;
		if (slots < 0) throw new Error(`a collection ran during the ${name} batch; make it smaller`);
		return { computrons: after.compute, slots };
	};
	// First runs warm the inline caches, so they do not count.
	await batch(id);
	const loop = await batch("none");
	const measured = await batch(id);
	return { computrons: (measured.computrons - loop.computrons) / count, slots: (measured.slots - loop.slots) / count };
}

/** Targets issue 14 sets for the client rows, per message or per client. */
const TARGET = { send: 700, sendSlots: 30, receive: 2000, resident: 120, xsb: 16 * 1024 };

/** Live slots a connected client with one subscription keeps, after a collection. */
async function residentSlots(xs: XsMachine, connect: string, settle: string): Promise<number> {
	await xs.evaluate("gc()");
	const before = (await xs.evaluate("gc()")).meter.currentHeapCount;
	await xs.evaluate(connect);
	await xs.evaluate(settle);
	return (await xs.evaluate("gc()")).meter.currentHeapCount - before;
}

/** The receive rows count only if every packet reached onMessage. */
async function expectReceived(xs: XsMachine, expected: number, who: string): Promise<void> {
	const count = new DataView((await xs.evaluate("new Uint32Array([receivedCount()]).buffer")).result.buffer).getUint32(0, true);
	if (count !== expected) throw new Error(`${who} delivered ${count} of ${expected} messages to onMessage`);
}

/** Computrons and slots per send and per receive, and resident slots, of Moddable's mqtt.js. */
async function moddableFigures(): Promise<{ send: { computrons: number; slots: number }; receive: { computrons: number; slots: number }; resident: number } | undefined> {
	const path = moddableMqttPath();
	if (!path) return undefined;
	const xs = new XsMachine();
	try {
		await xs.evaluate(await bundleModdableMqtt(path));
		const send = await perOperation(xs, "send", 100);
		const receive = await perOperation(xs, "receive", 100);
		await expectReceived(xs, 200, "Moddable's client");
		const resident = await residentSlots(xs, "connectModdable()", "undefined");
		return { send, receive, resident };
	} finally {
		await xs.close();
	}
}

export async function xsRows(): Promise<Row[]> {
	const xs = new XsMachine();
	try {
		await xs.evaluate(await bundleForXs(ENTRY, ROOT));
		const rows: Row[] = [];
		for (const id of ["xs.mqtt.publish.encode", "xs.mqtt.publish.decode"]) {
			const { computrons, slots } = await perOperation(xs, id, 100);
			rows.push(row(id, "computrons/op", false, computrons, null, "deterministic"));
			rows.push(row(`${id}.bytes`, `bytes/op in ${DEVICE_SLOT_BYTES}-byte slots`, false, slots * DEVICE_SLOT_BYTES, null, id.endsWith("encode") ? "<= the packet's array (112)" : "no payload copy"));
		}
		const before = (await xs.evaluate("gc()")).meter.currentHeapCount;
		await xs.evaluate("connectClient(); dropWritten()");
		const after = (await xs.evaluate("gc()")).meter.currentHeapCount;
		rows.push(row("xs.client.heap", "slots for a client with 4 subscriptions, 8 QoS 1 in flight", false, after - before, null));

		const moddable = await moddableFigures();
		const baseline = (figure: number | undefined) => figure ?? null;
		const versus = (target: string) => (moddable ? target : `${target}; Moddable baseline needs MODDABLE`);
		const send = await perOperation(xs, "send", 100);
		await xs.evaluate("dropSent()");
		const receive = await perOperation(xs, "receive", 100);
		await expectReceived(xs, 200, "our client");
		const resident = await residentSlots(xs, "connectOne()", "settleOne()");
		rows.push(row("xs.mqtt.client.send", "computrons per QoS 0 PUBLISH via MqttClient.publish", false, send.computrons, baseline(moddable?.send.computrons), versus(`<= ${TARGET.send}`)));
		rows.push(row("xs.mqtt.client.send.slots", "slots per QoS 0 PUBLISH via MqttClient.publish", false, send.slots, baseline(moddable?.send.slots), versus(`<= ${TARGET.sendSlots}`)));
		rows.push(row("xs.mqtt.client.receive", "computrons per QoS 0 PUBLISH received (one per read) to onMessage", false, receive.computrons, baseline(moddable?.receive.computrons), versus(`<= ${TARGET.receive}`)));
		rows.push(row("xs.mqtt.client.resident", "live slots, connected client with one subscription", false, resident, baseline(moddable?.resident), versus(`<= ${TARGET.resident}`)));
		// MQTT 5 (informational): the same QoS 0 send, by topic alias, and receive.
		const send5 = await perOperation(xs, "send5", 100);
		const receive5 = await perOperation(xs, "receive5", 100);
		rows.push(row("xs.mqtt5.client.send", "computrons per QoS 0 PUBLISH via MqttClient.publish, MQTT 5 (topic alias)", false, send5.computrons, null, "MQTT 5; 3.1.1 is xs.mqtt.client.send"));
		rows.push(row("xs.mqtt5.client.send.slots", "slots per QoS 0 PUBLISH via MqttClient.publish, MQTT 5", false, send5.slots, null, "MQTT 5"));
		rows.push(row("xs.mqtt5.client.receive", "computrons per QoS 0 PUBLISH received to onMessage, MQTT 5", false, receive5.computrons, null, "MQTT 5"));
		const v5Xsb = xsbSizes("src/mqtt/v5");
		rows.push(row("xs.mqtt5.xsb", "bytes of .xsb, src/mqtt/v5 release (on top of xs.mqtt.xsb)", false, v5Xsb?.total ?? Number.NaN, null, v5Xsb ? "MQTT 5 modules" : "needs MODDABLE"));
		const ours = xsbSizes("src/mqtt");
		// The SDK's mqtt.js compiled the same way (it is JavaScript already).
		const sdk = moddableMqttPath();
		const sdkXsb = sdk ? xsbOfFiles([sdk])?.total : undefined;
		rows.push(row("xs.mqtt.xsb", "bytes of .xsb, src/mqtt release", false, ours?.total ?? Number.NaN, sdkXsb ?? null, ours ? `<= ${TARGET.xsb}` : "needs MODDABLE"));
		return rows;
	} finally {
		await xs.close();
	}
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	for (const r of await xsRows()) process.stdout.write(`${r.id.padEnd(30)} ${String(Math.round(r.ours * 10) / 10).padStart(9)} ${String(r.baseline === null ? "-" : Math.round(r.baseline * 10) / 10).padStart(9)}  ${r.target ?? ""}\n`);
	const xsb = xsbSizes("src/mqtt");
	if (xsb) process.stdout.write(JSON.stringify(xsb.files) + "\n");
}
