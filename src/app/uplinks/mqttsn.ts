/**
 * The uplinks of an image with MQTT-SN only (manifest_mqttsn.json maps this file as
 * app/uplinks/table): the ESP8266's MQTT-SN image. A config naming another protocol is a
 * ConfigError naming `protocol`.
 */
import { mqttSnUplink } from "../adapters/mqttsn";
import { mqttSnConnectionlessUplink } from "../adapters/mqttsn-connectionless";
import type { UplinkTable } from "../uplink";

export const UPLINKS: UplinkTable = {
	// QoS -1 (config: sleepy only) publishes without a connection.
	mqttsn: (board, config, events, wake) => (config.mqttsn.connectionless ? mqttSnConnectionlessUplink(board, config, events) : mqttSnUplink(board, config, events, wake)),
};
