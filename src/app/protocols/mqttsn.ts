/**
 * The protocols of an image with MQTT-SN only (manifest_mqttsn.json maps this file as
 * app/protocols/table): the ESP8266's MQTT-SN image. A config naming another protocol is a
 * ConfigError naming `protocol`.
 */
import { mqttSnUplink } from "../adapters/mqttsn";
import { parseMqttSnConfig } from "../config-mqttsn";
import type { ProtocolTable } from "../uplink";

export const PROTOCOLS: ProtocolTable = {
	// Both modes: QoS -1 (config: sleepy only) publishes without a connection.
	mqttsn: { section: parseMqttSnConfig, uplink: mqttSnUplink },
};
