/**
 * The npm test slice of `npm run fuzz`: 20,000 mutated and random inputs per decoder from
 * its valid seeds. Pass: every input decodes or is refused with a typed ProtocolError,
 * and no view handed out is over the decoder's maximum packet size. (Time per input is
 * the fuzz script's check, not a test assertion: this machine's timers are not a clock.)
 */
import { describe, expect, it } from "vitest";
import { fuzz } from "../../tools/fuzz/fuzz";
import { FUZZ_TARGETS } from "../../tools/fuzz/targets";

const SLICE = 20_000;

describe("fuzzing, the npm test slice", () => {
	for (const target of FUZZ_TARGETS) {
		it(`${target.name}: ${SLICE} inputs, only typed errors, nothing over ${target.maxPacketSize} bytes`, () => {
			const report = fuzz(target, SLICE, 20_000);
			expect(report.firstFailure).toBeUndefined();
			expect(report.failures).toBe(0);
			expect(report.inputs).toBe(SLICE);
			// The mutator reaches both sides of the decoder, or the slice proves little (2 %: a
			// DHT22 frame's checksum lets few mutants through, as it should).
			expect(report.decoded).toBeGreaterThan(SLICE / 50);
			expect(Object.values(report.refused).reduce((a, b) => a + b, 0)).toBeGreaterThan(SLICE / 20);
		});
	}
});
