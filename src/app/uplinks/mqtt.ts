/**
 * The uplinks of an image with MQTT only, mapped as app/uplinks/table by manifest.json on
 * the ESP8266 and by manifest_tls.json (the same with the SDK's TLS stack, for mqtts://).
 * The ESP8266's 1 MB code region is spent on one protocol per image, as its config names
 * it at build time anyway: MQTT-SN is manifest_mqttsn.json, CoAP manifest_coaps.json.
 * MQTT 3.1.1 alone: a config naming another protocol, or `mqttVersion` 5, is a ConfigError.
 */
import { mqttUplink } from "../adapters/mqtt";
import type { UplinkTable } from "../uplink";

export const UPLINKS: UplinkTable = { mqtt: mqttUplink };
