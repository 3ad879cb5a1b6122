/**
 * `npm start -- --forget --broker mqtt://host:port [--set clientId=...]`: decommissions a
 * lamp from Home Assistant. Publishes an empty retained message (QoS 1) on each discovery
 * topic the firmware with this config announces, which removes its entities and its device
 * (Home Assistant's MQTT discovery), and on its health topic, then exits. Run it once the
 * device is off for good, or with homeAssistant false on it: a device still configured to
 * announce announces again on its next connect.
 */
import mqtt from "mqtt";
import { parseConfig } from "../../src/app/firmware";
import { discoveryConfigs } from "../../src/app/home-assistant";
import { healthTopic } from "../../src/app/home-assistant";
import { hostConfig } from "../../boards/host/config";

/** The topics cleared, in order; resolves once the broker acknowledged every one. */
export async function forget(broker: string, overrides: readonly string[]): Promise<string[]> {
	// Parsed as the firmware parses it, with discovery on: the same topics it would announce.
	const config = parseConfig(hostConfig([...overrides, `broker=${broker}`, "homeAssistant=true"]), { wifi: false });
	const clientId = config.protocol === "mqtt" ? config.mqtt.clientId : config.protocol === "mqttsn" ? config.mqttsn.clientId : "";
	// Every entity any board announces (heap and RSSI included), whatever board this one was.
	const topics = [...discoveryConfigs(config, clientId, "", { heap: true, rssi: true }).map((m) => m.topic), healthTopic(config.lamp.topic)];
	const client = await mqtt.connectAsync(broker, { reconnectPeriod: 0, connectTimeout: 10_000 });
	try {
		for (const topic of topics) await client.publishAsync(topic, "", { qos: 1, retain: true });
	} finally {
		await client.endAsync();
	}
	return topics;
}
