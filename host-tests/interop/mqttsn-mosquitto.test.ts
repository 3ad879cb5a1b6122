/** MQTT-SN end to end: firmware client -> host gateway -> mosquitto (see mqttsn-suite.ts). */
import { afterAll, beforeAll } from "vitest";
import { Mosquitto } from "../peers/mosquitto";
import { describeWithPeers } from "../peers/require-peer";
import { mqttSnGatewaySuite } from "./mqttsn-suite";

describeWithPeers("MQTT-SN interop: gateway -> mosquitto", ["mosquitto"], () => {
	let broker: Mosquitto;
	beforeAll(async () => {
		broker = await Mosquitto.start();
	});
	afterAll(async () => {
		await broker?.stop();
	});
	mqttSnGatewaySuite(() => broker.url, "mosq");
});
