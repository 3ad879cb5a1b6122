/**
 * The config section of an image with MQTT only (manifest.json on the ESP8266 and
 * manifest_tls.json map this file as app/config-sections/table, beside uplinks/mqtt.ts).
 */
import { parseMqttConfig } from "../config-mqtt";
import type { ConfigSections } from "./table";

export const SECTIONS: ConfigSections = { mqtt: parseMqttConfig };
