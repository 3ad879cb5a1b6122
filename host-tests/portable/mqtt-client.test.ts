/**
 * The MQTT client loop on a virtual clock: what it writes to the stream, when its
 * timers fire, and how it reconnects, with a FakeBoard in place of sockets and time.
 */
import { describe, it, check } from "./test-api";
import { text } from "./bytes";
import { FakeBoard } from "../../testkit/portable/fake-board";
import { asPublish, connack, packetsIn, publishBytes } from "../../testkit/portable/mqtt-wire";
import { MqttClient, type MqttClientOptions } from "../../src/mqtt/client";
import { encodeAny as encode } from "../../testkit/portable/mqtt-client-packets";
import { type PublishPacket } from "../../src/mqtt/packet";
import { CONNECT, DISCONNECT, PINGREQ, PUBACK, PUBLISH, SUBSCRIBE } from "../../testkit/portable/mqtt-types";
import { ProtocolError } from "../../src/common/errors";

function client(board: FakeBoard, options: Partial<MqttClientOptions> = {}) {
	const record = { connects: 0, messages: [] as PublishPacket[], disconnects: [] as (Error | undefined)[] };
	const mqtt = new MqttClient(board, {
		broker: { host: "127.0.0.1", port: 1883 },
		clientId: "c",
		cleanSession: true,
		keepAlive: 10,
		random: () => 0.5,
		onConnect: () => record.connects++,
		onMessage: (m) => record.messages.push(m),
		onDisconnect: (e) => record.disconnects.push(e),
		...options,
	});
	return { mqtt, record };
}

const flush = () => new Promise<void>((resolve) => resolve());

describe("MQTT client", () => {
	it("writes CONNECT and the queued PUBLISH in one write as soon as the stream opens", () => {
		const board = new FakeBoard();
		const { mqtt } = client(board);
		void mqtt.publish("t", "x", { qos: 1 });
		mqtt.start();
		const stream = board.lastStream;
		check(stream.written).toHaveLength(0);
		stream.accept();
		check(stream.written).toHaveLength(1);
		check(packetsIn(stream.takeWritten()).map((p) => p.type)).toEqual([CONNECT, PUBLISH]);
	});

	it("sends a burst of publishes made in one turn as a single write", async () => {
		const board = new FakeBoard();
		const { mqtt } = client(board);
		mqtt.start();
		const stream = board.lastStream;
		stream.accept();
		stream.deliver(connack());
		stream.takeWritten();
		for (let i = 0; i < 10; i++) void mqtt.publish("t", String(i), { qos: 1 });
		check(stream.written).toHaveLength(0);
		await flush();
		check(stream.written).toHaveLength(1);
		check(packetsIn(stream.takeWritten()).map((p) => asPublish(p).packetId)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
	});

	it("writes a burst as soon as a full segment of it is ready, the rest at the end of the turn", async () => {
		const board = new FakeBoard();
		const { mqtt } = client(board, { inflightWindow: 100 });
		mqtt.start();
		const stream = board.lastStream;
		stream.accept();
		stream.deliver(connack());
		stream.takeWritten();
		const payload = new Uint8Array(200);
		for (let i = 0; i < 20; i++) void mqtt.publish("t", payload, { qos: 1 });
		// 20 PUBLISHes of 207 bytes: a write each time 1460 bytes are waiting (every 8th).
		check(stream.written).toHaveLength(2);
		await flush();
		check(stream.written).toHaveLength(3);
		check(packetsIn(stream.takeWritten()).map((p) => asPublish(p).packetId)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
	});

	it("resolves a QoS 1 publish on PUBACK and delivers incoming messages", async () => {
		const board = new FakeBoard();
		const { mqtt, record } = client(board);
		mqtt.start();
		const stream = board.lastStream;
		stream.accept();
		stream.deliver(connack());
		check(record.connects).toBe(1);
		let acknowledged = false;
		const published = mqtt.publish("t", text("x"), { qos: 1 }).then(() => (acknowledged = true));
		await flush();
		const id = asPublish(packetsIn(stream.takeWritten()).find((p) => p.type === PUBLISH)).packetId ?? 0;
		await flush();
		check(acknowledged).toBe(false);
		stream.deliver(encode({ type: PUBACK, packetId: id }));
		await published;
		check(acknowledged).toBe(true);
		stream.deliver(publishBytes("cmd", text("on"), 0));
		check(record.messages.map((m) => m.topic)).toEqual(["cmd"]);
	});

	it("pings on its own timer and reconnects when the broker goes silent", () => {
		const board = new FakeBoard();
		const { mqtt, record } = client(board, { keepAlive: 10 });
		mqtt.start();
		const stream = board.lastStream;
		stream.accept();
		stream.deliver(connack());
		stream.takeWritten();
		board.advance(10_000);
		check(packetsIn(stream.takeWritten()).map((p) => p.type)).toEqual([PINGREQ]);
		board.advance(5_000);
		check(stream.closed).toBe(true);
		check((record.disconnects[0] as ProtocolError).code).toBe("KEEP_ALIVE_TIMEOUT");
		// Backoff: attempt 0 with random 0.5 waits 500 ms of the 1 s ceiling.
		check(board.streams).toHaveLength(1);
		board.advance(499);
		check(board.streams).toHaveLength(1);
		board.advance(1);
		check(board.streams).toHaveLength(2);
	});

	it("backs off exponentially with jitter while the broker refuses connections", () => {
		const board = new FakeBoard();
		const { mqtt } = client(board, { reconnectBase: 1000, reconnectCap: 8000 });
		mqtt.start();
		const gaps: number[] = [];
		for (let i = 0; i < 6; i++) {
			board.lastStream.drop(new Error("ECONNREFUSED"));
			const gap = board.nextTimerIn();
			if (gap === undefined) throw new Error("no reconnect scheduled");
			gaps.push(gap);
			board.advance(gap);
		}
		check(gaps).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
		check(mqtt.reconnectAttempt).toBe(6);
	});

	it("starts backoff afresh after a connection that stayed up, not after a flapping one", () => {
		const board = new FakeBoard();
		const { mqtt } = client(board, { reconnectBase: 1000, reconnectCap: 60_000, keepAlive: 0 });
		mqtt.start();
		for (let i = 0; i < 3; i++) {
			board.lastStream.drop(new Error("refused"));
			board.advance(board.nextTimerIn() ?? 0);
		}
		check(mqtt.reconnectAttempt).toBe(3);
		board.lastStream.accept();
		board.lastStream.deliver(connack());
		board.advance(1000);
		board.lastStream.drop();
		check(mqtt.reconnectAttempt).toBe(4);
		board.advance(board.nextTimerIn() ?? 0);
		board.lastStream.accept();
		board.lastStream.deliver(connack());
		board.advance(60_000);
		board.lastStream.drop();
		check(mqtt.reconnectAttempt).toBe(1);
	});

	it("resubscribes after a reconnect to a broker that lost the session", () => {
		const board = new FakeBoard();
		const { mqtt } = client(board, { cleanSession: true });
		void mqtt.subscribe([{ topic: "home/office/lamp", qos: 1 }]);
		mqtt.start();
		board.lastStream.accept();
		const first = packetsIn(board.lastStream.takeWritten());
		check(first.map((p) => p.type)).toEqual([CONNECT, SUBSCRIBE]);
		board.lastStream.deliver(connack());
		board.lastStream.deliver(new Uint8Array([0x90, 3, 0, 1, 1]));
		board.lastStream.drop();
		board.advance(board.nextTimerIn() ?? 0);
		board.lastStream.accept();
		check(packetsIn(board.lastStream.takeWritten()).map((p) => p.type)).toEqual([CONNECT]);
		board.lastStream.deliver(connack(false));
		check(packetsIn(board.lastStream.takeWritten()).map((p) => p.type)).toEqual([SUBSCRIBE]);
	});

	it("stop sends DISCONNECT, closes, rejects what waits and never reconnects", async () => {
		const board = new FakeBoard();
		const { mqtt, record } = client(board);
		mqtt.start();
		const stream = board.lastStream;
		stream.accept();
		stream.deliver(connack());
		stream.takeWritten();
		const pending = mqtt.publish("t", "x", { qos: 1 });
		await flush();
		stream.takeWritten();
		mqtt.stop();
		check(packetsIn(stream.takeWritten()).map((p) => p.type)).toEqual([DISCONNECT]);
		check(stream.closed).toBe(true);
		let rejected: ProtocolError | undefined;
		await pending.catch((e: ProtocolError) => (rejected = e));
		check(rejected?.code).toBe("CLOSED");
		check(record.disconnects).toEqual([undefined]);
		board.advance(600_000);
		check(board.streams).toHaveLength(1);
		check(board.pendingTimers).toBe(0);
	});

	it("closes on a malformed packet and reconnects with backoff, without crashing", () => {
		const board = new FakeBoard();
		const { mqtt, record } = client(board);
		mqtt.start();
		board.lastStream.accept();
		board.lastStream.deliver(connack());
		board.lastStream.deliver(new Uint8Array([0x36, 0x00]));
		check(board.lastStream.closed).toBe(true);
		check((record.disconnects[0] as ProtocolError).code).toBe("MALFORMED_PACKET");
		board.advance(board.nextTimerIn() ?? 0);
		check(board.streams).toHaveLength(2);
	});

	it("rejects a publish to an invalid topic or over the maximum size at once, sending nothing", async () => {
		const board = new FakeBoard();
		const { mqtt } = client(board, { maxPacketSize: 64 });
		mqtt.start();
		board.lastStream.accept();
		board.lastStream.takeWritten();
		const wildcard = await mqtt.publish("a/#", "x").catch((e: ProtocolError) => e);
		check((wildcard as ProtocolError).code).toBe("INVALID_TOPIC");
		const large = await mqtt.publish("a", new Uint8Array(100), { qos: 1 }).catch((e: ProtocolError) => e);
		check((large as ProtocolError).code).toBe("PACKET_TOO_LARGE");
		check(board.lastStream.written).toHaveLength(0);
	});

	it("rejects each kind of bad publish with its typed error and writes nothing, at every QoS", async () => {
		const board = new FakeBoard();
		const { mqtt } = client(board, { maxPacketSize: 70_000 });
		mqtt.start();
		board.lastStream.accept();
		board.lastStream.deliver(connack());
		board.lastStream.takeWritten();
		const cases: [string, Uint8Array, string][] = [
			["a/+/c", new Uint8Array(1), "INVALID_TOPIC"],
			["#", new Uint8Array(1), "INVALID_TOPIC"],
			["", new Uint8Array(1), "INVALID_TOPIC"],
			["t".repeat(65_536), new Uint8Array(1), "INVALID_TOPIC"],
			["t", new Uint8Array(70_000), "PACKET_TOO_LARGE"],
		];
		for (const qos of [0, 1, 2] as const)
			for (const [topic, payload, code] of cases) {
				const error = await mqtt.publish(topic, payload, { qos }).catch((e: ProtocolError) => e);
				check(error).toBeInstanceOf(ProtocolError);
				check((error as ProtocolError).code).toBe(code);
			}
		board.advance(1);
		check(board.lastStream.written).toHaveLength(0);
		check(mqtt.status).toBe("online");
	});
});
