/**
 * The configuration of the lamp over MQTT 3.1.1 (protocol "mqtt"): the broker, its
 * credentials and the session's limits. Forms and defaults are the table's
 * (config-keys.ts); the persistent-session rule is applied in config.ts.
 */
import { ConfigError } from "../common/errors";
import type { BrokerAddress } from "../mqtt/client";
import type { QoS } from "../mqtt/packet";
import { splitUrl } from "../common/text";
import type { ConfigReader } from "./config-reader";
import { caNeedsMqtts, capAtLeastBase, passwordNeedsUsername } from "./config-rules";

export interface MqttConfig {
	readonly broker: BrokerAddress;
	/** 4: MQTT 3.1.1; 5: MQTT 5.0 (src/mqtt/v5). */
	readonly protocolVersion: 4 | 5;
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

export function parseMqttConfig(config: ConfigReader): MqttConfig {
	const brokerCa = config.string("brokerCa");
	const broker = parseBrokerUrl(config.required("broker"), brokerCa);
	caNeedsMqtts(brokerCa !== undefined, broker);
	const username = config.string("brokerUsername");
	const password = config.string("brokerPassword");
	passwordNeedsUsername(username, password);
	const reconnectBase = config.integer("reconnectBase");
	const reconnectCap = config.integer("reconnectCap");
	capAtLeastBase(reconnectBase, reconnectCap);
	return {
		broker,
		protocolVersion: config.choice("mqttVersion") === "5" ? 5 : 4,
		clientId: config.clientId("clientId"),
		username,
		password,
		keepAlive: config.integer("keepAlive"),
		cleanSession: config.boolean("cleanSession"),
		qos: config.integer("qos") as QoS,
		reconnectBase,
		reconnectCap,
		maxPacketSize: config.integer("maxPacketSize"),
		inflightWindow: config.integer("inflightWindow"),
	};
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
