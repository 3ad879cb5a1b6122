/**
 * MQTT codec rows: our encode + decode against mqtt-packet's generate + parse on the
 * same packets (the codec MQTT.js and aedes use). Ours encodes into a reused buffer
 * (encodeInto), the way the firmware's steady state is meant to run; mqtt-packet has no
 * such mode, and its generate allocates from Node's Buffer pool.
 */
import mqttPacket from "mqtt-packet";
// CONNECT and SUBSCRIBE are decoded by the tests' broker side: the firmware never reads them.
import { decodeAny as decode } from "../../testkit/portable/mqtt-client-packets";
import { encodeInto } from "../../src/mqtt/encode";
import { type Packet } from "../../src/mqtt/packet";
import { CONNECT, PUBLISH, SUBSCRIBE } from "../../testkit/portable/mqtt-types";
import { encodeUtf8 } from "../../src/common/utf8";
import { toOracle } from "../../host-tests/unit/mqtt-packet-oracle";
import { interleaved, opsPerSecond, row, type BenchOptions, type Row } from "./measure";

const payload = new Uint8Array(64).map((_, i) => 32 + (i % 90));

export const PACKETS: Record<string, Packet> = {
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
		const buffer = new Uint8Array(1024);
		const ours = () => {
			decode(buffer.subarray(0, encodeInto(packet, buffer, 0)));
		};
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
