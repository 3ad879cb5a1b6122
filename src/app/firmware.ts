/**
 * The firmware's entry point, shared by every board: check the configuration, build the
 * drivers on the board's pins, and start the application over the configured protocol.
 */
import type { Board } from "../common/board";
import { ConfigError, errorFields } from "../common/errors";
import { Lamp } from "../drivers/lamp";
import { parseConfig, type FirmwareConfig, type ParseOptions } from "./config";
import { startSleepyDevice, withDevice, type RunningLamp } from "./device";
import type { RawConfig } from "./config-reader";
import { startMqttLamp, type RunningApp } from "./mqtt-lamp";
import { startMqttSnLamp } from "./mqttsn-lamp";
import { startCoapLamp } from "./coap-lamp";
import { joinThenStart } from "./network-join";

export type { RunningApp };

/** Throws ConfigError (naming the key) before touching the network if the config is unusable. */
export function startFirmware(board: Board, raw: RawConfig, options: ParseOptions): RunningApp {
	const config = parseConfig(raw, options);
	const lamp = new Lamp(board.digitalOutput(config.lamp.pin), config.lamp.activeLow);
	board.log("start", { board: board.name, protocol: config.protocol, lampPin: config.lamp.pin, mode: config.device.mode });
	if (config.device.mode === "sleepy") return startSleepyDevice(board, config, lamp);
	const start = () => withDevice(board, config, startLamp(board, config, lamp));
	// A board that joins its network itself starts the protocol once joined, retrying until then.
	return board.network ? joinThenStart(board, board.network, start, { address: config.staticAddress }) : start();
}

function startLamp(board: Board, config: FirmwareConfig, lamp: Lamp): RunningLamp {
	switch (config.protocol) {
		case "mqtt":
			return startMqttLamp(board, config, lamp);
		case "mqttsn":
			return startMqttSnLamp(board, config, lamp);
		case "coap":
			return startCoapLamp(board, config.coap, lamp);
	}
}

/** Logs a startup failure as one event; a ConfigError names the key and the expected form. */
export function reportStartupError(board: Board, error: unknown): void {
	if (error instanceof ConfigError) board.log("config-error", { key: error.key, expected: error.expected, message: error.message });
	else board.log("error", errorFields(error));
}
