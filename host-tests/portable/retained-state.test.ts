/**
 * What the broker keeps of the lamp is the lamp (issue 14): retained state and status
 * coalesce, so bursts of changes never fill the client's queue and the last state the
 * broker retains is the lamp's. And a refused subscription is retried with backoff and
 * reported, instead of leaving the lamp deaf until reboot.
 */
import { describe, it, check } from "./test-api";
import { startFirmware } from "../../src/app/firmware";
import { LatestValue } from "../../src/app/lamp-app";
import { DeviceBoard, run, settle } from "../../testkit/portable/device-board";
import { MiniBroker } from "../../testkit/portable/mini-broker";

const CONFIG = { broker: "mqtt://broker.local", clientId: "lamp-burst", lampPin: "2", buttonPin: "-1", dht22Pin: "-1" };
const STATE = "home/office/lamp/state";

function start(config: Record<string, string> = {}) {
	const board = new DeviceBoard();
	const broker = new MiniBroker();
	board.broker = broker;
	const app = startFirmware(board, { ...CONFIG, ...config }, { wifi: false });
	const lamp = () => (board.outputs.get(2) === 1 ? "on" : "off");
	const states = () => broker.published.filter((p) => p.topic === STATE).length;
	return { board, broker, app, lamp, states };
}

describe("Retained state coalesces", () => {
	it("a newer value replaces an unsent older one; every caller hears when a value at least as new is sent", async () => {
		const sent: string[] = [];
		const acks: (() => void)[] = [];
		const latest = new LatestValue<string>((value) => {
			sent.push(value);
			return new Promise<void>((resolve) => acks.push(resolve));
		});
		const done: string[] = [];
		for (const value of ["a", "b", "c", "d"]) void latest.set(value).then(() => done.push(value));
		check(sent).toEqual(["a"]);
		check(latest.waiting).toBe(true);
		acks.shift()?.();
		await settle();
		// "b" and "c" were never sent: "d" replaced them.
		check(sent).toEqual(["a", "d"]);
		check(done).toEqual(["a"]);
		acks.shift()?.();
		await settle();
		check(done).toEqual(["a", "b", "c", "d"]);
		check(latest.waiting).toBe(false);
	});

	it("bursts of 300 toggles: the broker retains the lamp's state, nothing is refused for a full queue", async () => {
		const { board, broker, lamp, states } = start();
		await run(board, 200);
		for (let burst = 0; burst < 10; burst++) {
			const size = 1 + ((burst * 37) % 300);
			for (let i = 0; i < size; i++) broker.publish("home/office/lamp", "toggle");
			await run(board, 20 + burst * 7);
		}
		await run(board, 500);
		check(broker.retained.get(STATE)).toBe(lamp());
		check(board.events("error").filter((e) => e.code === "QUEUE_FULL")).toEqual([]);
		// Far fewer state messages than changes: one in flight, the latest waiting.
		check(states()).toBeLessThan(200);
	});

	it("a burst of button-like changes while the broker is slow to acknowledge still ends equal", async () => {
		const { board, broker, lamp } = start();
		broker.holdAcks.set(STATE, 50);
		await run(board, 200);
		for (let i = 0; i < 401; i++) {
			broker.publish("home/office/lamp", i % 3 === 0 ? "on" : "toggle");
			if (i % 10 === 0) await run(board, 5);
		}
		await run(board, 2000);
		check(broker.retained.get(STATE)).toBe(lamp());
	});
});

describe("A refused subscription", () => {
	it("is reported as subscription-refused and retried with backoff until granted; then commands arrive", async () => {
		const { board, broker, lamp } = start({ reconnectBase: "100", reconnectCap: "1000" });
		broker.refuse.set("home/office/lamp", 3);
		await run(board, 5000);
		const refused = board.events("subscription-refused");
		check(refused.map((e) => [e.code, e.topic, e.attempt])).toEqual([
			["SUBSCRIPTION_REFUSED", "home/office/lamp", 1],
			["SUBSCRIPTION_REFUSED", "home/office/lamp", 2],
			["SUBSCRIPTION_REFUSED", "home/office/lamp", 3],
		]);
		check(refused.every((e) => typeof e.retryInMs === "number" && e.retryInMs < 1000)).toBe(true);
		broker.publish("home/office/lamp", "on");
		await run(board, 100);
		check(lamp()).toBe("on");
	});

	it("stops retrying when the firmware stops", async () => {
		const { board, broker, app } = start({ reconnectBase: "100", reconnectCap: "100" });
		broker.refuse.set("home/office/lamp", 1_000_000);
		await run(board, 1000);
		const stopped = app.stop();
		await run(board, 200);
		await stopped;
		const count = board.events("subscription-refused").length;
		await run(board, 2000);
		check(board.events("subscription-refused").length).toBe(count);
	});
});
