/**
 * The MQTT-SN client loop on a FakeBoard: the UDP endpoint it opens, the datagrams it
 * sends, its timers on the virtual clock, reconnecting, sleeping and stopping.
 */
import { describe, it, check } from "./test-api";
import { text } from "./bytes";
import { FakeBoard, type FakeDatagram } from "../../testkit/portable/fake-board";
import { MqttSnClient, type MqttSnClientOptions } from "../../src/mqttsn/client";
import { decode } from "../../src/mqttsn/encode";
import { encode } from "../../testkit/portable/mqttsn-encode";
import * as sn from "../../src/mqttsn/packet";
import { shortTopicId } from "../../src/mqttsn/topic-registry";
import type { ReceivedMessage } from "../../src/mqttsn/session";
import { decodeSessionState } from "../../src/mqttsn/state";
import type { ProtocolError } from "../../src/common/errors";

const GATEWAY_PORT = 10_000;

function client(board: FakeBoard, options: Partial<MqttSnClientOptions> = {}) {
	const record = { connects: 0, asleep: 0, messages: [] as ReceivedMessage[], disconnects: [] as (Error | undefined)[] };
	const mqttsn = new MqttSnClient(board, {
		gateway: { host: "gateway.local", port: GATEWAY_PORT },
		clientId: "lamp",
		cleanSession: true,
		keepAlive: 60,
		tRetry: 1000,
		nRetry: 2,
		random: () => 0.5,
		onConnect: () => record.connects++,
		onMessage: (m) => record.messages.push(m),
		onDisconnect: (e) => record.disconnects.push(e),
		onAsleep: () => record.asleep++,
		...options,
	});
	return { mqttsn, record };
}

/** Starts the client and lets the endpoint become ready; returns the endpoint. */
function started(board: FakeBoard, mqttsn: MqttSnClient): FakeDatagram {
	mqttsn.start();
	board.advance(0);
	return board.lastDatagram;
}

function sentTypes(datagram: FakeDatagram): number[] {
	return datagram.takeSent().map((d) => decode(d.bytes).type);
}

function fromGateway(datagram: FakeDatagram, message: sn.Message): void {
	datagram.deliver(encode(message), "127.0.0.1", GATEWAY_PORT);
}

const flush = () => new Promise<void>((resolve) => resolve());

describe("MQTT-SN client", () => {
	it("resolves the gateway, sends CONNECT there once the endpoint is ready, and reports the connection", () => {
		const board = new FakeBoard();
		const { mqttsn, record } = client(board);
		mqttsn.start();
		const datagram = board.lastDatagram;
		check(datagram.sent).toHaveLength(0);
		board.advance(0);
		const [connect] = datagram.takeSent();
		check(decode(connect.bytes).type).toBe(sn.MsgType.CONNECT);
		check([connect.address, connect.port]).toEqual(["127.0.0.1", GATEWAY_PORT]);
		fromGateway(datagram, { type: sn.MsgType.CONNACK, returnCode: 0 });
		check(record.connects).toBe(1);
		check(mqttsn.status).toBe("active");
	});

	it("resolves a QoS 1 publish on PUBACK, retransmitting on its own timer meanwhile", async () => {
		const board = new FakeBoard();
		const { mqttsn } = client(board);
		const datagram = started(board, mqttsn);
		fromGateway(datagram, { type: sn.MsgType.CONNACK, returnCode: 0 });
		datagram.takeSent();
		let acknowledged = false;
		const published = mqttsn.publish("ab", "on", { qos: 1 }).then(() => (acknowledged = true));
		const first = decode(datagram.takeSent()[0].bytes) as sn.PublishMessage;
		board.advance(1000);
		const again = decode(datagram.takeSent()[0].bytes) as sn.PublishMessage;
		check([again.dup, again.msgId]).toEqual([true, first.msgId]);
		await flush();
		check(acknowledged).toBe(false);
		fromGateway(datagram, { type: sn.MsgType.PUBACK, topicId: first.topicId, msgId: first.msgId, returnCode: 0 });
		await published;
		check(acknowledged).toBe(true);
	});

	it("delivers incoming messages and ignores datagrams from anyone but the gateway", () => {
		const board = new FakeBoard();
		const { mqttsn, record } = client(board);
		const datagram = started(board, mqttsn);
		fromGateway(datagram, { type: sn.MsgType.CONNACK, returnCode: 0 });
		const publish: sn.Message = { type: sn.MsgType.PUBLISH, dup: false, qos: 0, retain: false, topicIdType: sn.TopicIdType.SHORT, topicId: shortTopicId("ab"), msgId: 0, data: text("on") };
		datagram.deliver(encode(publish), "127.0.0.1", 9999);
		datagram.deliver(new Uint8Array([9, 9, 9]), "127.0.0.1", GATEWAY_PORT);
		fromGateway(datagram, publish);
		check(record.messages.map((m) => m.topic)).toEqual(["ab"]);
		check(mqttsn.session.dropped.foreign).toBe(1);
		check(mqttsn.session.dropped.malformed).toBe(1);
	});

	it("drops datagrams from a foreign port before decoding them (garbage, 10 0c, a forged CONNACK): counted, no state change", () => {
		const board = new FakeBoard();
		const { mqttsn, record } = client(board);
		const datagram = started(board, mqttsn);
		check(sentTypes(datagram)).toEqual([sn.MsgType.CONNECT]);
		for (const bytes of [new Uint8Array([0xde, 0xad, 0xbe]), new Uint8Array([0x10, 0x0c]), encode({ type: sn.MsgType.CONNACK, returnCode: 0 })])
			datagram.deliver(bytes, "127.0.0.1", GATEWAY_PORT + 1);
		datagram.deliver(encode({ type: sn.MsgType.CONNACK, returnCode: 0 }), "10.9.9.9", GATEWAY_PORT);
		// Never decoded: the malformed ones are counted as foreign, not malformed, and the forged CONNACK did nothing.
		check(mqttsn.session.dropped).toEqual({ malformed: 0, oversized: 0, unknownType: 0, foreign: 4, unexpected: 0, overflow: 0 });
		check([mqttsn.status, record.connects, record.disconnects.length, datagram.sent.length]).toEqual(["connecting", 0, 0, 0]);
		fromGateway(datagram, { type: sn.MsgType.CONNACK, returnCode: 0 });
		check([mqttsn.status, record.connects]).toEqual(["active", 1]);
	});

	it("takes the 2-byte datagram 10 0c from the gateway itself as a counted malformed datagram, and goes on", () => {
		const board = new FakeBoard();
		const { mqttsn, record } = client(board);
		const datagram = started(board, mqttsn);
		fromGateway(datagram, { type: sn.MsgType.CONNACK, returnCode: 0 });
		datagram.deliver(new Uint8Array([0x10, 0x0c]), "127.0.0.1", GATEWAY_PORT);
		check([mqttsn.session.dropped.malformed, mqttsn.session.dropped.foreign, mqttsn.status, record.disconnects.length]).toEqual([1, 0, "active", 0]);
		const publish: sn.Message = { type: sn.MsgType.PUBLISH, dup: false, qos: 0, retain: false, topicIdType: sn.TopicIdType.SHORT, topicId: shortTopicId("ab"), msgId: 0, data: text("on") };
		fromGateway(datagram, publish);
		check(record.messages.map((m) => m.topic)).toEqual(["ab"]);
	});

	it("connects again with backoff after the gateway is lost", () => {
		const board = new FakeBoard();
		const { mqttsn, record } = client(board, { reconnectBase: 1000 });
		const datagram = started(board, mqttsn);
		check(sentTypes(datagram)).toEqual([sn.MsgType.CONNECT]);
		board.advance(3000);
		check(sentTypes(datagram)).toEqual([sn.MsgType.CONNECT, sn.MsgType.CONNECT]);
		check((record.disconnects[0] as ProtocolError).code).toBe("GATEWAY_LOST");
		// Backoff attempt 0 with random 0.5: 500 ms of the 1 s ceiling.
		board.advance(499);
		check(datagram.sent).toHaveLength(0);
		board.advance(1);
		check(sentTypes(datagram)).toEqual([sn.MsgType.CONNECT]);
	});

	it("reports an unresolvable gateway host and tries again", () => {
		const board = new FakeBoard();
		const { mqttsn, record } = client(board, { gateway: { host: "unknown.invalid", port: 1 } });
		started(board, mqttsn);
		check((record.disconnects[0] as ProtocolError).code).toBe("GATEWAY_LOST");
		check(board.pendingTimers).toBe(1);
	});

	it("sleeps, collects buffered messages, and exports a state that restores asleep", async () => {
		const board = new FakeBoard();
		const { mqttsn, record } = client(board);
		const datagram = started(board, mqttsn);
		fromGateway(datagram, { type: sn.MsgType.CONNACK, returnCode: 0 });
		datagram.takeSent();
		const asleep = mqttsn.sleep(600);
		check(sentTypes(datagram)).toEqual([sn.MsgType.DISCONNECT]);
		fromGateway(datagram, { type: sn.MsgType.DISCONNECT });
		await asleep;
		check(record.asleep).toBe(1);
		check(board.pendingTimers).toBe(0);
		const collected = mqttsn.checkMessages();
		check(sentTypes(datagram)).toEqual([sn.MsgType.PINGREQ]);
		fromGateway(datagram, { type: sn.MsgType.PUBLISH, dup: false, qos: 0, retain: false, topicIdType: sn.TopicIdType.SHORT, topicId: shortTopicId("ab"), msgId: 0, data: text("x") });
		fromGateway(datagram, { type: sn.MsgType.PINGRESP });
		await collected;
		check(record.messages).toHaveLength(1);
		check(decodeSessionState(mqttsn.exportState()).asleep).toBe(true);
	});

	it("restored asleep, collects messages asked for before its endpoint is ready, without connecting", async () => {
		const board = new FakeBoard();
		const first = client(board);
		const datagram = started(board, first.mqttsn);
		fromGateway(datagram, { type: sn.MsgType.CONNACK, returnCode: 0 });
		const asleep = first.mqttsn.sleep(600);
		fromGateway(datagram, { type: sn.MsgType.DISCONNECT });
		await asleep;
		const saved = first.mqttsn.exportState();

		const woken = new FakeBoard();
		const { mqttsn, record } = client(woken, { state: decodeSessionState(saved) });
		mqttsn.start();
		const collected = mqttsn.checkMessages();
		const endpoint = woken.lastDatagram;
		check(endpoint.sent).toHaveLength(0);
		woken.advance(0);
		check(sentTypes(endpoint)).toEqual([sn.MsgType.PINGREQ]);
		fromGateway(endpoint, { type: sn.MsgType.PINGRESP });
		await collected;
		check(mqttsn.status).toBe("asleep");
		check(record.connects).toBe(0);
	});

	it("stop sends DISCONNECT, closes the endpoint, rejects what waits and sets no timer", async () => {
		const board = new FakeBoard();
		const { mqttsn, record } = client(board);
		const datagram = started(board, mqttsn);
		fromGateway(datagram, { type: sn.MsgType.CONNACK, returnCode: 0 });
		datagram.takeSent();
		const pending = mqttsn.publish("ab", "x", { qos: 1 });
		datagram.takeSent();
		mqttsn.stop();
		check(sentTypes(datagram)).toEqual([sn.MsgType.DISCONNECT]);
		check(datagram.closed).toBe(true);
		let rejected: ProtocolError | undefined;
		await pending.catch((e: ProtocolError) => (rejected = e));
		check(rejected?.code).toBe("CLOSED");
		check(record.disconnects).toEqual([undefined]);
		board.advance(600_000);
		check(board.pendingTimers).toBe(0);
		check(mqttsn.session.exportState().outgoing).toHaveLength(1);
	});

	it("rejects an invalid publish at once", async () => {
		const board = new FakeBoard();
		const { mqttsn } = client(board);
		const error = await mqttsn.publish("a/+", "x").catch((e: ProtocolError) => e);
		check((error as ProtocolError).code).toBe("INVALID_TOPIC");
	});
});
