/**
 * The configuration of the lamp over MQTT 3.1.1 or 5 (protocol "mqtt"): the broker, its
 * credentials and the session's limits; then over MQTT-SN (protocol "mqttsn"), below.
 * Forms and defaults are the table's (config-keys.ts); the persistent-session rule is
 * applied in config.ts, once for both protocols. One module for both: they share most
 * names, which a module's bytecode would otherwise hold twice.
 */
import { ConfigError } from "../common/errors";
import type { StreamTarget } from "../common/stream-driver";
import type { QoS } from "../mqtt/packet";
import type { GatewayHost } from "../mqttsn/client";
import type { SearchTarget } from "../mqttsn/session";
import * as textual from "../common/text";
import type { ChoiceOf } from "./config-keys";
import type { ConfigReader } from "./config-reader";
import * as rules from "./config-rules";
import * as timing from "./sleepy-mqttsn-timing";

/** Where the broker is and how to reach it: TCP or TLS, carried as WebSocket messages for ws:// and wss://. */
export type BrokerTarget = StreamTarget;

export interface MqttConfig {
	readonly broker: BrokerTarget;
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
	const cert = config.string("brokerCert");
	const key = config.string("brokerKey");
	const maxPacketSize = config.integer("maxPacketSize");
	const broker = parseBrokerUrl(config.required("broker"), brokerCa, "broker", maxPacketSize, cert, key);
	rules.caNeedsMqtts(brokerCa !== void 0, broker);
	rules.clientCertificateNeedsTls(cert !== void 0, key !== void 0, broker);
	const username = config.string("brokerUsername");
	const password = config.string("brokerPassword");
	rules.passwordNeedsUsername(username, password);
	const reconnectBase = config.integer("reconnectBase");
	const reconnectCap = config.integer("reconnectCap");
	rules.capAtLeastBase(reconnectBase, reconnectCap);
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
		maxPacketSize,
		inflightWindow: config.integer("inflightWindow"),
	};
}

/**
 * Schemes, by index: MQTT over TCP, TLS, WebSocket, WebSocket over TLS (odd: TLS; 2 and
 * up: WebSocket), and their default ports.
 */
const SCHEMES = ["mqtt", "mqtts", "ws", "wss"];
const PORTS = [1883, 8883, 80, 443];

/** MQTT 3.1.1 6.0 and MQTT 5.0 6: the subprotocol offered and selected is "mqtt". */
const WEBSOCKET_PROTOCOL = "mqtt";
/** The path brokers serve MQTT over WebSocket on when the URI names none (mosquitto takes any, EMQX and HiveMQ "/mqtt"). */
const WEBSOCKET_PATH = "/mqtt";

/**
 * `mqtt://host[:port]` (1883), `mqtts://host[:port]` (8883, TLS with verification),
 * `ws://host[:port][/path]` (80) or `wss://host[:port][/path]` (443, TLS): MQTT over
 * WebSocket on `path` (default /mqtt), whose messages are capped at `maxPacketSize`.
 */
export function parseBrokerUrl(url: string, ca?: string, key = "broker", maxPacketSize = 8192, cert?: string, privateKey?: string): BrokerTarget {
	const parts = textual.splitUrl(url);
	const expected = "mqtt://host[:port], mqtts://host[:port], ws://host[:port][/path] or wss://host[:port][/path]";
	const scheme = parts ? SCHEMES.indexOf(parts.scheme) : -1;
	if (!parts || scheme < 0) throw new ConfigError(key, expected);
	const websocket = scheme >= 2;
	if (!websocket && parts.rest !== "" && parts.rest !== "/") throw new ConfigError(key, expected);
	if (websocket && !isRequestTarget(parts.rest)) throw new ConfigError(key, expected + ": a path of printable characters, no fragment");
	const port = parts.port ? Number(parts.port) : PORTS[scheme];
	if (port < 1 || port > 65535) throw new ConfigError(key, expected + " with a port from 1 to 65535");
	const tls = (scheme & 1) === 1 ? (cert === void 0 ? { ca } : { ca, cert, key: privateKey }) : void 0;
	if (!websocket) return { host: parts.host, port, tls };
	return { host: parts.host, port, tls, websocket: { path: parts.rest === "" ? WEBSOCKET_PATH : parts.rest, protocol: WEBSOCKET_PROTOCOL, maxMessage: maxPacketSize } };
}

/**
 * What goes on the HTTP request line after GET (RFC 6455 3: the path and query of the URI,
 * no fragment): printable ASCII without spaces, so nothing can end the line early.
 */
function isRequestTarget(rest: string): boolean {
	if (rest === "") return true;
	if (rest[0] !== "/") return false;
	for (let i = 0; i < rest.length; i++) {
		const c = rest.charCodeAt(i);
		if (c <= 0x20 || c >= 0x7f || c === 0x23) return false;
	}
	return true;
}

/* MQTT-SN (protocol "mqttsn"): the keys shared with MQTT (clientId, keepAlive, cleanSession, qos,
 * reconnectBase/Cap, maxPacketSize) mean the same here, with their own forms and defaults. */

export interface MqttSnConfig {
	/** A configured gateway, or undefined to discover one with SEARCHGW. */
	readonly gateway?: GatewayHost;
	readonly searchGw: SearchTarget;
	/** Local UDP port; 0 for any (the default always-on; sleepy binds SLEEPY_MQTTSN_PORT). */
	readonly localPort: number;
	readonly clientId: string;
	/** Seconds. */
	readonly keepAlive: number;
	readonly cleanSession: boolean;
	readonly qos: 0 | 1 | 2;
	/**
	 * `qos=-1`: publish without connection (6.8), a sleepy sensor's cheapest wake: one
	 * datagram per reading to the configured gateway, to predefined or short topics only.
	 */
	readonly connectionless: boolean;
	readonly predefinedTopics: Readonly<Record<string, number>>;
	/** Tretry and T_WAIT in ms, Nretry a count. */
	readonly tRetry: number;
	readonly nRetry: number;
	readonly tWait: number;
	readonly maxPacketSize: number;
	readonly reconnectBase: number;
	readonly reconnectCap: number;
}

const enum Udp {
	/** MQTT-SN has no registered port; 1883 is what most gateways and clients use over UDP. */
	DEFAULT_PORT = 1883,
}

/** The device's (config.ts DeviceConfig's) mode and wake timing, in ms. */
interface WakeTiming {
	readonly mode: ChoiceOf<"mode">;
	readonly sleepInterval: number;
	readonly maxAwake: number;
	readonly networkDeadline: number;
}

/** The device's power mode and wake timing decide several defaults (sleepy-mqttsn-timing.ts). */
export function parseMqttSnConfig(config: ConfigReader, device: WakeTiming): MqttSnConfig {
	const gatewayUrl = config.string("gateway");
	const target = parseUdpUrl(config.string("gatewaySearch") ?? "", "gatewaySearch");
	if (!textual.ipv4Octets(target.host)) throw new ConfigError("gatewaySearch", "udp://a.b.c.d[:port] with an IPv4 (broadcast) address");
	const reconnectBase = config.integer("reconnectBase");
	const reconnectCap = config.integer("reconnectCap");
	rules.capAtLeastBase(reconnectBase, reconnectCap);
	const qos = config.integer("qos");
	const sleepy = device.mode === "sleepy";
	// A sleeping session's CONNECTs and PINGREQs; QoS -1 sends neither.
	const session = sleepy && qos !== -1;
	const keepAlive = config.integer("keepAlive", session ? timing.sleepyKeepAlive(device.sleepInterval / 1000, device.maxAwake / 1000) : void 0);
	if (session) rules.keepAliveOutlastsSleep(keepAlive, device.sleepInterval + device.maxAwake);
	const tRetry = config.integer("tRetry", session ? timing.sleepyTRetry(device.networkDeadline) : void 0);
	if (session) rules.retryWithinDeadline(tRetry, device.networkDeadline);
	return {
		gateway: gatewayUrl === void 0 ? void 0 : parseUdpUrl(gatewayUrl, "gateway"),
		searchGw: { address: target.host, port: target.port, radius: config.integer("searchRadius") },
		// Sleepy: the same port after every deep sleep, so a gateway that knows clients by address still knows this one.
		localPort: config.integer("mqttsnPort", sleepy ? timing.SLEEPY_MQTTSN_PORT : void 0),
		clientId: config.clientId("clientId"),
		keepAlive,
		cleanSession: config.boolean("cleanSession"),
		qos: Math.max(0, qos) as 0 | 1 | 2,
		connectionless: qos === -1,
		predefinedTopics: parsePredefinedTopics(config.string("predefinedTopics")),
		tRetry,
		nRetry: config.integer("nRetry"),
		tWait: config.integer("tWait"),
		maxPacketSize: config.integer("maxPacketSize"),
		reconnectBase,
		reconnectCap,
	};
}

/** `udp://host[:port]`, port 1883 by default. */
function parseUdpUrl(url: string, key: string): GatewayHost {
	const parts = textual.splitUrl(url);
	const expected = "udp://host[:port]";
	if (!parts || parts.scheme !== "udp" || (parts.rest !== "" && parts.rest !== "/")) throw new ConfigError(key, expected);
	const port = parts.port ? Number(parts.port) : Udp.DEFAULT_PORT;
	if (port < 1 || port > 65535) throw new ConfigError(key, expected + " with a port from 1 to 65535");
	return { host: parts.host, port };
}

/** "name=id,name=id": the predefined topic ids the gateway is configured with. */
function parsePredefinedTopics(text: string | undefined): Record<string, number> {
	const topics: Record<string, number> = {};
	if (text === void 0) return topics;
	const expected = 'a list "topic=id,topic=id" with distinct ids from 1 to 65534 and topics without wildcards';
	const ids = new Set<number>();
	const entries = text.split(",");
	for (let i = 0; i < entries.length; i++) {
		const entry = entries[i];
		const equals = entry.lastIndexOf("=");
		const name = entry.slice(0, equals).trim();
		const digits = entry.slice(equals + 1).trim();
		const id = Number(digits);
		if (name === "" || !textual.isDecimal(digits, 5) || id < 1 || id > 0xfffe || ids.has(id) || name.includes("+") || name.includes("#") || name.includes("\u0000"))
			throw new ConfigError("predefinedTopics", expected);
		ids.add(id);
		topics[name] = id;
	}
	return topics;
}

/** QoS -1 needs a sleepy device, a configured gateway and a telemetry topic with a fixed id. */
export function checkConnectionless(mqttsn: MqttSnConfig, mode: string, telemetryTopic: string): void {
	if (!mqttsn.connectionless) return;
	rules.connectionlessNeedsSleepy(mode === "sleepy");
	rules.connectionlessNeedsGateway(mqttsn.gateway);
	rules.connectionlessNeedsFixedTopic(mqttsn.predefinedTopics, telemetryTopic);
}
