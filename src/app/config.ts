/**
 * The firmware's configuration: the manifest's "config" section, checked once at start.
 * Keys are flat, as Moddable's `mcconfig ... key=value` overrides expect; each key's form,
 * default and protocols are in the table (config-keys.ts), the rules between keys in
 * config-rules.ts, and the README's tables are written from both.
 */
import { ConfigReader, type Protocol, type RawConfig } from "./config-reader";
import { parseCoapConfig, type CoapConfig } from "./config-coap";
import * as sections from "./config-mqtt";
import type { MqttConfig, MqttSnConfig } from "./config-mqtt";
import { parseStaticAddress } from "./config-network";
import * as rules from "./config-rules";
import type { ChoiceOf } from "./config-keys";
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
	rules.joiningNeedsSsid(config.string("ssid"), options.wifi);
	config.string("password");
	config.string("sntp");
	const staticAddress = parseStaticAddress(config);
	const protocol: Protocol = config.protocol;
	const topic = config.topic("lampTopic");
	const lamp: LampConfig = {
		pin: config.integer("lampPin"),
		activeLow: config.choice("lampActive") === "low",
		topic,
		stateTopic: config.topic("stateTopic", topic + "/state"),
		statusTopic: config.topic("statusTopic", topic + "/status"),
	};
	const device = parseDeviceConfig(config);
	const sleepy = device.mode === "sleepy";
	switch (protocol) {
		case "mqtt": {
			const mqtt = sections.parseMqttConfig(config);
			rules.persistentSessionNeedsClientId(mqtt, sleepy);
			rules.discoveryNeedsClientId(mqtt.clientId, device.discovery);
			rules.brokerSchemeInImage(mqtt.broker, options);
			return { protocol, lamp, device, staticAddress, mqtt };
		}
		case "mqttsn": {
			const mqttsn = sections.parseMqttSnConfig(config, device);
			rules.persistentSessionNeedsClientId(mqttsn, sleepy);
			rules.discoveryNeedsClientId(mqttsn.clientId, device.discovery);
			sections.checkConnectionless(mqttsn, device.mode, device.telemetryTopic);
			return { protocol, lamp, device, staticAddress, mqttsn };
		}
		case "coap":
			rules.discoveryNeedsClientId(void 0, device.discovery);
			return { protocol, lamp, device, staticAddress, coap: parseCoapConfig(config) };
	}
}

/*
 * The device: power mode, wake cycle, DHT22, telemetry and button keys (see the README's
 * "Mode, pins, DHT22 and sleep" section).
 */

/** The table's `mode` choices. */
export type Mode = ChoiceOf<"mode">;

export interface DeviceConfig {
	readonly mode: Mode;
	/** Sleepy: time between wakes, ms. */
	readonly sleepInterval: number;
	/** Sleepy: a wake ends after this long whatever is left undone, ms. */
	readonly maxAwake: number;
	/** Sleepy: a wake without a connection by then goes back to sleep, ms. */
	readonly networkDeadline: number;
	/** Always-on: time between readings, ms. */
	readonly readingInterval: number;
	/** The DHT22's data pin; undefined without a sensor. */
	readonly dht22Pin?: number;
	readonly telemetryTopic: string;
	readonly button?: ButtonConfig;
	/** Home Assistant's discovery prefix; undefined when discovery is off (home-assistant.ts). */
	readonly discovery?: string;
	/** Always-on: time between health reports, ms; 0 for on connect only (health.ts). */
	readonly healthInterval: number;
	/** Always-on: the lamp at power-on. */
	readonly powerOn: ChoiceOf<"powerOn">;
	/** The firmware's version, from the build. */
	readonly swVersion: string;
}

export interface ButtonConfig {
	readonly pin: number;
	readonly activeLow: boolean;
	readonly debounceMs: number;
	readonly longPressMs: number;
	/** What a long press does: nothing, or publish a fresh reading at once. */
	readonly longPress: ChoiceOf<"longPress">;
}

/** Home Assistant's prefix when discovery is on; read either way, so a bad one is refused either way. */
function discoveryPrefix(config: ConfigReader): string | undefined {
	const prefix = config.topic("discoveryPrefix");
	return config.boolean("homeAssistant") ? prefix : void 0;
}

export function parseDeviceConfig(config: ConfigReader): DeviceConfig {
	const maxAwake = config.integer("maxAwake") * 1000;
	const networkDeadline = config.integer("networkDeadline") * 1000;
	rules.deadlineWithinWake(networkDeadline, maxAwake);
	const dht22Pin = config.integer("dht22Pin");
	const buttonPin = config.integer("buttonPin");
	return {
		mode: config.choice("mode"),
		sleepInterval: config.integer("sleepInterval") * 1000,
		maxAwake,
		networkDeadline,
		readingInterval: config.integer("readingInterval") * 1000,
		dht22Pin: dht22Pin < 0 ? void 0 : dht22Pin,
		telemetryTopic: config.topic("telemetryTopic"),
		discovery: discoveryPrefix(config),
		healthInterval: config.integer("healthInterval") * 1000,
		powerOn: config.choice("powerOn"),
		swVersion: config.string("swVersion") ?? "unknown",
		button:
			buttonPin < 0
				? void 0
				: {
						pin: buttonPin,
						activeLow: config.choice("buttonActive") === "low",
						debounceMs: config.integer("debounceMs"),
						longPressMs: config.integer("longPressMs"),
						longPress: config.choice("longPress"),
					},
	};
}
