/**
 * A dead link must not look alive (issue 14): a broker that stops reading while its own
 * bytes still arrive, a PINGREQ that is never answered while PUBLISHes keep coming, and a
 * packet dripped a byte at a time each end the connection within 1.5 x keep-alive, with
 * a typed error. And a peer that is only slow is left alone. On the fake board's clock.
 */
import { describe, it, check } from "./test-api";
import { text } from "./bytes";
import { FakeBoard, type FakeStream } from "../../testkit/portable/fake-board";
import { connack, packetsIn, publishBytes } from "../../testkit/portable/mqtt-wire";
import { MqttClient, type MqttClientOptions } from "../../src/mqtt/client";
import { encodeAny as encode } from "../../testkit/portable/mqtt-client-packets";
import { PINGREQ, PINGRESP } from "../../testkit/portable/mqtt-types";
import type { ProtocolError } from "../../src/common/errors";

const KEEP_ALIVE_S = 10;
const LIMIT_MS = KEEP_ALIVE_S * 1500;

function connected(options: Partial<MqttClientOptions> = {}) {
	const board = new FakeBoard();
	const record = { disconnects: [] as { at: number; code: string }[], messages: 0 };
	const mqtt = new MqttClient(board, {
		broker: { host: "127.0.0.1", port: 1883 },
		clientId: "c",
		cleanSession: true,
		keepAlive: KEEP_ALIVE_S,
		random: () => 0.5,
		onMessage: () => record.messages++,
		onDisconnect: (e) => record.disconnects.push({ at: board.now(), code: (e as ProtocolError | undefined)?.code ?? "none" }),
		...options,
	});
	mqtt.start();
	const stream = board.lastStream;
	stream.accept();
	stream.deliver(connack());
	stream.takeWritten();
	return { board, mqtt, stream, record };
}

/** Runs the clock for `ms` in steps of `step`, calling `each` after every step while the first stream is open. */
function run(board: FakeBoard, stream: FakeStream, ms: number, step: number, each: () => void): void {
	for (let t = 0; t < ms; t += step) {
		board.advance(step);
		if (!stream.closed) each();
	}
}

/** The broker side that still works: it answers every PINGREQ it reads. */
function answerPings(stream: FakeStream): void {
	for (const packet of packetsIn(stream.takeWritten())) if (packet.type === PINGREQ) stream.deliver(encode({ type: PINGRESP }));
}

describe("MQTT link liveness", () => {
	it("ends the link with WRITE_STALLED when the broker stops reading, though its PUBLISHes still arrive", () => {
		const { board, mqtt, stream, record } = connected();
		const stalledAt = board.now();
		stream.stopReading = true;
		let most = 0;
		run(board, stream, 3 * LIMIT_MS, 100, () => {
			void mqtt.publish("t", "reading", { qos: 0 });
			stream.deliver(publishBytes("cmd", text("on"), 0));
			most = Math.max(most, stream.unwritten);
		});
		check(record.messages).toBeGreaterThan(0);
		check(record.disconnects[0]?.code).toBe("WRITE_STALLED");
		check(record.disconnects[0].at - stalledAt).toBeLessThanOrEqual(LIMIT_MS);
		check(stream.discarded).toBe(true);
		// The backlog was bounded by the cap, and the client went on to a new connection.
		check(most).toBeLessThanOrEqual(2 * 8192);
		check(board.streams.length).toBeGreaterThan(1);
	});

	it("ends the link at once when the unwritten bytes pass the cap", async () => {
		const { board, mqtt, stream, record } = connected({ maxUnwritten: 1000 });
		stream.stopReading = true;
		const payload = new Uint8Array(300);
		for (let i = 0; i < 3; i++) {
			void mqtt.publish("t", payload, { qos: 0 });
			await Promise.resolve();
		}
		check(record.disconnects).toHaveLength(0);
		check(stream.unwritten).toBeLessThanOrEqual(1000);
		void mqtt.publish("t", payload, { qos: 0 });
		await Promise.resolve();
		check(record.disconnects.map((d) => d.code)).toEqual(["WRITE_STALLED"]);
		check(stream.closed && stream.discarded).toBe(true);
		check(board.now()).toBe(0);
	});

	it("ends the link with KEEP_ALIVE_TIMEOUT when PINGREQ goes unanswered while PUBLISHes keep coming", () => {
		const { board, stream, record } = connected();
		let pings = 0;
		run(board, stream, 3 * LIMIT_MS, 1000, () => {
			pings += packetsIn(stream.takeWritten()).filter((p) => p.type === PINGREQ).length;
			stream.deliver(publishBytes("cmd", text("on"), 0));
		});
		check(pings).toBe(1);
		check(record.disconnects[0]?.code).toBe("KEEP_ALIVE_TIMEOUT");
		check(record.disconnects[0].at).toBeLessThanOrEqual(LIMIT_MS);
	});

	it("ends the link with KEEP_ALIVE_TIMEOUT when a packet drips in a byte every 2 s", () => {
		const { board, stream, record } = connected();
		const packet = publishBytes("cmd", new Uint8Array(100), 0);
		let sent = 0;
		run(board, stream, 3 * LIMIT_MS, 2000, () => {
			if (sent < packet.length) stream.deliver(packet.subarray(sent, ++sent));
		});
		check(sent).toBeLessThan(packet.length);
		check(record.disconnects[0]?.code).toBe("KEEP_ALIVE_TIMEOUT");
		check(record.disconnects[0].at).toBeLessThanOrEqual(LIMIT_MS);
	});

	it("keeps a link whose broker reads late but drains, and answers its pings", () => {
		const { board, mqtt, stream, record } = connected();
		let t = 0;
		run(board, stream, 20 * LIMIT_MS, 500, () => {
			t += 500;
			// Deaf for 4 s of every 8: each backlog drains well inside the keep-alive.
			const reading = t % 8000 >= 4000;
			if (reading) stream.resumeReading();
			else stream.stopReading = true;
			void mqtt.publish("t", "slow", { qos: 0 });
			if (reading) answerPings(stream);
		});
		check(record.disconnects).toEqual([]);
		check(board.streams).toHaveLength(1);
	});
});
