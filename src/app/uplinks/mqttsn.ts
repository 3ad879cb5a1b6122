/**
 * The uplinks of an image with MQTT-SN only (manifest_mqttsn.json maps this file as
 * app/uplinks/table): the ESP8266's MQTT-SN image. A config naming another protocol is a
 * ConfigError naming `protocol`.
 */
import { mqttSnUplink } from "../adapters/mqttsn";
import type { UplinkTable } from "../uplink";

export const UPLINKS: UplinkTable = {
	// Both modes: QoS -1 (config: sleepy only) publishes without a connection.
	mqttsn: mqttSnUplink,
};
