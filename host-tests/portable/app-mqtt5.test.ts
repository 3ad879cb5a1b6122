/** The lamp over MQTT 5 (`mqttVersion` 5): the config, the CONNECT it sends, and the sleepy will. */
import { describe, it, check } from "./test-api";
import { expectConfigError } from "./errors";
import { parseConfig } from "../../src/app/firmware";
import { startFirmware } from "../../src/app/firmware";
import { mqttUplink, sleepyWill5 } from "../../src/app/adapters/mqtt";
import { type Packet, type PublishPacket } from "../../src/mqtt/packet";
import { CONNECT, PUBLISH, SUBSCRIBE } from "../../testkit/portable/mqtt-types";
import { mqtt5 } from "../../src/mqtt/v5/session";
import type { Packet5, Publish5, Subscribe5 } from "../../src/mqtt/v5/packet";
import { anyPacketReader, feedPackets } from "../../testkit/portable/mqtt-client-packets";
import { FakeBoard } from "../../testkit/portable/fake-board";
import { anyPacketReader5 } from "../../testkit/portable/mqtt5-client-packets";

const valid = { broker: "mqtt://127.0.0.1:1883" };

describe("MQTT 5 lamp", () => {
	it("reads mqttVersion: 3.1.1 by default, 5 when asked, nothing else", () => {
		const byDefault = parseConfig(valid, { wifi: false });
		const five = parseConfig({ ...valid, mqttVersion: "5" }, { wifi: false });
		if (byDefault.protocol !== "mqtt" || five.protocol !== "mqtt") throw new Error("expected the mqtt protocol");
		check(byDefault.mqtt.protocolVersion).toBe(4);
		check(five.mqtt.protocolVersion).toBe(5);
		expectConfigError(() => parseConfig({ ...valid, mqttVersion: "4" }, { wifi: false }), "mqttVersion");
	});

	it("connects with an MQTT 5 CONNECT, the lamp's will on the status topic", () => {
		const board = new FakeBoard();
		const running = startFirmware(board, { ...valid, mqttVersion: "5", clientId: "lamp-5" }, { wifi: false });
		const stream = board.lastStream;
		stream.accept();
		const reader = anyPacketReader5(8192);
		reader.feed(stream.takeWritten());
		const connect = reader.next();
		if (!connect) throw new Error("nothing written");
		if (connect.type !== CONNECT) throw new Error(`expected CONNECT, got type ${connect.type}`);
		check(connect.clientId).toBe("lamp-5");
		check(connect.will?.topic).toBe("home/office/lamp/status");
		void running.stop();
	});

	it("delays a sleepy node's will past its next wake, and keeps the session longer", () => {
		const device = { sleepInterval: 300_000, maxAwake: 30_000, networkDeadline: 10_000 };
		const { willDelay, sessionExpiry } = sleepyWill5(device);
		check(willDelay).toBeGreaterThan((device.sleepInterval + device.maxAwake + device.networkDeadline) / 1000);
		check(sessionExpiry).toBeGreaterThan(willDelay);
	});
});

describe("MQTT 5 lamp: message properties and subscription options", () => {
	function uplinkOver(mqttVersion: string) {
		const board = new FakeBoard();
		const config = parseConfig({ ...valid, mqttVersion, clientId: "lamp-5", readingInterval: "90" }, { wifi: false });
		if (config.protocol !== "mqtt") throw new Error("expected the mqtt protocol");
		const uplink = mqttUplink(board, config, { online: () => undefined, command: () => true, lampOn: () => false, report: () => undefined }, undefined, undefined, mqttVersion === "5" ? mqtt5 : undefined);
		uplink.start();
		const stream = board.lastStream;
		stream.accept();
		stream.deliver(mqttVersion === "5" ? Uint8Array.of(0x20, 3, 0, 0, 0) : Uint8Array.of(0x20, 2, 0, 0));
		// QoS 1 (the default): unacknowledged here, so the stop rejects it.
		uplink.publishReading("{}").catch(() => undefined);
		return { uplink, stream };
	}

	it("subscribes to the lamp topic with No Local, and readings expire when the next is due", async () => {
		const { uplink, stream } = uplinkOver("5");
		await Promise.resolve();
		const reader = anyPacketReader5(8192);
		const packets: Packet5[] = [];
		feedPackets(reader, stream.takeWritten(), (p) => packets.push(p));
		const subscribe = packets.find((p): p is Subscribe5 => p.type === SUBSCRIBE);
		// And the request/response query topic (answered on each query's Response Topic).
		check(subscribe?.subscriptions.map((s) => [s.topic, s.noLocal])).toEqual([["home/office/lamp", true], ["home/office/lamp/get", false]]);
		const reading = packets.find((p): p is Publish5 => p.type === PUBLISH && p.topic === "home/office/dht22");
		check(reading?.properties.messageExpiryInterval).toBe(90);
		stream.deliver(Uint8Array.of(0x90, 4, 0, subscribe?.packetId ?? 0, 0, 0));
		await Promise.resolve();
		uplink.stop();
	});

	it("over 3.1.1 the same uplink sends neither: a 3.1.1 SUBSCRIBE and PUBLISH", async () => {
		const { uplink, stream } = uplinkOver("3.1.1");
		await Promise.resolve();
		const packets: Packet[] = [];
		// The 3.1.1 reader refuses a SUBSCRIBE with option bits above the QoS (3.8.3-4).
		feedPackets(anyPacketReader(8192), stream.takeWritten(), (p) => packets.push(p));
		const subscribe = packets.find((p) => p.type === SUBSCRIBE);
		check(subscribe && "subscriptions" in subscribe ? subscribe.subscriptions : undefined).toEqual([{ topic: "home/office/lamp", qos: 1 }]);
		check(packets.filter((p) => p.type === PUBLISH).map((p) => (p as PublishPacket).topic)).toContain("home/office/dht22");
		stream.deliver(Uint8Array.of(0x90, 3, 0, subscribe && "packetId" in subscribe ? subscribe.packetId : 0, 0));
		await Promise.resolve();
		uplink.stop();
	});
});
