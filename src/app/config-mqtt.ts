/**
 * The configuration of the lamp over MQTT 3.1.1 or 5 (protocol "mqtt"): the broker, its
 * credentials and the session's limits, and the rules between them and the device's keys.
 * Forms and defaults are this section's rows (KEYS). Mapped by manifests/mqtt.json: an
 * image without MQTT neither parses nor carries this section nor its rows (protocols/table.ts).
 */
import { ConfigError } from "../common/errors";
import type { StreamTarget } from "../stream/driver";
import type { QoS } from "../mqtt/packet";
import * as textual from "../common/text";
import type { DeviceConfig } from "./config-reader";
import type { ConfigReader, ParseOptions, SectionReader } from "./config-reader";
import * as rules from "./config-rules";

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

/**
 * The rows of MQTT's keys, as config-keys.ts writes rows. cleanSession and the backoff mean
 * the same over MQTT-SN, which has its own rows of them. clientId: servers must accept 1-23
 * characters of [0-9a-zA-Z] (3.1.3.1); most accept far more.
 */
export const KEYS = `
broker uri - -
mqttVersion choice 3.1.1|5
brokerCa string - -
brokerCert string - -
brokerKey string - - secret
clientId clientId - 64
brokerUsername string - -
brokerPassword string - - secret
keepAlive integer 60 0 65535
cleanSession boolean true
qos integer 1 0 2
reconnectBase integer 1000 10 3600000
reconnectCap integer 60000 10 86400000
maxPacketSize integer 8192 128 268435460
inflightWindow integer 16 1 65535
`;

/** `device`: a sleepy one keeps its session, discovery needs a client id; `image`: what its broker may need. */
export function parseMqttConfig(reader: ConfigReader, device: DeviceConfig, image: ParseOptions): MqttConfig {
	reader.rows = KEYS;
	const config = reader as SectionReader<typeof KEYS>;
	const brokerCa = config.string("brokerCa");
	const cert = config.string("brokerCert");
	const key = config.string("brokerKey");
	const maxPacketSize = config.integer("maxPacketSize");
	const broker = parseBrokerUrl(config.required("broker"), brokerCa, "broker", maxPacketSize, cert, key);
	caNeedsMqtts(brokerCa !== void 0, broker);
	clientCertificateNeedsTls(cert !== void 0, key !== void 0, broker);
	const username = config.string("brokerUsername");
	const password = config.string("brokerPassword");
	passwordNeedsUsername(username, password);
	const reconnectBase = config.integer("reconnectBase");
	const reconnectCap = config.integer("reconnectCap");
	rules.capAtLeastBase(reconnectBase, reconnectCap);
	const mqtt: MqttConfig = {
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
	rules.persistentSessionNeedsClientId(mqtt, device.mode === "sleepy");
	rules.discoveryNeedsClientId(mqtt.clientId, device.discovery);
	brokerSchemeInImage(broker, image);
	return mqtt;
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
	const expected = "mqtt://host[:port], mqtts://, ws://host[:port][/path] or wss://";
	const scheme = parts ? SCHEMES.indexOf(parts.scheme) : -1;
	if (!parts || scheme < 0) throw new ConfigError(key, expected);
	const websocket = scheme >= 2;
	if (!websocket && parts.rest !== "" && parts.rest !== "/") throw new ConfigError(key, expected);
	if (websocket && !isRequestTarget(parts.rest)) throw new ConfigError(key, expected + ": a printable path, no fragment");
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

/* The rules of this section's own keys (config-rules.ts has the shared ones; the README lists both). */

/** Said twice below: a module's bytecode holds a string literal once per use. */
const TLS_ONLY = "only with an mqtts:// or wss:// broker";

/** MQTT 3.1.2.9: a password is sent only with a user name. */
export function passwordNeedsUsername(username: string | undefined, password: string | undefined): void {
	if (password !== void 0 && username === void 0) throw new ConfigError("brokerUsername", "a user name with brokerPassword");
}

/** A trust anchor only means something for a TLS broker. */
export function caNeedsMqtts(caGiven: boolean, broker: StreamTarget): void {
	if (caGiven && !broker.tls) throw new ConfigError("brokerCa", TLS_ONLY);
}

/** A client certificate goes with its key, and only to a TLS broker (mqtts://, wss://). */
export function clientCertificateNeedsTls(certGiven: boolean, keyGiven: boolean, broker: StreamTarget): void {
	if (certGiven !== keyGiven) throw new ConfigError(certGiven ? "brokerCert" : "brokerKey", "brokerCert and brokerKey together");
	if (certGiven && !broker.tls) throw new ConfigError("brokerCert", TLS_ONLY);
}

/**
 * An image built without TLS or without the WebSocket client (the ESP8266's default has
 * neither) refuses a broker needing them at start, not at every connect.
 */
export function brokerSchemeInImage(broker: StreamTarget, image: { readonly tls?: boolean; readonly websocket?: boolean }): void {
	if (broker.tls && image.tls === false) throw new ConfigError("broker", "mqtt://: no TLS in this image (manifest_tls.json has it)");
	if (broker.websocket && image.websocket === false) throw new ConfigError("broker", "mqtt[s]://: no WebSocket in this image (manifests/websocket.json)");
}
