/**
 * The always-on device (a mains lamp), over whichever uplink the config names: the
 * uplink's session is kept alive (keep-alive, reconnect with backoff), DHT22 readings go
 * out every readingInterval, and a press of the button toggles the lamp. Protocol-neutral:
 * everything a protocol does is behind the Uplink (uplink.ts). At power-on the lamp is off,
 * on, or as it was (`powerOn`: restore, from retained memory), and that state is published
 * on connect, with the health report and Home Assistant's discovery (lamp-app.ts Reports).
 */
import type { Board } from "../common/board";
import { boardRandom } from "../common/random";
import { Button } from "../drivers/button";
import { Dht22 } from "../drivers/dht22/sensor";
import type { Lamp } from "../drivers/lamp";
import { reserveJoinHint } from "./network-join";
import { RetainedStore } from "../power/retained-store";
import type { FirmwareConfig } from "./config";
import { LampApp, PeriodicTelemetry, Reports, type RunningApp } from "./lamp-app";
import { openUplink, type ProtocolTable, type RetainedSession, type Uplink } from "./uplink";

/** A running always-on device, with its uplink for whoever looks further (tests, the CoAP server's resources). */
export interface RunningDevice extends RunningApp {
	readonly uplink: Uplink;
}

export function startAlwaysOn(board: Board, config: FirmwareConfig, lamp: Lamp, table: ProtocolTable): RunningDevice {
	const device = config.device;
	const power = board.power;
	// The board's retained memory, opened at start: it counts the boot, keeps the lamp for
	// powerOn=restore, and a persistent session survives a reset in it. The same two-slot
	// store a sleepy wake keeps its state in (power/retained-store.ts), laid out as a sleepy
	// wake lays it out (the join hint's bytes kept aside), so the chip's RTC memory holds one
	// format whatever the mode. On the ESP8266 and ESP32 it survives a reset or a watchdog
	// restart, not a power cut: then there is no state, and the uplink starts afresh.
	const store = power ? new RetainedStore(board, board.network ? reserveJoinHint(power).power : power, config.protocol, 0) : void 0;
	const kept = store ? store.state : void 0;
	let session = (store && store.session) ?? new Uint8Array(0);
	const keep = () => store && store.save({ lastReadAt: void 0, reconnectAttempt: 0, lampOn: lamp.on, session });
	// Opened by an uplink that keeps a session (adapters/mqtt.ts with cleanSession false).
	const retained = store
		? (): RetainedSession => ({ state: store.session, room: store.sessionRoom, save: (bytes) => ((session = bytes), keep()) })
		: void 0;
	lamp.set(device.powerOn === "on" || (device.powerOn === "restore" && kept !== void 0 && kept.lampOn));
	keep();
	const reports = new Reports(board, config, { boot: kept && kept.bootCount, reset: power?.wakeCause ?? "start" }, () => uplink);
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
	telemetry?.tick();
	const settings = device.button;
	const button = settings
		? new Button(board, {
				...settings,
				onPress: () => app.press(),
				onLongPress: settings.longPress === "reading" && telemetry ? () => telemetry.read() : void 0,
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
