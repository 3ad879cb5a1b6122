/**
 * Commands to a sleeping node: a broker keeps nothing at QoS 0 for a session whose client
 * is away (mosquitto's queue_qos0_messages is false by default), so a sleepy node subscribes
 * to its lamp topic at QoS 1 at least, even with `qos=0`, over MQTT and MQTT-SN. An
 * always-on lamp keeps the configured QoS.
 */
import { describe, it, check } from "./test-api";
import { startFirmware } from "../../src/app/firmware";
import { SUBSCRIBE } from "../../testkit/portable/mqtt-types";
import * as sn from "../../src/mqttsn/packet";
import { decode } from "../../src/mqttsn/encode";
import type { Datagram, DatagramOptions } from "../../src/common/board";
import { DeviceBoard, FakePower, run, SLEEPY_CONFIG } from "../../testkit/portable/device-board";
import type { FakeDatagram } from "../../testkit/portable/fake-board";
import { MiniBroker } from "../../testkit/portable/mini-broker";
import { MiniGateway } from "../../testkit/portable/mini-gateway";

async function subscriptionQos(config: Record<string, string>): Promise<number[]> {
	const power = new FakePower();
	const broker = new MiniBroker();
	const board = new DeviceBoard({ power });
	board.broker = broker;
	startFirmware(board, config, { wifi: false });
	for (let t = 0; t < 2000 && power.sleeps.length === 0; t += 50) await run(board, 50);
	// Every connection of the first wake (a sleepy one with nothing retained starts with a clean one).
	return broker.received.flat().flatMap((p) => (p.type === SUBSCRIBE && p.subscriptions[0].topic === "home/office/lamp" ? [p.subscriptions[0].qos] : []));
}

/** Records every MQTT-SN message the firmware sends, decoded. */
class RecordingBoard extends DeviceBoard {
	readonly sent: sn.Message[] = [];
	override openDatagram(options: DatagramOptions): Datagram {
		const datagram = super.openDatagram(options) as FakeDatagram;
		const send = datagram.send.bind(datagram);
		datagram.send = (bytes, address, port) => {
			this.sent.push(decode(bytes));
			send(bytes, address, port);
		};
		return datagram;
	}
}

describe("Commands to a sleeping node", () => {
	it("MQTT: a sleepy node subscribes at QoS 1 even with qos=0; always-on keeps qos=0", async () => {
		check(await subscriptionQos({ ...SLEEPY_CONFIG, qos: "0" })).toEqual([1]);
		check(await subscriptionQos({ ...SLEEPY_CONFIG, qos: "2" })).toEqual([2]);
		check(await subscriptionQos({ broker: "mqtt://broker.local", qos: "0", buttonPin: "-1" })).toEqual([0]);
	});

	it("MQTT-SN: a sleepy node subscribes at QoS 1 even with qos=0", async () => {
		const board = new RecordingBoard({ power: new FakePower() });
		board.gateway = new MiniGateway();
		startFirmware(board, { ...SLEEPY_CONFIG, protocol: "mqttsn", gateway: "udp://127.0.0.1:10000", qos: "0" }, { wifi: false });
		await run(board, 2000);
		const subscribe = board.sent.find((m) => m.type === sn.MsgType.SUBSCRIBE);
		if (subscribe?.type !== sn.MsgType.SUBSCRIBE) throw new Error("no SUBSCRIBE");
		check(subscribe.qos).toBe(1);
	});
});
