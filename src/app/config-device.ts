/**
 * The device: power mode, wake cycle, DHT22, telemetry and button keys (see the README's
 * "Mode, pins, DHT22 and sleep" section). Read before the protocol's section, whose rules
 * and defaults depend on the mode and on discovery (firmware.ts).
 */
import type { ChoiceOf } from "./config-keys";
import type { ConfigReader } from "./config-reader";
import * as rules from "./config-rules";

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
	/** Always-on: time between health reports, ms; 0 for on connect only (home-assistant.ts). */
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
