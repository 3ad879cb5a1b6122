/**
 * The lamp over MQTT-SN: its configuration keys, and the whole application on a FakeBoard
 * with the test playing the gateway (will prompts, registrations, the lamp switching).
 */
import { describe, it, check } from "./test-api";
import { expectConfigError } from "./errors";
import { text } from "./bytes";
import { FakeBoard, type FakeDatagram } from "../../testkit/portable/fake-board";
import { settle } from "../../testkit/portable/device-board";
import type { MqttSnFirmwareConfig } from "../../src/app/config";
import { parseConfig } from "../../src/app/firmware";
import { startFirmware } from "../../src/app/firmware";
import { decode } from "../../src/mqttsn/encode";
import { encode } from "../../testkit/portable/mqttsn-encode";
import * as sn from "../../src/mqttsn/packet";

function mqttsnConfig(raw: Record<string, unknown>): MqttSnFirmwareConfig["mqttsn"] {
	const config = parseConfig({ protocol: "mqttsn", ...raw }, { wifi: false });
	if (config.protocol !== "mqttsn") throw new Error("expected the mqttsn protocol");
	return config.mqttsn;
}

describe("Config: MQTT-SN", () => {
	it("defaults to discovery by broadcast on port 1883 and the specification's timers", () => {
		const config = mqttsnConfig({});
		check(config.gateway).toBeUndefined();
		check(config.searchGw).toEqual({ address: "255.255.255.255", port: 1883, radius: 1 });
		check([config.tRetry, config.nRetry, config.tWait]).toEqual([10_000, 5, 300_000]);
		check([config.keepAlive, config.qos, config.cleanSession, config.localPort]).toEqual([60, 1, true, 0]);
		check(config.predefinedTopics).toEqual({});
	});

	it("reads a gateway, a search address, predefined topics and timers", () => {
		const config = mqttsnConfig({
			gateway: "udp://gw.local:10000",
			gatewaySearch: "udp://192.168.1.255",
			searchRadius: "3",
			mqttsnPort: "1884",
			predefinedTopics: "home/temp=1, home/humidity = 2",
			tRetry: "250",
			nRetry: "10",
			clientId: "lamp-1",
		});
		check(config.gateway).toEqual({ host: "gw.local", port: 10_000 });
		check(config.searchGw).toEqual({ address: "192.168.1.255", port: 1883, radius: 3 });
		check(config.localPort).toBe(1884);
		check(config.predefinedTopics).toEqual({ "home/temp": 1, "home/humidity": 2 });
		check([config.tRetry, config.nRetry, config.clientId]).toEqual([250, 10, "lamp-1"]);
	});

	it("names the key and the expected form for bad values", () => {
		for (const gateway of ["mqtt://x", "udp://", "udp://h:0", "h:1883"]) expectConfigError(() => mqttsnConfig({ gateway }), "gateway");
		expectConfigError(() => mqttsnConfig({ gatewaySearch: "udp://broadcast.local" }), "gatewaySearch");
		for (const predefinedTopics of ["a", "a=0", "a=65535", "a=1,b=1", "a/#=3", "=4", "a=x"]) expectConfigError(() => mqttsnConfig({ predefinedTopics }), "predefinedTopics");
		expectConfigError(() => mqttsnConfig({ clientId: "a-client-id-of-24-chars!" }), "clientId");
		expectConfigError(() => mqttsnConfig({ cleanSession: false }), "clientId");
		expectConfigError(() => mqttsnConfig({ nRetry: -1 }), "nRetry");
		expectConfigError(() => mqttsnConfig({ maxPacketSize: 70_000 }), "maxPacketSize");
	});
});

/** The test's side of the UDP link: what the firmware sent, and answers from the gateway. */
class GatewaySide {
	constructor(readonly datagram: FakeDatagram) {}
	take(): sn.Message[] {
		return this.datagram.takeSent().map((d) => decode(d.bytes));
	}
	send(message: sn.Message): void {
		this.datagram.deliver(encode(message), "127.0.0.1", 10_000);
	}
	/** Answers every REGISTER in `messages` with `firstId`, `firstId + 1`, ...; returns the names in order. */
	register(messages: sn.Message[], firstId: number): string[] {
		const names: string[] = [];
		for (const m of messages)
			if (m.type === sn.MsgType.REGISTER) {
				this.send({ type: sn.MsgType.REGACK, topicId: firstId + names.length, msgId: m.msgId, returnCode: 0 });
				names.push(m.topicName);
			}
		return names;
	}
}

describe("Lamp over MQTT-SN", () => {
	it("connects with the will, subscribes, publishes status and state, and switches on a command", async () => {
		const board = new FakeBoard();
		startFirmware(board, { protocol: "mqttsn", gateway: "udp://127.0.0.1:10000", lampPin: 4, clientId: "lamp", qos: "1" }, { wifi: false });
		board.advance(0);
		const gateway = new GatewaySide(board.lastDatagram);
		check(gateway.take()).toEqual([{ type: sn.MsgType.CONNECT, will: true, cleanSession: true, duration: 60, clientId: "lamp" }]);
		gateway.send({ type: sn.MsgType.WILLTOPICREQ });
		check(gateway.take()).toEqual([{ type: sn.MsgType.WILLTOPIC, qos: 1, retain: true, willTopic: "home/office/lamp/status" }]);
		gateway.send({ type: sn.MsgType.WILLMSGREQ });
		check(gateway.take()).toEqual([{ type: sn.MsgType.WILLMSG, willMsg: text("offline") }]);
		gateway.send({ type: sn.MsgType.CONNACK, returnCode: 0 });

		const [subscribe] = gateway.take();
		if (subscribe.type !== sn.MsgType.SUBSCRIBE) throw new Error("expected SUBSCRIBE first");
		check(subscribe.topic).toEqual({ topicIdType: sn.TopicIdType.NORMAL, topicName: "home/office/lamp" });
		gateway.send({ type: sn.MsgType.SUBACK, qos: 1, topicId: 1, msgId: subscribe.msgId, returnCode: 0 });

		// "online" on the status topic, then "off" on the state topic, each registered first.
		const published: string[] = [];
		for (let id = 2; id <= 3; id++) {
			const registered = gateway.register(gateway.take(), id);
			const [publish] = gateway.take();
			if (publish.type !== sn.MsgType.PUBLISH) throw new Error("expected PUBLISH");
			check([publish.topicId, publish.retain, publish.qos]).toEqual([id, true, 1]);
			published.push(`${registered[0]}=${String.fromCharCode(...publish.data)}`);
			gateway.send({ type: sn.MsgType.PUBACK, topicId: id, msgId: publish.msgId, returnCode: 0 });
		}
		check(published).toEqual(["home/office/lamp/status=online", "home/office/lamp/state=off"]);
		// Then the health report, retained at QoS 0 (lamp-app.ts).
		const [health] = gateway.register(gateway.take(), 4);
		const [report] = gateway.take();
		if (report.type !== sn.MsgType.PUBLISH) throw new Error("expected the health PUBLISH");
		check([health, report.topicId, report.retain, report.qos]).toEqual(["home/office/lamp/health", 4, true, 0]);
		check(JSON.parse(String.fromCharCode(...report.data)).fw).toBe("unknown");
		check(board.events("connected")).toHaveLength(1);
		// The acknowledged "off" frees the state's one slot (LatestValue, lamp-app.ts) once its promise settles.
		await settle();

		gateway.send({ type: sn.MsgType.PUBLISH, dup: false, qos: 1, retain: false, topicIdType: sn.TopicIdType.NORMAL, topicId: 1, msgId: 500, data: text("on") });
		check(board.outputs.get(4)).toBe(1);
		const [ack, state] = gateway.take();
		check(ack).toEqual({ type: sn.MsgType.PUBACK, topicId: 1, msgId: 500, returnCode: 0 });
		if (state.type !== sn.MsgType.PUBLISH) throw new Error("expected the state PUBLISH");
		check([state.topicId, String.fromCharCode(...state.data), state.retain]).toEqual([3, "on", true]);
		check(board.events("lamp")).toEqual([{ state: "on" }]);
	});

	it("finds the gateway with SEARCHGW when none is configured", () => {
		const board = new FakeBoard();
		startFirmware(board, { protocol: "mqttsn", gatewaySearch: "udp://127.0.0.1:1885" }, { wifi: false });
		board.advance(0);
		const datagram = board.lastDatagram;
		board.advance(5000);
		const [search] = datagram.takeSent();
		check(decode(search.bytes)).toEqual({ type: sn.MsgType.SEARCHGW, radius: 1 });
		check([search.address, search.port]).toEqual(["127.0.0.1", 1885]);
		datagram.deliver(encode({ type: sn.MsgType.GWINFO, gwId: 9 }), "127.0.0.1", 1885);
		check(board.events("gateway")).toEqual([{ gateway: "udp://127.0.0.1:1885", gwId: 9 }]);
		check(decode(datagram.takeSent()[0].bytes).type).toBe(sn.MsgType.CONNECT);
	});
});
