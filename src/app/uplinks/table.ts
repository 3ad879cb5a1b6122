/**
 * The uplinks of the full image (manifest.json on ESP32 and the simulator): all three
 * protocols, MQTT in both versions, CoAP with coaps (DTLS). An image built with fewer maps
 * another table in this module's place (mqtt.ts for manifest.json on ESP8266 and for
 * manifest_tls.json, mqttsn.ts for manifest_mqttsn.json, coaps.ts for manifest_coaps.json),
 * so what it leaves out is neither imported nor compiled.
 */
import { coapUplink } from "../adapters/coap";
import { mqttUplink } from "../adapters/mqtt";
import { mqttSnUplink } from "../adapters/mqttsn";
import { mqtt5 } from "../../mqtt/v5/session";
import { dtlsLayer } from "../../dtls/layer";
import type { UplinkTable } from "../uplink";

export const UPLINKS: UplinkTable = {
	mqtt: (board, config, events, wake, retained) => mqttUplink(board, config, events, wake, retained, mqtt5),
	mqtt5,
	// Both modes: QoS -1 (config: sleepy only) publishes without a connection.
	mqttsn: mqttSnUplink,
	coap: (board, config, events, wake) => coapUplink(board, config, events, wake, dtlsLayer),
	dtls: dtlsLayer,
};
