/**
 * The device around the lamp: the DHT22, telemetry and the button, in either power mode.
 * Always-on: the protocol's session is kept alive (keep-alive, reconnect with backoff),
 * readings go out every readingInterval, a press toggles the lamp. Sleepy: one wake
 * cycle per boot (sleepy.ts), then deep sleep.
 */
import type { Board } from "../common/board";
import { boardRandom } from "../common/random";
import { ConfigError } from "../common/errors";
import { Button } from "../drivers/button";
import { Dht22 } from "../drivers/dht22/sensor";
import type { Lamp } from "../drivers/lamp";
import type { FirmwareConfig } from "./config";
import type { LampApp, RunningApp } from "./lamp-app";
import { startSleepy } from "./sleepy";
import { mqttSleepySession } from "./sleepy-mqtt";
import { mqttSnSleepySession } from "./sleepy-mqttsn";
import { mqttSnConnectionlessSession } from "./sleepy-mqttsn-connectionless";
import { coapSleepySession } from "./sleepy-coap";
import { reserveJoinHint } from "../power/join-hint";
import { joinWithin } from "./network-join";
import { PeriodicTelemetry, type SendReading } from "./telemetry";

/** What a protocol's lamp offers the device: the app (for the button) and a way to send readings. */
export interface RunningLamp extends RunningApp {
	readonly app?: LampApp;
	readonly sendReading?: SendReading;
}

/** Always-on: telemetry and the button around a running lamp (whose own members stay reachable). */
export function withDevice<T extends RunningLamp>(board: Board, config: FirmwareConfig, running: T): T {
	const { device } = config;
	const send = running.sendReading;
	const sensor = device.dht22Pin === undefined ? undefined : new Dht22(board, { pin: device.dht22Pin, random: boardRandom(board) });
	const telemetry = sensor && send ? new PeriodicTelemetry(board, sensor, send, device.readingInterval) : undefined;
	telemetry?.start();
	const app = running.app;
	const settings = device.button;
	const button =
		settings && app
			? new Button(board, {
					...settings,
					onPress: () => app.press(),
					onLongPress: settings.longPress === "reading" && telemetry ? () => telemetry.now() : undefined,
				})
			: undefined;
	return {
		...running,
		async stop() {
			telemetry?.stop();
			button?.close();
			await running.stop();
		},
	};
}

/** Sleepy: this boot is one wake cycle, ending in deep sleep. */
export function startSleepyDevice(board: Board, config: FirmwareConfig, lamp: Lamp): RunningApp {
	const deepSleep = board.power;
	if (!deepSleep) throw new ConfigError("mode", `"always-on" on board ${board.name}, which cannot deep sleep`);
	// A board that joins Wi-Fi itself: the join is bounded by networkDeadline and starts from the
	// hint kept at the end of retained memory; the wake's record gets the rest (join-hint.ts).
	const network = board.network;
	const split = network ? reserveJoinHint(deepSleep) : undefined;
	const power = split ? split.power : deepSleep;
	const join = network ? () => joinWithin(board, network, split?.hints, board.now() + config.device.networkDeadline, config.staticAddress) : undefined;
	switch (config.protocol) {
		case "mqtt":
			return startSleepy(board, power, config, lamp, "mqtt", config.mqtt.qos, mqttSleepySession(board, config), join);
		case "mqttsn": {
			const session = config.mqttsn.connectionless ? mqttSnConnectionlessSession(board, config) : mqttSnSleepySession(board, config);
			return startSleepy(board, power, config, lamp, "mqttsn", config.mqttsn.qos, session, join);
		}
		case "coap":
			return startSleepy(board, power, config, lamp, "coap", config.coap.confirmable ? 1 : 0, coapSleepySession(board, config), join);
	}
}
