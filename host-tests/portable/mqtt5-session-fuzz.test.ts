/**
 * A slice of the MQTT 5 session fuzzer (mqtt5-session-fuzz.ts) on every test run, in Node
 * and in XS: a few seeds, a few hundred steps each. `npm run fuzz` runs it long. Besides
 * no broken invariant, the runs must have reached what they are meant to test.
 */
import { describe, it, check } from "./test-api";
import { runMqtt5SessionFuzz } from "./mqtt5-session-fuzz";

describe("MQTT 5 session fuzz", () => {
	for (const seed of [1, 2, 3]) {
		it(`seed ${seed}: 400 random steps keep every invariant`, () => {
			const report = runMqtt5SessionFuzz(seed, 400);
			check(report.steps).toBe(400);
			check(report.published).toBeGreaterThan(0);
			check(report.acknowledged + report.reported).toBe(report.published);
			check(report.connacks).toBeGreaterThan(0);
			check(report.closes).toBeGreaterThan(0);
		});
	}

	it("reaches the caps and the aliases: a full window, a full PUBREL table, aliases both ways", () => {
		let mostInflight = 0;
		let largest = 0;
		let aliased = 0;
		let badAliases = 0;
		// Seeds whose runs publish mostly at QoS 0 on connections with aliases allowed.
		for (const seed of [4, 19, 22, 24]) {
			const report = runMqtt5SessionFuzz(seed, 400);
			mostInflight = Math.max(mostInflight, report.mostInflight);
			largest = Math.max(largest, report.largestAwaitingRelease);
			aliased += report.aliasedSends;
			badAliases += report.badAliases;
		}
		check(largest).toBe(4);
		check(mostInflight).toBe(6);
		check(aliased).toBeGreaterThan(0);
		check(badAliases).toBeGreaterThan(5);
	});

	it("is deterministic for a seed", () => {
		check(runMqtt5SessionFuzz(9, 300)).toEqual(runMqtt5SessionFuzz(9, 300));
	});
});
