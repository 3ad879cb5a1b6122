/** Always-on on a virtual clock: periodic readings, the button toggling the lamp, a long press reading at once. */
import { describe, it, check } from "./test-api";
import { startFirmware } from "../../src/app/firmware";
import { parseConfig } from "../../src/app/firmware";
import { DeviceBoard, run } from "../../testkit/portable/device-board";
import { MiniBroker } from "../../testkit/portable/mini-broker";

const CONFIG = { broker: "mqtt://broker.local", clientId: "lamp-1", readingInterval: "10", buttonPin: "0", lampPin: "2", longPressMs: "800" };

function start(config: Record<string, string> = {}) {
	const board = new DeviceBoard({ dht22: { temperature: 19.5, humidity: 51 } });
	const broker = new MiniBroker();
	board.broker = broker;
	const app = startFirmware(board, { ...CONFIG, ...config }, { wifi: false });
	const button = board.simulatedPins.pin(0);
	const readings = () => broker.published.filter((p) => p.topic === "home/office/dht22");
	/** A clean stop waits for "offline" to be acknowledged, on the virtual clock. */
	const stop = async () => {
		const stopped = app.stop();
		await run(board, 100);
		await stopped;
	};
	return { board, broker, stop, button, readings };
}

describe("Always-on device", () => {
	it("defaults: always-on, a reading a minute, DHT22 on GPIO 4, the button on GPIO 0 active low", () => {
		const { device } = parseConfig({ broker: "mqtt://b" }, { wifi: false });
		check([device.mode, device.readingInterval, device.dht22Pin, device.telemetryTopic]).toEqual(["always-on", 60_000, 4, "home/office/dht22"]);
		check(device.button).toEqual({ pin: 0, activeLow: true, debounceMs: 30, longPressMs: 1000, longPress: "reading" });
		check(parseConfig({ broker: "mqtt://b", dht22Pin: "-1", buttonPin: "-1" }, { wifi: false }).device.button).toBeUndefined();
	});

	it("publishes a reading at start and every readingInterval", async () => {
		const { board, readings, stop } = start();
		await run(board, 100);
		check(readings()).toHaveLength(1);
		check(readings()[0].payload).toMatch(/^\{"t":19\.5,"h":51,"ts":\d+\}$/);
		await run(board, 10_000);
		check(readings()).toHaveLength(2);
		await run(board, 20_000);
		check(readings()).toHaveLength(4);
		await stop();
	});

	it("toggles the lamp on a press and publishes the state; a long press reads at once", async () => {
		const { board, broker, button, readings, stop } = start();
		await run(board, 2500);
		button.drive(0);
		await run(board, 100);
		button.drive(1);
		await run(board, 100);
		check(board.outputs.get(2)).toBe(1);
		check(broker.retained.get("home/office/lamp/state")).toBe("on");
		const before = readings().length;
		button.drive(0);
		await run(board, 900);
		check(readings()).toHaveLength(before + 1);
		button.drive(1);
		await run(board, 100);
		// The long press was not also a short one.
		check(board.outputs.get(2)).toBe(1);
		await stop();
	});

	it("stops cleanly: no more readings after stop", async () => {
		const { board, readings, stop } = start();
		await run(board, 100);
		await stop();
		await run(board, 30_000);
		check(readings()).toHaveLength(1);
		check(board.events("reading")).toHaveLength(1);
	});
});
