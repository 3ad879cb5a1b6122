/**
 * A slice of the MQTT session fuzzer (mqtt-session-fuzz.ts) on every test run, in Node
 * and in XS: a few seeds, a few hundred steps each. `npm run fuzz` runs it long.
 */
import { describe, it, check } from "./test-api";
import { runMqttSessionFuzz } from "./mqtt-session-fuzz";

describe("MQTT session fuzz", () => {
	for (const seed of [1, 2, 3, 4, 5, 6]) {
		it(`seed ${seed}: 400 random steps keep every invariant`, () => {
			const report = runMqttSessionFuzz(seed, 400);
			check(report.steps).toBe(400);
			// The run did exercise the session: messages went both ways and links closed.
			check(report.published).toBeGreaterThan(0);
			check(report.acknowledged + report.reported).toBe(report.published);
			check(report.closes).toBeGreaterThan(0);
		});
	}

	it("floods of QoS 2 ids fill the PUBREL table to its cap and never past it", () => {
		let largest = 0;
		for (let seed = 100; seed < 110; seed++) largest = Math.max(largest, runMqttSessionFuzz(seed, 400).largestAwaitingRelease);
		check(largest).toBe(4);
	});
});
