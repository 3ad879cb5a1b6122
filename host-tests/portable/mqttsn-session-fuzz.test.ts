/**
 * The npm test slice of the MQTT-SN session fuzzer (mqttsn-session-fuzz.ts), in Node and
 * in XS: a few seeds, a few thousand steps each. Besides no broken invariant (the run
 * throws), it asks that the run reached both outcomes of a publish and the session's drop
 * counters, or it proves little.
 */
import { describe, it, check } from "./test-api";
import { runMqttSnSessionFuzz } from "./mqttsn-session-fuzz";

describe("MQTT-SN session fuzzer", () => {
	for (const seed of [1, 2, 3, 0x5eed]) {
		it(`seed ${seed}: 2,500 steps, only ProtocolErrors, tables under caps, every QoS >= 1 publish settled`, () => {
			const report = runMqttSnSessionFuzz(seed, 2500);
			check(report.published).toBeGreaterThan(40);
			check(report.acknowledged).toBeGreaterThan(0);
			check(report.reported + report.refused).toBeGreaterThan(0);
			check(report.delivered).toBeGreaterThan(0);
			check(report.dropped).toBeGreaterThan(50);
		});
	}
});
