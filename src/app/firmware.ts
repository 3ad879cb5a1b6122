/**
 * The firmware's entry point, shared by every board: check the configuration, build the
 * drivers on the board's pins, and start the device in its power mode over the protocols
 * this image includes (protocols/table.ts, or the table the manifest maps in its place).
 */
import type { Board } from "../common/board";
import { ConfigError, errorFields } from "../common/errors";
import { Lamp } from "../drivers/lamp";
import { startAlwaysOn } from "./always-on";
import type { FirmwareConfig, LampConfig, ParseOptions, SectionParser } from "./config";
import { ConfigReader, parseDeviceConfig, parseStaticAddress, type Protocol, type RawConfig } from "./config-reader";
import * as rules from "./config-rules";
import type { RunningApp } from "./lamp-app";
import { joinThenStart } from "./network-join";
import { startSleepyDevice } from "./sleepy";
import { PROTOCOLS } from "./protocols/table";
import type { ProtocolTable } from "./uplink";

export type { RunningApp };

/**
 * parseConfig parses the firmware's configuration (config.ts) once at start, for the protocols the
 * image includes: the common keys here, the device's and the static address by config-reader.ts, the protocol's
 * by the section of its entry in the image's table (protocols/table.ts, or the table the
 * manifest maps in its place). A protocol the image lacks is refused here, before any
 * other key, and its keys are never read. Apart from config.ts because the table carries
 * the uplinks too, whose adapters read config.ts's types.
 */

/** `image`: the protocols the image includes; the full table by default (the host's; tests pass another image's). */
export function parseConfig(raw: RawConfig, options: ParseOptions, image: ProtocolTable = PROTOCOLS): FirmwareConfig {
	const config = new ConfigReader(raw);
	const protocol: Protocol = config.protocol;
	// Refused before any other key: the rest of such a config is for an image this one is not.
	const entry = (image as Readonly<Partial<Record<Protocol, { readonly section: SectionParser<unknown> }>>>)[protocol];
	// A table holds its protocols only, in the order the refusal lists them (protocols/table.ts: mqtt, mqttsn, coap).
	if (entry === void 0) throw new ConfigError("protocol", "one of the protocols this image includes: " + Object.keys(image).join(", "));
	// The Wi-Fi keys are the boards' to use; checked on every board, so a bad value is refused everywhere.
	rules.joiningNeedsSsid(config.string("ssid"), options.wifi);
	config.string("password");
	config.string("sntp");
	const staticAddress = parseStaticAddress(config);
	const topic = config.topic("lampTopic");
	const lamp: LampConfig = {
		pin: config.integer("lampPin"),
		activeLow: config.choice("lampActive") === "low",
		topic,
		stateTopic: config.topic("stateTopic", topic + "/state"),
		statusTopic: config.topic("statusTopic", topic + "/status"),
	};
	const device = parseDeviceConfig(config);
	// The section is stored under its protocol's name, as FirmwareConfig's members say (ProtocolTable pairs them).
	return { protocol, lamp, device, staticAddress, [protocol]: entry.section(config, device, options) } as unknown as FirmwareConfig;
}

/** Throws ConfigError (naming the key) before touching the network if the config is unusable. */
export function startFirmware(board: Board, raw: RawConfig, options: ParseOptions): RunningApp {
	// One table for both: the config is refused for what the image lacks, so the uplink opened from it is one the image runs.
	const config = parseConfig(raw, options, PROTOCOLS);
	const lamp = new Lamp(board.digitalOutput(config.lamp.pin), config.lamp.activeLow);
	board.log("start", { board: board.name, protocol: config.protocol, lampPin: config.lamp.pin, mode: config.device.mode });
	if (config.device.mode === "sleepy") return startSleepyDevice(board, config, lamp, PROTOCOLS);
	const start = () => startAlwaysOn(board, config, lamp, PROTOCOLS);
	// A board that joins its network itself starts the protocol once joined, retrying until then.
	return board.network ? joinThenStart(board, board.network, start, { address: config.staticAddress }) : start();
}

/** Logs a startup failure as one event; a ConfigError names the key and the expected form. */
export function reportStartupError(board: Board, error: unknown): void {
	if (error instanceof ConfigError) board.log("config-error", { key: error.key, expected: error.expected, message: error.message });
	else board.log("error", errorFields(error));
}
