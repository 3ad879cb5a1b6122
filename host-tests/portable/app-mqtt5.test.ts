/** The lamp over MQTT 5 (`mqttVersion` 5): the config, the CONNECT it sends, and the sleepy will. */
import { describe, it, check } from "./test-api";
import { expectConfigError } from "./errors";
import { parseConfig } from "../../src/app/config";
import { startFirmware } from "../../src/app/firmware";
import { sleepyWill5 } from "../../src/app/adapters/mqtt";
import { CONNECT } from "../../src/mqtt/packet";
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
