/** The battery-life arithmetic of `npm run energy`. */
import { describe, expect, it } from "vitest";
import { batteryDays } from "../../tools/energy/battery";

const profile = { activeMa: 120, sleepUa: 10, capacityMah: 2000 };

describe("battery life", () => {
	it("is capacity over the cycle's average current", () => {
		// 1 s at 120 mA and 59 s at 0.01 mA per minute: 2.00983 mA on average.
		expect(batteryDays(profile, 1000, 60_000)).toBeCloseTo(2000 / ((120 * 1 + 0.01 * 59) / 60) / 24, 6);
	});

	it("grows with the interval and shrinks with the awake time", () => {
		expect(batteryDays(profile, 1000, 300_000)).toBeGreaterThan(batteryDays(profile, 1000, 60_000));
		expect(batteryDays(profile, 3000, 60_000)).toBeLessThan(batteryDays(profile, 1000, 60_000));
	});

	it("is the sleep current's alone when never awake, the active one's when always awake", () => {
		expect(batteryDays(profile, 0, 60_000)).toBeCloseTo(2000 / 0.01 / 24, 6);
		expect(batteryDays(profile, 90_000, 60_000)).toBeCloseTo(2000 / 120 / 24, 6);
	});
});
