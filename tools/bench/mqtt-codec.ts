/**
 * MQTT codec rows: our encode + decode against mqtt-packet's generate + parse on the
 * same packets (the codec MQTT.js and aedes use), each encoded as the firmware does: a
 * PUBLISH written into a reused buffer, as the session writes a QoS 0 one into its
 * transmit chunk (its topic field cached); CONNECT and SUBSCRIBE by `encodeInto`, which
 * the session points at that chunk, here at a reused buffer. mqtt-packet's generate
 * allocates from Node's Buffer pool.
 */
import mqttPacket from "mqtt-packet";
// CONNECT and SUBSCRIBE are decoded by the tests' broker side: the firmware never reads them.
import { decodeAny as decode } from "../../testkit/portable/mqtt-client-packets";
import { encodeInto, writePublish } from "../../src/mqtt/codec";
import type { ClientPacket, EncodedPacket, Transmit } from "../../src/mqtt/packet";
import { TopicCache } from "../../src/mqtt/topic";
import type { PublishPacket } from "../../src/mqtt/packet";
import { CONNECT, PUBLISH, SUBSCRIBE } from "../../testkit/portable/mqtt-types";
import { encodeUtf8 } from "../../src/common/utf8";
import { toOracle } from "../../host-tests/unit/mqtt-packet-oracle";
import { interleaved, opsPerSecond, row, type BenchOptions, type Row } from "./measure";

const payload = new Uint8Array(64).map((_, i) => 32 + (i % 90));

export const PACKETS: Record<string, ClientPacket> = {
	"mqtt.publish.codec": { type: PUBLISH, topic: "home/office/lamp", payload, qos: 1, retain: false, dup: false, packetId: 4242 },
	"mqtt.connect.codec": {
		type: CONNECT,
		clientId: "lampnode-office-1",
		cleanSession: false,
		keepAlive: 60,
		will: { topic: "home/office/lamp/status", payload: encodeUtf8("offline"), qos: 1, retain: true },
		username: "lamp",
		password: encodeUtf8("correct-horse-battery-staple"),
	},
	"mqtt.subscribe.codec": {
		type: SUBSCRIBE,
		packetId: 7,
		subscriptions: [
			{ topic: "home/office/lamp", qos: 1 },
			{ topic: "home/+/dht22", qos: 0 },
			{ topic: "lampnode/lampnode-office-1/#", qos: 2 },
		],
	},
};

export async function mqttCodecRows(options: BenchOptions): Promise<Row[]> {
	const rows: Row[] = [];
	for (const [id, packet] of Object.entries(PACKETS)) {
		const oracle = toOracle(packet);
		const parser = mqttPacket.parser({ protocolVersion: 4 });
		let parsed = 0;
		parser.on("packet", () => parsed++);
		const ours = packet.type === PUBLISH ? publishWriter(packet) : chunkWriter(packet as EncodedPacket);
		const theirs = () => {
			parser.parse(mqttPacket.generate(oracle));
		};
		// Both sides must work on these inputs before they are timed.
		ours();
		theirs();
		if (parsed !== 1) throw new Error(`mqtt-packet did not parse the ${id} packet`);
		const result = await interleaved(options.runs, () => opsPerSecond(ours, options.ms), () => opsPerSecond(theirs, options.ms));
		rows.push(row(id, "encode+decode ops/s", true, result.ours, result.baseline, ">= 5"));
	}
	return rows;
}

/** Writes and decodes `packet` the way the session's PUBLISH path does (session.ts publish). */
function publishWriter(packet: PublishPacket): () => void {
	const topics = new TopicCache();
	const buffer = new Uint8Array(1024);
	const first = 0x30 | (packet.qos << 1) | (packet.retain ? 1 : 0);
	return () => {
		const field = topics.field(packet.topic);
		const remaining = field.length + packet.payload.length + (packet.qos ? 2 : 0);
		writePublish(buffer, 0, first, remaining, field, packet.packetId ?? 0, packet.payload);
		decode(buffer.subarray(0, 2 + remaining));
	};
}

/** Writes and decodes `packet` as the session writes CONNECT and SUBSCRIBE: into its transmit chunk (link.ts). */
function chunkWriter(packet: EncodedPacket): () => void {
	const buffer = new Uint8Array(1024);
	let size = 0;
	const chunk: Transmit = { offset: 0, reserve: () => buffer, commit: (n) => void (size = n) };
	return () => {
		encodeInto(packet, chunk);
		decode(buffer.subarray(0, size));
	};
}
