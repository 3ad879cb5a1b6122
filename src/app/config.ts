/**
 * The firmware's configuration, as the device reads it: the manifest's "config" section,
 * checked once at start (firmware.ts). Keys are flat, as Moddable's
 * `mcconfig ... key=value` overrides expect; each key's form and default are in its row
 * (config-keys.ts, or its protocol's section), the rules between keys in config-rules.ts,
 * and the README's tables are written from both. Types only: the protocols' adapters read them, and so this
 * module imports nothing that imports an adapter (host-tests/static/app-cycles.test.ts).
 */
import type { StaticAddress } from "../common/board";
import type { CoapConfig } from "./config-coap";
import type { DeviceConfig } from "./config-reader";
import type { MqttConfig } from "./config-mqtt";
import type { MqttSnConfig } from "./config-mqttsn";
import type { ConfigReader, ParseOptions } from "./config-reader";

export type { ParseOptions, Protocol } from "./config-reader";
export type { ButtonConfig, DeviceConfig, Mode } from "./config-reader";
export type { MqttConfig } from "./config-mqtt";

export interface LampConfig {
	readonly pin: number;
	readonly activeLow: boolean;
	/** Commands arrive here. */
	readonly topic: string;
	/** "on"/"off", retained, after every change. */
	readonly stateTopic: string;
	/** "online"/"offline" availability, retained; "offline" is also the will. */
	readonly statusTopic: string;
}

interface CommonConfig {
	readonly lamp: LampConfig;
	/** Power mode, DHT22, telemetry and button (below). */
	readonly device: DeviceConfig;
	/** The station's fixed IPv4 configuration; undefined for DHCP (config-reader.ts). */
	readonly staticAddress?: StaticAddress;
}

export interface MqttFirmwareConfig extends CommonConfig {
	readonly protocol: "mqtt";
	readonly mqtt: MqttConfig;
}

export interface MqttSnFirmwareConfig extends CommonConfig {
	readonly protocol: "mqttsn";
	readonly mqttsn: MqttSnConfig;
}

export interface CoapFirmwareConfig extends CommonConfig {
	readonly protocol: "coap";
	readonly coap: CoapConfig;
}

export type FirmwareConfig = MqttFirmwareConfig | MqttSnFirmwareConfig | CoapFirmwareConfig;

/**
 * Reads a protocol's keys, after the common and the device's, and applies its rules;
 * throws ConfigError naming the key, also for what the image lacks (MQTT 5, DTLS).
 */
export type SectionParser<C> = (config: ConfigReader, device: DeviceConfig, image: ParseOptions) => C;
