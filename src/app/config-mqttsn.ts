/**
 * The configuration of the lamp over MQTT-SN (protocol "mqttsn"): the gateway, or how to
 * search for one, the session and its timers, and the rules between them and the device's
 * keys. The keys it shares with MQTT (clientId, keepAlive, cleanSession, qos,
 * reconnectBase/Cap, maxPacketSize) mean the same here, with this section's own rows of
 * them (KEYS). Mapped by manifests/mqttsn.json: an image without MQTT-SN neither parses nor
 * carries this section nor its rows (protocols/table.ts).
 */
import { ConfigError } from "../common/errors";
import type { GatewayHost } from "../mqttsn/client";
import type { SearchTarget } from "../mqttsn/session";
import { isShortTopicName } from "../mqttsn/short-topic";
import * as textual from "../common/text";
import type { DeviceConfig } from "./config-reader";
import type { ConfigReader, SectionReader } from "./config-reader";
import * as rules from "./config-rules";
import * as timing from "./sleepy-mqttsn-timing";

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

/**
 * The rows of MQTT-SN's keys, as config-keys.ts writes rows; cleanSession and the backoff
 * as MQTT's (config-mqtt.ts). A ClientId has 1 to 23 characters (5.3.1). The timers'
 * defaults are 7.2's, written out (host-tests/static/config-table.test.ts compares them).
 * MQTT-SN has no registered port; 1883 is what most gateways and clients use over UDP.
 */
export const KEYS = `
clientId clientId - 23
keepAlive integer 60 0 65535 contextual
qos integer 1 -1 2
maxPacketSize integer 1024 16 65535
gateway uri - -
gatewaySearch uri udp://255.255.255.255:1883 -
searchRadius integer 1 0 255
mqttsnPort integer 0 0 65535 contextual
predefinedTopics topics - -
tRetry integer 10000 10 3600000 contextual
nRetry integer 5 0 100
tWait integer 300000 10 86400000
cleanSession boolean true
reconnectBase integer 1000 10 3600000
reconnectCap integer 60000 10 86400000
`;

/** The device's power mode and wake timing decide several defaults (sleepy-mqttsn-timing.ts). */
export function parseMqttSnConfig(reader: ConfigReader, device: DeviceConfig): MqttSnConfig {
	reader.rows = KEYS;
	const config = reader as SectionReader<typeof KEYS>;
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
	if (session) keepAliveOutlastsSleep(keepAlive, device.sleepInterval + device.maxAwake);
	const tRetry = config.integer("tRetry", session ? timing.sleepyTRetry(device.networkDeadline) : void 0);
	if (session) retryWithinDeadline(tRetry, timing.maxSleepyTRetry(device.networkDeadline));
	const mqttsn: MqttSnConfig = {
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
	rules.persistentSessionNeedsClientId(mqttsn, sleepy);
	rules.discoveryNeedsClientId(mqttsn.clientId, device.discovery);
	checkConnectionless(mqttsn, device);
	return mqttsn;
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
	const expected = '"topic=id,topic=id", distinct ids 1 to 65534, no wildcards';
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
function checkConnectionless(mqttsn: MqttSnConfig, device: DeviceConfig): void {
	if (!mqttsn.connectionless) return;
	connectionlessNeedsSleepy(device.mode === "sleepy");
	connectionlessNeedsGateway(mqttsn.gateway);
	const topic = device.telemetryTopic;
	connectionlessNeedsFixedTopic(Object.hasOwn(mqttsn.predefinedTopics, topic) || isShortTopicName(topic));
}

/* The rules of this section's own keys (config-rules.ts has the shared ones; the README lists both). */

/**
 * A sleeping MQTT-SN client is not pinged to the broker by the gateways in use, so the
 * keep-alive must outlast a whole cycle or the broker publishes the will while the device
 * sleeps; 0 is none, and 65535, the field's largest, the answer for longer sleeps.
 */
export function keepAliveOutlastsSleep(keepAlive: number, cycleMs: number): void {
	if (keepAlive !== 0 && keepAlive !== 0xffff && keepAlive * 1000 <= cycleMs)
		throw new ConfigError(
			"keepAlive",
			"0, 65535 or over sleepInterval + maxAwake in sleepy mode (else the will is sent while asleep)",
		);
}

/**
 * A sleepy MQTT-SN wake sends a lost PINGREQ again, and then a CONNECT, within its network
 * deadline: `maxTRetry` is the largest Tretry that allows (sleepy-mqttsn-timing.ts).
 */
export function retryWithinDeadline(tRetry: number, maxTRetry: number): void {
	if (tRetry > maxTRetry)
		throw new ConfigError("tRetry", "at most networkDeadline / 3 in sleepy mode");
}

/** QoS -1 (publish without connection, MQTT-SN 6.8) is a sleepy sensor's wake: always-on keeps a connection. */
export function connectionlessNeedsSleepy(sleepy: boolean): void {
	if (!sleepy) throw new ConfigError("qos", "0, 1 or 2; -1 only in sleepy mode");
}

/** QoS -1 has no connection to discover a gateway with. */
export function connectionlessNeedsGateway(gateway: GatewayHost | undefined): void {
	if (!gateway) throw new ConfigError("gateway", "udp://host[:port] for QoS -1");
}

/** QoS -1 cannot register a topic: the readings go to a predefined or two-character topic (`fixed`: the telemetry topic is one). */
export function connectionlessNeedsFixedTopic(fixed: boolean): void {
	if (!fixed)
		throw new ConfigError("predefinedTopics", "an id for telemetryTopic for QoS -1");
}
