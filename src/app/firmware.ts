/**
 * The firmware's entry point, shared by every board: check the configuration, build the
 * drivers on the board's pins, and start the device in its power mode over the protocols
 * this image includes (protocols/table.ts, or the table the manifest maps in its place).
 */
import type { Board } from "../common/board";
import { ConfigError, errorFields } from "../common/errors";
import { Lamp } from "../drivers/lamp";
import { startAlwaysOn } from "./always-on";
import type { ParseOptions } from "./config";
import { parseConfig } from "./config-parse";
import type { RawConfig } from "./config-reader";
import type { RunningApp } from "./lamp-app";
import { joinThenStart } from "./network-join";
import { startSleepyDevice } from "./sleepy";
import { PROTOCOLS } from "./protocols/table";

export type { RunningApp };

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
