/**
 * The always-on device (a mains lamp), over whichever uplink the config names: the
 * uplink's session is kept alive (keep-alive, reconnect with backoff), DHT22 readings go
 * out every readingInterval, and a press of the button toggles the lamp. Protocol-neutral:
 * everything a protocol does is behind the Uplink (uplink.ts). At power-on the lamp is off,
 * on, or as it was (`powerOn`: restore, from retained memory), and that state is published
 * on connect, with the health report and Home Assistant's discovery (reports.ts).
 */
import type { Board } from "../common/board";
import { boardRandom } from "../common/random";
import { Button } from "../drivers/button";
import { Dht22 } from "../drivers/dht22/sensor";
import type { Lamp } from "../drivers/lamp";
import type { FirmwareConfig } from "./config";
import { LampApp, type RunningApp } from "./lamp-app";
import { Reports } from "./reports";
import { openRetainedSession } from "./retained-session";
import { PeriodicTelemetry } from "./telemetry";
import { openUplink, type Uplink, type UplinkTable } from "./uplink";

/** A running always-on device, with its uplink for whoever looks further (tests, the CoAP server's resources). */
export interface RunningDevice extends RunningApp {
	readonly uplink: Uplink;
}

export function startAlwaysOn(board: Board, config: FirmwareConfig, lamp: Lamp, table: UplinkTable): RunningDevice {
	const { device } = config;
	const power = board.power;
	// The board's retained memory (retained-session.ts), opened at start: it counts the boot,
	// keeps the lamp for powerOn=restore, and a persistent session survives a reset in it.
	const memory = power ? openRetainedSession(board, power, config, () => lamp.on) : void 0;
	let session = memory?.state ?? new Uint8Array(0);
	const keep = () => memory?.save(session);
	const retained = memory
		? () => ({ state: memory.state, room: memory.room, save: (bytes: Uint8Array) => memory.save((session = bytes)) })
		: void 0;
	lamp.set(device.powerOn === "on" || (device.powerOn === "restore" && memory?.lampOn === true));
	keep();
	const reports = new Reports(board, config, { boot: memory?.bootCount, reset: power?.wakeCause ?? "start" }, () => uplink);
	const app: LampApp = new LampApp(board, lamp, () => uplink, {
		changed: device.powerOn === "restore" ? keep : void 0,
		error: (error) => reports.noteError(error),
	});
	const uplink = openUplink(
		table,
		board,
		config,
		{
			online: () => {
				app.online();
				reports.connected();
			},
			command: (payload) => app.command(payload),
			lampOn: () => lamp.on,
			report: app.reportError,
		},
		void 0,
		retained,
	);
	uplink.start();
	reports.every(device.healthInterval);
	const sensor = device.dht22Pin === void 0 ? void 0 : new Dht22(board, { pin: device.dht22Pin, random: boardRandom(board) });
	const telemetry = sensor ? new PeriodicTelemetry(board, sensor, (json) => uplink.publishReading(json), device.readingInterval) : void 0;
	telemetry?.start();
	const settings = device.button;
	const button = settings
		? new Button(board, {
				...settings,
				onPress: () => app.press(),
				onLongPress: settings.longPress === "reading" && telemetry ? () => telemetry.now() : void 0,
			})
		: void 0;
	return {
		uplink,
		async stop() {
			telemetry?.stop();
			reports.stop();
			button?.close();
			await app.stop(uplink.connected, () => uplink.stop());
		},
	};
}
