/**
 * The CoAP endpoint and server under the stateful fuzzer (coap-server-fuzz.ts): a slice of
 * seeds here, in Node and in XS; the same runner goes longer from the fuzz tool.
 */
import { describe, it, check } from "./test-api";
import { runCoapServerFuzz } from "./coap-server-fuzz";

describe("CoAP server fuzz", () => {
	for (const seed of [1, 2, 3]) {
		it(`keeps its invariants through 1,500 steps (seed ${seed})`, () => {
			const report = runCoapServerFuzz(seed, 1500);
			check(report.datagrams).toBeGreaterThan(1000);
			// The run reached what it is meant to test: valid PUTs switching the lamp, observers, full tables.
			check(report.lampChanges).toBeGreaterThan(0);
			check(report.lampChanges).toBeLessThanOrEqual(report.validPuts + report.datagrams);
			check(report.mostObservers).toBe(6);
			check(report.refused).toBeGreaterThan(0);
			check(report.mostTracked).toBe(16);
			check(report.requestsEnded).toBeGreaterThan(10);
			check(report.mostSeparating).toBe(3);
		});
	}
	it("is deterministic for a seed", () => {
		check(runCoapServerFuzz(9, 300)).toEqual(runCoapServerFuzz(9, 300));
	});
});
