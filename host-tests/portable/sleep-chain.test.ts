/**
 * Sleeps longer than the ESP8266 can time (a uint32 of microseconds: 71.58 min) are
 * chained: legs under the limit, the rest counted down in retained memory, and a leg
 * wake that reads nothing, opens nothing and sleeps again with the radio off.
 */
import { describe, it, check } from "./test-api";
import { startFirmware } from "../../src/app/firmware";
import { Esp8266 } from "../../src/power/capacity";
import { radioAfter, sleepLeg } from "../../src/power/retained-store";
import { DeviceBoard, FakePower, retainedIn, run } from "../../testkit/portable/device-board";
import { MiniBroker } from "../../testkit/portable/mini-broker";

const DAY_S = 86_400;
const CONFIG = { broker: "mqtt://broker.local", mode: "sleepy", clientId: "sensor-day", sleepInterval: String(DAY_S), maxAwake: "10", networkDeadline: "5", buttonPin: "-1", lampPin: "2" };

/** An ESP8266's retained memory and sleep limit. */
function esp8266Power(): FakePower {
	return new FakePower(undefined, "reset", undefined, Esp8266.MAX_SLEEP_MS);
}

/** One boot: runs the firmware until it asks to deep sleep. */
async function boot(power: FakePower, broker: MiniBroker, config: Record<string, string> = CONFIG): Promise<DeviceBoard> {
	const board = new DeviceBoard({ power, dht22: { temperature: 21.4, humidity: 48.2 } });
	board.broker = broker;
	const sleeps = power.sleeps.length;
	startFirmware(board, config, { wifi: false });
	for (let t = 0; t < 15_000 && power.sleeps.length === sleeps; t += 50) await run(board, 50, 5);
	if (power.sleeps.length === sleeps) throw new Error("the firmware never went to sleep");
	return board;
}

function msAndRadio(power: FakePower, index: number): [number, string] {
	return [power.sleeps[index].ms, power.sleeps[index].radio];
}

describe("Chained deep sleep", () => {
	it("splits 24 h into 24 legs of at most an hour, the radio off until the last", () => {
		check(Esp8266.MAX_SLEEP_MS * 1000).toBeLessThanOrEqual(0xffffffff);
		const legs = [];
		let leg = sleepLeg(DAY_S * 1000, Esp8266.MAX_SLEEP_MS);
		legs.push(leg);
		while (leg.chainMs > 0) legs.push((leg = sleepLeg(leg.chainMs, Esp8266.MAX_SLEEP_MS)));
		check(legs).toHaveLength(24);
		check(legs.reduce((sum, l) => sum + l.ms, 0)).toBe(DAY_S * 1000);
		check(legs.every((l) => l.ms <= Esp8266.MAX_SLEEP_MS)).toBe(true);
		check(legs.map(radioAfter).filter((r) => r === "on")).toHaveLength(1);
		check(radioAfter(legs[legs.length - 1])).toBe("on");
		// A sleep the chip can time, or a board without a limit: one leg.
		check(sleepLeg(300_000, Esp8266.MAX_SLEEP_MS)).toEqual({ ms: 300_000, chainMs: 0 });
		check(sleepLeg(DAY_S * 1000, undefined)).toEqual({ ms: DAY_S * 1000, chainMs: 0 });
	});

	it("a 24 h sleepInterval: 23 leg wakes with no sensor and no socket, then the real wake runs the cycle", async () => {
		const power = esp8266Power();
		const broker = new MiniBroker();
		const first = await boot(power, broker);
		const sleep = first.events("sleep")[0];
		check([sleep.reason, sleep.sleepMs, sleep.legMs]).toEqual(["done", DAY_S * 1000, Esp8266.MAX_SLEEP_MS]);
		check(msAndRadio(power, 0)).toEqual([Esp8266.MAX_SLEEP_MS, "off"]);
		const readings = () => broker.published.filter((p) => p.topic === "home/office/dht22").length;
		check(readings()).toBe(1);

		for (let leg = 1; leg <= 23; leg++) {
			const board = await boot(power, broker);
			check([board.captures.length, board.streams.length, board.datagrams.length]).toEqual([0, 0, 0]);
			check(board.events("wake")).toHaveLength(0);
			check(board.events("sleep-leg")).toHaveLength(1);
			check(board.events("sleep-leg")[0].leftMs).toBe((23 - leg) * Esp8266.MAX_SLEEP_MS);
			// The last leg ends in the real wake: the radio is on (calibrated) for it.
			check(power.sleeps[leg].radio).toBe(leg === 23 ? "on" : "off");
			check(power.sleeps[leg].ms).toBe(Esp8266.MAX_SLEEP_MS);
		}
		// The first wake's two connections (its clean start, then its session), and no more.
		check(broker.received).toHaveLength(2);
		check(readings()).toBe(1);

		const real = await boot(power, broker);
		check(real.captures).toHaveLength(1);
		check(real.events("sleep")[0].reason).toBe("done");
		check(readings()).toBe(2);
		// Boots counted are real wakes; the device clock went on through every leg.
		const state = retainedIn(power);
		check("state" in state && state.state.bootCount).toBe(2);
		check("state" in state && state.state.clockMs).toBeGreaterThan(DAY_S * 1000);
		check("state" in state && state.state.clockMs).toBeLessThan(DAY_S * 1000 + 2000);
		// The session carried across the day: nothing subscribed again.
		check(broker.received[2].some((p) => p.type === 8)).toBe(false);
	});

	it("a reset or a button in the middle of a chain runs a real wake, and starts the sleep afresh", async () => {
		for (const cause of ["reset", "button"] as const) {
			const power = esp8266Power();
			const broker = new MiniBroker();
			await boot(power, broker);
			await boot(power, broker);
			power.wakeCause = cause;
			const board = await boot(power, broker);
			check(board.captures).toHaveLength(1);
			check(board.events("sleep-leg")).toHaveLength(0);
			check(msAndRadio(power, 2)).toEqual([Esp8266.MAX_SLEEP_MS, "off"]);
			const state = retainedIn(power);
			check("state" in state && state.state.chainMs).toBe(DAY_S * 1000 - Esp8266.MAX_SLEEP_MS);
		}
	});

	it("on a board without a limit, sleeps the whole interval at once", async () => {
		const power = new FakePower();
		await boot(power, new MiniBroker());
		check(msAndRadio(power, 0)).toEqual([DAY_S * 1000, "on"]);
	});
});
