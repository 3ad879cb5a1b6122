/**
 * The uplinks of the ESP8266's default image (manifest.json on platform esp maps this file
 * as app/uplinks/table): all three protocols, without MQTT 5 and DTLS, which most ESP8266
 * devices do not use and whose code (with the SDK's crypt natives) the 1 MB code region has
 * no room for beside the rest. A config with `mqttVersion` 5, a coaps:// `collector` or
 * `coapPsk` is a ConfigError at start (uplink.ts checkIncluded); manifest_coaps.json builds
 * an ESP8266 image with coaps.
 */
import { coapUplink } from "../adapters/coap";
import { mqttUplink } from "../adapters/mqtt";
import { mqttSnUplink } from "../adapters/mqttsn";
import { mqttSnConnectionlessUplink } from "../adapters/mqttsn-connectionless";
import type { UplinkTable } from "../uplink";

export const UPLINKS: UplinkTable = {
	mqtt: mqttUplink,
	// QoS -1 (config: sleepy only) publishes without a connection.
	mqttsn: (board, config, events, wake) => (config.mqttsn.connectionless ? mqttSnConnectionlessUplink(board, config, events) : mqttSnUplink(board, config, events, wake)),
	// Without DTLS: four arguments only, so nothing (the always-on `retained`) lands in its place.
	coap: (board, config, events, wake) => coapUplink(board, config, events, wake),
};
