/**
 * The protocols' config sections of the full image (manifest.json on ESP32 and the
 * simulator, and the host): all three. An image built with fewer maps another table in
 * this module's place, the same way as its uplinks (uplinks/table.ts): mqtt.ts for
 * manifest.json on ESP8266 and for manifest_tls.json, mqttsn.ts for manifest_mqttsn.json,
 * coap.ts for manifest_coap.json and manifest_coaps.json; so a section it leaves out is
 * neither imported nor compiled, and config.ts refuses that protocol, naming `protocol`.
 */
import { parseCoapConfig, type CoapConfig } from "../config-coap";
import type { DeviceConfig } from "../config-device";
import { parseMqttConfig, type MqttConfig } from "../config-mqtt";
import { parseMqttSnConfig, type MqttSnConfig } from "../config-mqttsn";
import type { ConfigReader, ParseOptions } from "../config-reader";

/** Reads a protocol's keys, after the device's, and applies its rules; throws ConfigError naming the key. */
export type SectionParser<C> = (config: ConfigReader, device: DeviceConfig, image: ParseOptions) => C;

/** The sections an image parses, under the `protocol` that selects each. */
export interface ConfigSections {
	readonly mqtt?: SectionParser<MqttConfig>;
	readonly mqttsn?: SectionParser<MqttSnConfig>;
	readonly coap?: SectionParser<CoapConfig>;
}

export const SECTIONS: ConfigSections = { mqtt: parseMqttConfig, mqttsn: parseMqttSnConfig, coap: parseCoapConfig };
