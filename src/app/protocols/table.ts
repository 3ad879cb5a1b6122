/**
 * The protocols of the full image (manifest.json on ESP32 and the simulator, and the host):
 * all three, MQTT in both versions, CoAP with coaps (DTLS). Each entry pairs a protocol's
 * config section with its uplink, so an image parses the protocols it runs and no other.
 * An image built with fewer maps another table in this module's place (mqtt.ts for
 * manifest.json on ESP8266 and for manifest_tls.json, mqttsn.ts for manifest_mqttsn.json,
 * coap.ts for manifest_coap.json, coaps.ts for manifest_coaps.json), so what it leaves out
 * is neither imported nor compiled.
 */
import { coapUplink } from "../adapters/coap";
import { mqttUplink } from "../adapters/mqtt";
import { mqttSnUplink } from "../adapters/mqttsn";
import { parseCoapConfig } from "../config-coap";
import { parseMqttConfig } from "../config-mqtt";
import { parseMqttSnConfig } from "../config-mqttsn";
import { mqtt5 } from "../../mqtt/v5/session";
import { dtlsLayer } from "../../dtls/layer";
import type { ProtocolTable } from "../uplink";

export const PROTOCOLS: ProtocolTable = {
	mqtt: { section: parseMqttConfig, uplink: (board, config, events, wake, retained) => mqttUplink(board, config, events, wake, retained, mqtt5) },
	// Both modes: QoS -1 (config: sleepy only) publishes without a connection.
	mqttsn: { section: parseMqttSnConfig, uplink: mqttSnUplink },
	coap: { section: parseCoapConfig, uplink: (board, config, events, wake) => coapUplink(board, config, events, wake, dtlsLayer) },
};
