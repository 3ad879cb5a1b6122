/** MQTT-SN end to end: firmware client -> host gateway -> aedes in-process (see mqttsn-suite.ts). */
import { afterAll, beforeAll, describe } from "vitest";
import { startEmbeddedBroker, type EmbeddedBroker } from "../../tools/launcher/broker";
import { mqttSnGatewaySuite } from "./mqttsn-suite";

let broker: EmbeddedBroker;
beforeAll(async () => {
	broker = await startEmbeddedBroker(0);
});
afterAll(async () => {
	await broker.close();
});

describe("MQTT-SN interop: gateway -> aedes", () => {
	mqttSnGatewaySuite(() => broker.url, "aedes");
});
