/**
 * Bad input at the gateway: truncated, length-mismatched, oversized and unknown datagrams
 * are dropped and counted, unknown clients are told DISCONNECT, and the gateway goes on
 * answering SEARCHGW. Real UDP on 127.0.0.1; no broker is needed for any of it.
 */
import dgram from "node:dgram";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decode } from "../../src/mqttsn/encode";
import { encode } from "../../testkit/portable/mqttsn-encode";
import * as sn from "../../src/mqttsn/packet";
import { MqttSnGateway } from "../../tools/mqttsn-gateway/gateway";
import { waitFor } from "../../testkit/wait-for";

let gateway: MqttSnGateway;
let socket: dgram.Socket;
const replies: sn.Message[] = [];

beforeAll(async () => {
	gateway = await MqttSnGateway.start({ broker: "mqtt://127.0.0.1:9", gwId: 4, maxPacketSize: 64 });
	socket = dgram.createSocket("udp4");
	socket.on("message", (bytes) => replies.push(decode(new Uint8Array(bytes))));
	await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
});
afterAll(async () => {
	socket.close();
	await gateway.close();
});

const send = (bytes: Uint8Array) => new Promise<void>((resolve) => socket.send(bytes, gateway.port, "127.0.0.1", () => resolve()));

describe("MQTT-SN gateway: bad input", () => {
	it("drops and counts datagrams it cannot read, and still answers SEARCHGW", async () => {
		const junk = [
			new Uint8Array([]), // nothing
			new Uint8Array([5, sn.MsgType.PINGREQ]), // Length says 5, 2 arrived
			new Uint8Array([2, 0x1f]), // reserved message type
			new Uint8Array([1, 0, 100, sn.MsgType.PUBLISH]), // 3-octet Length that does not match
			new Uint8Array(100).fill(1, 0, 1), // over the gateway's 64-byte maximum
		];
		for (const bytes of junk) await send(bytes);
		await waitFor(() => gateway.stats.dropped === junk.length, { what: "every junk datagram dropped and counted", deadline: 2000 });
		await send(encode({ type: sn.MsgType.SEARCHGW, radius: 1 }));
		await waitFor(() => replies.some((r) => r.type === sn.MsgType.GWINFO), { what: "GWINFO", deadline: 2000 });
		expect(replies.find((r) => r.type === sn.MsgType.GWINFO)).toEqual({ type: sn.MsgType.GWINFO, gwId: 4 });
		expect(gateway.stats.received).toBe(junk.length + 1);
	});

	it("tells a client it does not know to DISCONNECT, and refuses QoS -1 to a topic that is neither predefined nor short", async () => {
		replies.length = 0;
		await send(encode({ type: sn.MsgType.REGISTER, topicId: 0, msgId: 1, topicName: "a/b" }));
		await waitFor(() => replies.some((r) => r.type === sn.MsgType.DISCONNECT), { what: "DISCONNECT to the unknown client", deadline: 2000 });
		await send(encode({ type: sn.MsgType.PUBLISH, dup: false, qos: -1, retain: false, topicIdType: sn.TopicIdType.NORMAL, topicId: 1, msgId: 0, data: new Uint8Array([1]) }));
		await waitFor(() => gateway.stats.refusedWithoutConnection === 1, { what: "one refused without a connection", deadline: 2000 });
		expect(gateway.stats.publishedWithoutConnection).toBe(0);
	});
});
