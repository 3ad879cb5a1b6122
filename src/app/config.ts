/**
 * The firmware's configuration: the manifest's "config" section, checked once at start.
 * Keys are flat, as Moddable's `mcconfig ... key=value` overrides expect; each key's form,
 * default and protocols are in the table (config-keys.ts), the rules between keys in
 * config-rules.ts, and the README's tables are written from both. The common keys are
 * read here, the device's in config-device.ts, the protocol's by its section, of those
 * the image includes (config-sections/table.ts).
 */
import { ConfigError } from "../common/errors";
import type { StaticAddress } from "../common/board";
import type { CoapConfig } from "./config-coap";
import { parseDeviceConfig, type DeviceConfig } from "./config-device";
import type { MqttConfig } from "./config-mqtt";
import type { MqttSnConfig } from "./config-mqttsn";
import { parseStaticAddress } from "./config-network";
import { ConfigReader, type ParseOptions, type Protocol, type RawConfig } from "./config-reader";
import * as rules from "./config-rules";
import { SECTIONS, type ConfigSections, type SectionParser } from "./config-sections/table";

export type { ParseOptions, Protocol } from "./config-reader";
export type { ButtonConfig, DeviceConfig, Mode } from "./config-device";
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
	/** The station's fixed IPv4 configuration; undefined for DHCP (config-network.ts). */
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

/** The protocols, in the order an image's refusal lists those it includes. */
const PROTOCOLS = ["mqtt", "mqttsn", "coap"] as const;

/** The refusal of a protocol the image was built without; `included`: its sections, or its uplinks (uplink.ts). */
export function protocolNotIncluded(included: Readonly<Partial<Record<Protocol, unknown>>>): ConfigError {
	return new ConfigError("protocol", "one of the protocols this image includes: " + PROTOCOLS.filter((name) => included[name]).join(", "));
}

/**
 * `image`: the sections the image includes, SECTIONS of the module mapped as
 * app/config-sections/table (all three on the host; tests pass another image's).
 */
export function parseConfig(raw: RawConfig, options: ParseOptions, image: ConfigSections = SECTIONS): FirmwareConfig {
	const config = new ConfigReader(raw);
	const protocol: Protocol = config.protocol;
	const sections: Readonly<Partial<Record<Protocol, SectionParser<unknown>>>> = image;
	// Refused before any other key: the rest of such a config is for an image this one is not.
	const section = sections[protocol];
	if (section === void 0) throw protocolNotIncluded(image);
	// The Wi-Fi keys are the boards' to use; checked on every board, so a bad value is refused everywhere.
	rules.joiningNeedsSsid(config.string("ssid"), options.wifi);
	config.string("password");
	config.string("sntp");
	const staticAddress = parseStaticAddress(config);
	const topic = config.topic("lampTopic");
	const lamp: LampConfig = {
		pin: config.integer("lampPin"),
		activeLow: config.choice("lampActive") === "low",
		topic,
		stateTopic: config.topic("stateTopic", topic + "/state"),
		statusTopic: config.topic("statusTopic", topic + "/status"),
	};
	const device = parseDeviceConfig(config);
	// The section is stored under its protocol's name, as FirmwareConfig's members say (config-sections/table.ts pairs them).
	return { protocol, lamp, device, staticAddress, [protocol]: section(config, device, options) } as unknown as FirmwareConfig;
}
