/**
 * The uplinks this image includes: all three protocols, MQTT in both versions (manifest.json). An image built
 * with fewer maps another table in this module's place (mqtt.ts for manifest_tls.json),
 * so the protocols it leaves out are neither imported nor compiled.
 */
import { coapUplink } from "../adapters/coap";
import { mqttUplink } from "../adapters/mqtt";
import { mqttSnUplink } from "../adapters/mqttsn";
import { mqttSnConnectionlessUplink } from "../adapters/mqttsn-connectionless";
import { mqtt5 } from "../../mqtt/v5/session";
import type { UplinkTable } from "../uplink";

export const UPLINKS: UplinkTable = {
	mqtt: (board, config, events, wake, retained) => mqttUplink(board, config, events, wake, retained, mqtt5),
	mqtt5,
	// QoS -1 (config: sleepy only) publishes without a connection.
	mqttsn: (board, config, events, wake) => (config.mqttsn.connectionless ? mqttSnConnectionlessUplink(board, config, events) : mqttSnUplink(board, config, events, wake)),
	coap: coapUplink,
};
