/**
 * The uplinks of an image with MQTT only (manifest_tls.json maps this file as
 * app/uplinks/table): the ESP8266's TLS image has no room for MQTT-SN and CoAP, and
 * mqtts:// is all it is for. MQTT 3.1.1 alone: a config naming another protocol, or
 * `mqttVersion` 5, is a ConfigError.
 */
import { mqttUplink } from "../adapters/mqtt";
import type { UplinkTable } from "../uplink";

export const UPLINKS: UplinkTable = { mqtt: mqttUplink };
