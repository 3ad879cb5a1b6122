/**
 * The config section of an image with MQTT-SN only (manifest_mqttsn.json maps this file as
 * app/config-sections/table, beside uplinks/mqttsn.ts).
 */
import { parseMqttSnConfig } from "../config-mqttsn";
import type { ConfigSections } from "./table";

export const SECTIONS: ConfigSections = { mqttsn: parseMqttSnConfig };
