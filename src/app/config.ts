/**
 * The firmware's configuration: the manifest's "config" section, checked once at start.
 * Keys are flat, as Moddable's `mcconfig ... key=value` overrides expect; each key's form,
 * default and protocols are in the table (config-keys.ts), the rules between keys in
 * config-rules.ts, and the README's tables are written from both.
 */
import { ConfigReader, type Protocol, type RawConfig } from "./config-reader";
import { checkConnectionless, parseMqttSnConfig, type MqttSnConfig } from "./config-mqttsn";
import { parseDeviceConfig, type DeviceConfig } from "./config-device";
import { parseCoapConfig, type CoapConfig } from "./config-coap";
import { parseMqttConfig, type MqttConfig } from "./config-mqtt";
import { parseStaticAddress } from "./config-network";
import { discoveryNeedsClientId, joiningNeedsSsid, brokerSchemeInImage, persistentSessionNeedsClientId } from "./config-rules";
import type { StaticAddress } from "../common/board";

export type { Protocol } from "./config-reader";
export { parseBrokerUrl, type MqttConfig } from "./config-mqtt";

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
	/** Power mode, DHT22, telemetry and button (config-device.ts). */
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

export interface ParseOptions {
	/** The board joins Wi-Fi itself and so needs `ssid` (device boards, not the host). */
	readonly wifi: boolean;
	/** False on a build without TLS (the ESP8266's default image): an mqtts:// broker is refused at start. */
	readonly tls?: boolean;
	/** False on a build without the WebSocket client (the ESP8266's): a ws:// or wss:// broker is refused at start. */
	readonly websocket?: boolean;
}

export function parseConfig(raw: RawConfig, options: ParseOptions): FirmwareConfig {
	const config = new ConfigReader(raw);
	// The Wi-Fi keys are the boards' to use; checked on every board, so a bad value is refused everywhere.
	joiningNeedsSsid(config.string("ssid"), options.wifi);
	config.string("password");
	config.string("sntp");
	const staticAddress = parseStaticAddress(config);
	const protocol: Protocol = config.protocol;
	const lamp = parseLampConfig(config);
	const device = parseDeviceConfig(config);
	const sleepy = device.mode === "sleepy";
	switch (protocol) {
		case "mqtt": {
			const mqtt = parseMqttConfig(config);
			persistentSessionNeedsClientId(mqtt.clientId, mqtt.cleanSession, sleepy);
			discoveryNeedsClientId(mqtt.clientId, device.discovery);
			brokerSchemeInImage(mqtt.broker, options.tls, options.websocket);
			return { protocol, lamp, device, staticAddress, mqtt };
		}
		case "mqttsn": {
			const mqttsn = parseMqttSnConfig(config, device);
			persistentSessionNeedsClientId(mqttsn.clientId, mqttsn.cleanSession, sleepy);
			discoveryNeedsClientId(mqttsn.clientId, device.discovery);
			checkConnectionless(mqttsn, device.mode, device.telemetryTopic);
			return { protocol, lamp, device, staticAddress, mqttsn };
		}
		case "coap":
			discoveryNeedsClientId(void 0, device.discovery);
			return { protocol, lamp, device, staticAddress, coap: parseCoapConfig(config) };
	}
}

function parseLampConfig(config: ConfigReader): LampConfig {
	const topic = config.topic("lampTopic");
	return {
		pin: config.integer("lampPin"),
		activeLow: config.choice("lampActive") === "low",
		topic,
		stateTopic: config.topic("stateTopic", topic + "/state"),
		statusTopic: config.topic("statusTopic", topic + "/status"),
	};
}
