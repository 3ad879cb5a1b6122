/**
 * `npm run fuzz [-- inputs [seed [steps]]]`: at least 1,000,000 inputs per decoder (the
 * figure the faults issue asks for), one line per decoder, then `steps` (100,000) steps of
 * every stateful session fuzzer (tools/fuzz/sessions.ts); exits 1 on any failure, a broken
 * session invariant, or on an input that stays over 10 ms on every try (a one-off GC
 * pause is not a hang).
 */
import { performance } from "node:perf_hooks";
import { confirmSlow, fuzz } from "./fuzz";
import { runSessionFuzzers } from "./sessions";
import { FUZZ_TARGETS } from "./targets";

const inputs = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? 1);
const steps = Number(process.argv[4] ?? 100_000);
let failed = false;
for (const target of FUZZ_TARGETS) {
	const started = performance.now();
	const report = fuzz(target, inputs, seed);
	const seconds = ((performance.now() - started) / 1000).toFixed(1);
	const refused = Object.values(report.refused).reduce((a, b) => a + b, 0);
	console.log(
		`${target.name}: ${report.inputs} inputs in ${seconds} s (seed ${seed}): ${report.decoded} decoded, ${refused} refused with ProtocolError ${JSON.stringify(report.refused)}, ${report.failures} failures, ${report.slow} over 10 ms, slowest ${report.slowestMs.toFixed(2)} ms`,
	);
	if (report.firstFailure) console.log(`  first failure: ${report.firstFailure.problem} on ${report.firstFailure.input}`);
	if (report.failures > 0) failed = true;
	const hangs = confirmSlow(target, report.slowInputs);
	if (hangs.length > 0) {
		console.log(`  ${hangs.length} inputs over 10 ms on every try, e.g. ${Buffer.from(hangs[0]).toString("hex")}`);
		failed = true;
	}
}
if (!(await runSessionFuzzers(seed, steps))) failed = true;
process.exit(failed ? 1 : 0);
