/**
 * Rows measured inside the XS engine (xsnap): computrons and heap slots per operation,
 * read from the meter xsnap-worker returns with every command. The figures are
 * deterministic, so one run suffices and the machine's load does not matter.
 *
 * Slots: `currentHeapCount` counts every slot XS allocates and is reset to the live
 * count by a collection, so `gc()` before a batch and the count after it give the slots
 * the batch allocated (the batch is small enough never to trigger a collection; a
 * negative difference would mean it did, and is refused). A slot is 16 bytes on the
 * 32-bit ESP32/ESP8266 builds of XS. A Uint8Array view costs 4 slots (64 bytes): encodeInto
 * returns a length instead, and its 4 slots are the two String boxes XS makes when a walk
 * reads a string's length (src/common/utf8.ts). Chunks (string and ArrayBuffer storage)
 * are not metered by xsnap; the codec tests check that payloads are views, not copies.
 */
import { fileURLToPath } from "node:url";
import { bundleForXs } from "../xs-bundle";
import { XsMachine } from "../xsnap";
import { row, type Row } from "./measure";

/** Bytes per XS slot on the 32-bit targets. */
export const DEVICE_SLOT_BYTES = 16;
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Operations exposed to the meter, by row id; each runs on inputs prepared once. */
const ENTRY = `
import { decode as decodeMqtt } from "./src/mqtt/decode";
import { encodeInto as encodeMqttInto } from "./src/mqtt/encode";
import { PUBLISH, type Packet } from "./src/mqtt/packet";
import { MqttClient } from "./src/mqtt/client";
import { FakeBoard } from "./testkit/portable/fake-board";
import { connack } from "./testkit/portable/mqtt-wire";

const payload = new Uint8Array(64).map((_, i) => 32 + (i % 90));
const publish: Packet = { type: PUBLISH, topic: "home/office/lamp", payload, qos: 1, retain: false, dup: false, packetId: 4242 };
const buffer = new Uint8Array(256);
const encoded = buffer.slice(0, encodeMqttInto(publish, buffer, 0));

const operations: Record<string, () => unknown> = {
	none: () => undefined,
	"xs.mqtt.publish.encode": () => encodeMqttInto(publish, buffer, 0),
	"xs.mqtt.publish.decode": () => decodeMqtt(encoded),
};

const host = globalThis as unknown as Record<string, unknown>;
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

export async function xsRows(): Promise<Row[]> {
	const xs = new XsMachine();
	try {
		await xs.evaluate(await bundleForXs(ENTRY, ROOT));
		const rows: Row[] = [];
		for (const id of ["xs.mqtt.publish.encode", "xs.mqtt.publish.decode"]) {
			const { computrons, slots } = await perOperation(xs, id, 100);
			rows.push(row(id, "computrons/op", false, computrons, null, "deterministic"));
			rows.push(row(`${id}.bytes`, `bytes/op in ${DEVICE_SLOT_BYTES}-byte slots`, false, slots * DEVICE_SLOT_BYTES, null, id.endsWith("encode") ? "<= one output view (64)" : "no payload copy"));
		}
		const before = (await xs.evaluate("gc()")).meter.currentHeapCount;
		await xs.evaluate("connectClient(); dropWritten()");
		const after = (await xs.evaluate("gc()")).meter.currentHeapCount;
		rows.push(row("xs.client.heap", "slots for a client with 4 subscriptions, 8 QoS 1 in flight", false, after - before, null));
		return rows;
	} finally {
		await xs.close();
	}
}
