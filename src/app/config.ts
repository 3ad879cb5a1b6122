/**
 * The firmware's configuration: the manifest's "config" section, checked once at start.
 * Keys are flat, as Moddable's `mcconfig ... key=value` overrides expect; see the
 * README's config reference for each key.
 */
import { ConfigError } from "../common/errors";
import type { BrokerAddress } from "../mqtt/client";
import type { QoS } from "../mqtt/packet";
import { validateTopicName } from "../mqtt/topic";
import { ConfigReader, type RawConfig } from "./config-reader";
import { checkConnectionless, parseMqttSnConfig, type MqttSnConfig } from "./config-mqttsn";
import { checkSleepySession, parseDeviceConfig, type DeviceConfig } from "./config-device";
import { parseCoapConfig, type CoapConfig } from "./config-coap";
import { isPrintableAscii, splitUrl } from "../common/text";
import { parseStaticAddress } from "./config-network";
import type { StaticAddress } from "../common/board";

export interface MqttConfig {
	readonly broker: BrokerAddress;
	readonly clientId: string;
	readonly username?: string;
	readonly password?: string;
	/** Seconds. */
	readonly keepAlive: number;
	readonly cleanSession: boolean;
	readonly qos: QoS;
	/** Reconnect backoff, ms. */
	readonly reconnectBase: number;
	readonly reconnectCap: number;
	readonly maxPacketSize: number;
	readonly inflightWindow: number;
}

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

/** The protocols the firmware speaks; each brings its own config section. */
export const PROTOCOLS = ["mqtt", "mqttsn", "coap"] as const;
export type Protocol = (typeof PROTOCOLS)[number];

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
}

export function parseConfig(raw: RawConfig, options: ParseOptions): FirmwareConfig {
	const config = new ConfigReader(raw);
	if (options.wifi) config.string("ssid");
	// Read on every board, so a bad value is refused everywhere; only a board that joins uses it.
	const staticAddress = parseStaticAddress(config);
	const protocol = config.oneOf("protocol", PROTOCOLS, "mqtt");
	const lamp = parseLampConfig(config);
	const device = parseDeviceConfig(config);
	checkSleepySession(config, device.mode, protocol);
	switch (protocol) {
		case "mqtt": {
			const mqtt = parseMqttConfig(config);
			if (mqtt.broker.tls && options.tls === false) throw new ConfigError("broker", "mqtt://host[:port]: this image has no TLS (build it with manifest_tls.json)");
			return { protocol, lamp, device, staticAddress, mqtt };
		}
		case "mqttsn": {
			const mqttsn = parseMqttSnConfig(config, device);
			checkConnectionless(mqttsn, device.mode, device.telemetryTopic);
			return { protocol, lamp, device, staticAddress, mqttsn };
		}
		case "coap":
			return { protocol, lamp, device, staticAddress, coap: parseCoapConfig(config) };
	}
}

function parseLampConfig(config: ConfigReader): LampConfig {
	const topic = topicName(config, "lampTopic", "home/office/lamp");
	return {
		pin: config.integer("lampPin", 2, 0, 48),
		activeLow: config.oneOf("lampActive", ["high", "low"], "high") === "low",
		topic,
		stateTopic: topicName(config, "stateTopic", `${topic}/state`),
		statusTopic: topicName(config, "statusTopic", `${topic}/status`),
	};
}

function parseMqttConfig(config: ConfigReader): MqttConfig {
	const brokerCa = config.optionalString("brokerCa");
	const broker = parseBrokerUrl(config.string("broker"), brokerCa);
	const reconnectBase = config.integer("reconnectBase", 1000, 10, 3_600_000);
	const mqtt: MqttConfig = {
		broker,
		clientId: clientId(config),
		username: config.optionalString("brokerUsername"),
		password: config.optionalString("brokerPassword"),
		keepAlive: config.integer("keepAlive", 60, 0, 65535),
		cleanSession: config.boolean("cleanSession", true),
		qos: config.integer("qos", 1, 0, 2) as QoS,
		reconnectBase,
		reconnectCap: config.integer("reconnectCap", 60_000, reconnectBase, 86_400_000),
		maxPacketSize: config.integer("maxPacketSize", 8192, 128, 268_435_460),
		inflightWindow: config.integer("inflightWindow", 16, 1, 65535),
	};
	if (brokerCa !== undefined && !broker.tls) throw new ConfigError("brokerCa", "to be set only with an mqtts:// broker");
	if (mqtt.password !== undefined && mqtt.username === undefined)
		throw new ConfigError("brokerUsername", "a user name whenever brokerPassword is set (MQTT 3.1.2.9)");
	if (mqtt.clientId === "" && !mqtt.cleanSession)
		throw new ConfigError("clientId", "a non-empty client id when cleanSession is false");
	return mqtt;
}

/** `mqtt://host[:port]` (1883) or `mqtts://host[:port]` (8883, TLS with verification). */
export function parseBrokerUrl(url: string, ca?: string, key = "broker"): BrokerAddress {
	const parts = splitUrl(url);
	const expected = "mqtt://host[:port] or mqtts://host[:port]";
	if (!parts || (parts.scheme !== "mqtt" && parts.scheme !== "mqtts") || (parts.rest !== "" && parts.rest !== "/")) throw new ConfigError(key, expected);
	const secure = parts.scheme === "mqtts";
	const port = parts.port ? Number(parts.port) : secure ? 8883 : 1883;
	if (port < 1 || port > 65535) throw new ConfigError(key, `${expected} with a port from 1 to 65535`);
	return { host: parts.host, port, tls: secure ? { ca } : undefined };
}

export function topicName(config: ConfigReader, key: string, fallback: string): string {
	const topic = config.string(key, fallback);
	try {
		validateTopicName(topic);
	} catch {
		// Not the codec's reason: it quotes the topic, and a ConfigError never echoes a value.
		throw new ConfigError(key, "an MQTT topic name: UTF-8 up to 65535 bytes, without wildcards (+ #) or U+0000");
	}
	return topic;
}

function clientId(config: ConfigReader): string {
	const id = config.optionalString("clientId") ?? "";
	// 3.1.3.1: servers must accept 1-23 characters of [0-9a-zA-Z]; most accept far more.
	if (!isPrintableAscii(id, 64)) throw new ConfigError("clientId", "up to 64 printable ASCII characters without spaces");
	return id;
}
