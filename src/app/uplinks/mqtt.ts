/**
 * The uplinks of an image with MQTT only (manifest_tls.json maps this file as
 * app/uplinks/table): the ESP8266's TLS image has no room for MQTT-SN and CoAP, and
 * mqtts:// is all it is for. A config naming another protocol is a ConfigError.
 */
import { mqttUplink } from "../adapters/mqtt";
import type { UplinkTable } from "../uplink";

export const UPLINKS: UplinkTable = { mqtt: mqttUplink };
