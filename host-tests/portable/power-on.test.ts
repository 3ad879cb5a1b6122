/**
 * The always-on lamp at power-on (`powerOn`): off, on, or as the last run left it, kept
 * in retained memory (the record's lamp flag: no byte more on the ESP8266), and published
 * once connected. Each "restart" is a fresh firmware on a fresh board sharing only the
 * retained bytes, as a reset keeps RTC memory.
 */
import { describe, it, check } from "./test-api";
import { startFirmware } from "../../src/app/firmware";
import { DeviceBoard, FakePower, retainedIn, run } from "../../testkit/portable/device-board";
import { MiniBroker } from "../../testkit/portable/mini-broker";
import type { RetainedState } from "../../src/power/retained-store";

const CONFIG = { broker: "mqtt://broker.local", clientId: "lamp-1", lampPin: "2", buttonPin: "-1", dht22Pin: "-1" };

function kept(power: FakePower): RetainedState | undefined {
	const decoded = retainedIn(power);
	return "state" in decoded ? decoded.state : undefined;
}

async function boot(power: FakePower, broker: MiniBroker, config: Record<string, string>) {
	const board = new DeviceBoard({ power });
	board.broker = broker;
	const app = startFirmware(board, { ...CONFIG, ...config }, { wifi: false });
	const lampAtStart = board.outputs.get(2);
	await run(board, 100);
	return { board, app, lampAtStart };
}

describe("Power-on state", () => {
	it("off by default and with powerOn=off, whatever the last run left", async () => {
		const power = new FakePower();
		const broker = new MiniBroker();
		const first = await boot(power, broker, { powerOn: "restore" });
		broker.publish("home/office/lamp", "on");
		await run(first.board, 50);
		check(first.board.outputs.get(2)).toBe(1);
		for (const powerOn of [undefined, "off"]) {
			const again = await boot(power, broker, powerOn ? { powerOn } : {});
			check(again.lampAtStart ?? 0).toBe(0);
			check(broker.retained.get("home/office/lamp/state")).toBe("off");
		}
	});

	it("on with powerOn=on, published once connected", async () => {
		const broker = new MiniBroker();
		const { lampAtStart } = await boot(new FakePower(), broker, { powerOn: "on" });
		check(lampAtStart).toBe(1);
		check(broker.retained.get("home/office/lamp/state")).toBe("on");
	});

	it("restore: the last state across restarts, off when nothing was kept", async () => {
		const power = new FakePower();
		const broker = new MiniBroker();
		const first = await boot(power, broker, { powerOn: "restore" });
		check(first.lampAtStart ?? 0).toBe(0);
		broker.publish("home/office/lamp", "on");
		await run(first.board, 50);
		// Kept at once, before any acknowledgement: a reset now still comes back on.
		check(kept(power)?.lampOn).toBe(true);
		broker.retained.delete("home/office/lamp/state");
		const second = await boot(power, broker, { powerOn: "restore" });
		check(second.lampAtStart).toBe(1);
		check(broker.retained.get("home/office/lamp/state")).toBe("on");
		broker.publish("home/office/lamp", "toggle");
		await run(second.board, 50);
		const third = await boot(power, broker, { powerOn: "restore" });
		check(third.lampAtStart ?? 0).toBe(0);
		check(broker.retained.get("home/office/lamp/state")).toBe("off");
		// A power cut: retained memory lost, the lamp starts off.
		const fourth = await boot(new FakePower(), broker, { powerOn: "restore" });
		check(fourth.lampAtStart ?? 0).toBe(0);
	});

	it("restore keeps a persistent session's record intact", async () => {
		const power = new FakePower();
		const broker = new MiniBroker();
		const config = { powerOn: "restore", cleanSession: "false" };
		const first = await boot(power, broker, config);
		broker.publish("home/office/lamp", "on");
		await run(first.board, 50);
		const record = kept(power);
		check(record?.protocol).toBe("mqtt");
		check((record?.session.length ?? 0) > 0).toBe(true);
		const second = await boot(power, broker, config);
		check(second.lampAtStart).toBe(1);
		// Resumed, not started clean: the broker's session is the same one.
		check(second.board.events("connected")[0]?.sessionPresent).toBe(true);
	});
});
