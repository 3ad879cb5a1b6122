/**
 * The device's configuration: power mode, wake cycle, DHT22, telemetry and button keys
 * (see the README's "Mode, pins, DHT22 and sleep" section). Protocol keys live in
 * config.ts and config-mqttsn.ts.
 */
import { ConfigError } from "../common/errors";
import type { ConfigReader } from "./config-reader";
import { topicName } from "./config";

export const MODES = ["always-on", "sleepy"] as const;
export type Mode = (typeof MODES)[number];

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
}

export interface ButtonConfig {
	readonly pin: number;
	readonly activeLow: boolean;
	readonly debounceMs: number;
	readonly longPressMs: number;
	/** What a long press does: nothing, or publish a fresh reading at once. */
	readonly longPress: "none" | "reading";
}

export function parseDeviceConfig(config: ConfigReader): DeviceConfig {
	const mode = config.oneOf("mode", MODES, "always-on");
	const sleepInterval = config.integer("sleepInterval", 300, 1, 86_400) * 1000;
	const maxAwake = config.integer("maxAwake", 30, 1, 600) * 1000;
	const networkDeadline = config.integer("networkDeadline", 10, 1, 600) * 1000;
	if (networkDeadline > maxAwake) throw new ConfigError("networkDeadline", "seconds no longer than maxAwake");
	const dht22Pin = config.integer("dht22Pin", 4, -1, 48);
	const buttonPin = config.integer("buttonPin", 0, -1, 48);
	return {
		mode,
		sleepInterval,
		maxAwake,
		networkDeadline,
		readingInterval: config.integer("readingInterval", 60, 2, 86_400) * 1000,
		dht22Pin: dht22Pin < 0 ? undefined : dht22Pin,
		telemetryTopic: topicName(config, "telemetryTopic", "home/office/dht22"),
		button:
			buttonPin < 0
				? undefined
				: {
						pin: buttonPin,
						activeLow: config.oneOf("buttonActive", ["high", "low"], "low") === "low",
						debounceMs: config.integer("debounceMs", 30, 1, 1000),
						longPressMs: config.integer("longPressMs", 1000, 0, 60_000),
						longPress: config.oneOf("longPress", ["none", "reading"], "reading"),
					},
	};
}

/**
 * A sleepy device always keeps its session on the broker or gateway across wakes (no
 * resubscribing, commands queued while asleep), whatever cleanSession says: that needs
 * a client id to keep it under. CoAP keeps no session: it needs none.
 */
export function checkSleepySession(config: ConfigReader, mode: Mode, protocol: string): void {
	if (mode !== "sleepy" || protocol === "coap") return;
	if (!config.optionalString("clientId")) throw new ConfigError("clientId", "a non-empty client id in sleepy mode (the broker keeps the session under it)");
}
