/**
 * The rules between keys, each stated once and named, each a ConfigError naming the key
 * to change (never a value). A single key's form and range are the table's
 * (config-keys.ts); the static address's own checks are config-reader.ts's. The README
 * lists these rules (tools/config-docs.ts). No rule imports a protocol's module: its
 * section passes what the protocol says (config-mqttsn.ts), so every image carries these
 * rules without the protocols it leaves out.
 */
import { ConfigError } from "../common/errors";
import type { StreamTarget } from "../stream/driver";
import type { GatewayHost } from "../mqttsn/client";

/** A board that joins Wi-Fi itself needs the network's name. */
export function joiningNeedsSsid(ssid: string | undefined, joins: boolean): void {
	if (joins && ssid === void 0) throw new ConfigError("ssid", "a non-empty string (missing or empty)");
}

/**
 * A session kept across connections is kept under its client id (MQTT 3.1.3.1, MQTT-SN
 * 6.3): cleanSession false needs one, and so does a sleepy device over MQTT or MQTT-SN,
 * which always keeps its session (no resubscribing, commands queued while asleep).
 */
export function persistentSessionNeedsClientId(session: { readonly clientId: string; readonly cleanSession: boolean }, sleepy: boolean): void {
	if (session.clientId !== "") return;
	if (sleepy) throw new ConfigError("clientId", "a client id in sleepy mode");
	if (!session.cleanSession) throw new ConfigError("clientId", "a client id with cleanSession false");
}

/** Home Assistant knows a device by its identifiers, made from the client id: a generated one would be a new device every boot. */
export function discoveryNeedsClientId(clientId: string | undefined, discovery: string | undefined): void {
	if (discovery !== void 0 && !clientId) throw new ConfigError("homeAssistant", "a clientId, protocol mqtt or mqttsn");
}

/** MQTT 3.1.2.9: a password is sent only with a user name. */
export function passwordNeedsUsername(username: string | undefined, password: string | undefined): void {
	if (password !== void 0 && username === void 0) throw new ConfigError("brokerUsername", "a user name with brokerPassword");
}

/** Said twice below: a module's bytecode holds a string literal once per use. */
const TLS_ONLY = "only with an mqtts:// or wss:// broker";

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

/** The network deadline is part of a wake, so it ends no later than maxAwake. */
export function deadlineWithinWake(networkDeadlineMs: number, maxAwakeMs: number): void {
	if (networkDeadlineMs > maxAwakeMs) throw new ConfigError("networkDeadline", "at most maxAwake");
}

/** The backoff's cap is at least its base. */
export function capAtLeastBase(base: number, cap: number): void {
	if (cap < base) throw new ConfigError("reconnectCap", "at least reconnectBase");
}

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

/** RFC 7959 2.2: a block is 2^(SZX+4) bytes. */
export function blockSizePowerOfTwo(blockSize: number): void {
	if ((blockSize & (blockSize - 1)) !== 0) throw new ConfigError("blockSize", "a power of two from 16 to 1024");
}
