/**
 * The rules between keys, each stated once and named, each a ConfigError naming the key
 * to change (never a value). A single key's form and range are the table's
 * (config-keys.ts); the static address's own checks are config-reader.ts's. The README
 * lists these rules (tools/config-docs.ts). These are the rules of keys more than one
 * protocol reads; a rule of one protocol's keys is in its section's module
 * (config-mqtt.ts, config-mqttsn.ts, config-coap.ts), so an image carries only the rules
 * of its protocols. No rule here imports a protocol's module.
 */
import { ConfigError } from "../common/errors";

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

/** The network deadline is part of a wake, so it ends no later than maxAwake. */
export function deadlineWithinWake(networkDeadlineMs: number, maxAwakeMs: number): void {
	if (networkDeadlineMs > maxAwakeMs) throw new ConfigError("networkDeadline", "at most maxAwake");
}

/** The backoff's cap is at least its base. */
export function capAtLeastBase(base: number, cap: number): void {
	if (cap < base) throw new ConfigError("reconnectCap", "at least reconnectBase");
}

