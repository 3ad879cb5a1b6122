/**
 * The stateful session fuzzers `npm run fuzz` runs after the decoders: each drives one
 * session (MQTT 3.1.1 and 5.0, MQTT-SN, the CoAP server) with seeded sequences of valid, mutated and
 * hostile packets and clock jumps, checking its invariants after every step. They live
 * beside the portable suites (host-tests/portable/*-fuzz.ts), so the npm test slice of
 * each runs in XS too; this registry is how the long run finds them.
 */
import { performance } from "node:perf_hooks";
import { runCoapServerFuzz } from "../../host-tests/portable/coap-server-fuzz";
import { runMqttSnSessionFuzz } from "../../host-tests/portable/mqttsn-session-fuzz";
import { runMqttSessionFuzz } from "../../host-tests/portable/mqtt-session-fuzz";
import { runMqtt5SessionFuzz } from "../../host-tests/portable/mqtt5-session-fuzz";

export interface SessionFuzzer {
	readonly name: string;
	/** Runs `steps` steps from `seed`; throws on a broken invariant; may return a report to print. */
	readonly run: (seed: number, steps: number) => unknown;
}

/**
 * `steps` as runs of `each` steps, each on a fresh session from its own seed: the checks
 * made at a run's end (a cooperative peer settles every publish) then run many times, and
 * a run whose queue filled up against a hostile peer does not spend the rest stuck.
 * Counts add up; "largest" and "most" figures are the largest of any run.
 */
function inRuns(fuzz: (seed: number, steps: number) => object, each: number): (seed: number, steps: number) => unknown {
	return (seed, steps) => {
		const total: Record<string, number> = { runs: 0 };
		for (let done = 0; done < steps; done += each) {
			const report = fuzz(seed * 1000 + total.runs++, Math.min(each, steps - done)) as Record<string, number>;
			for (const [key, value] of Object.entries(report)) total[key] = key.startsWith("largest") || key.startsWith("most") ? Math.max(total[key] ?? 0, value) : (total[key] ?? 0) + value;
		}
		return total;
	};
}

export const SESSION_FUZZERS: readonly SessionFuzzer[] = [
	{ name: "coap-server", run: runCoapServerFuzz },
	{ name: "mqttsn-session", run: runMqttSnSessionFuzz },
	{ name: "mqtt-session", run: inRuns(runMqttSessionFuzz, 2000) },
	{ name: "mqtt5-session", run: inRuns(runMqtt5SessionFuzz, 2000) },
];

/** Runs every registered fuzzer; one line each; false if any threw. */
export async function runSessionFuzzers(seed: number, steps: number): Promise<boolean> {
	let passed = true;
	for (const fuzzer of SESSION_FUZZERS) {
		const started = performance.now();
		try {
			const report = await fuzzer.run(seed, steps);
			const seconds = ((performance.now() - started) / 1000).toFixed(1);
			console.log(`${fuzzer.name}: ${steps} steps in ${seconds} s (seed ${seed})${report === undefined ? "" : `: ${JSON.stringify(report)}`}`);
		} catch (error) {
			passed = false;
			console.log(`${fuzzer.name}: FAILED (seed ${seed}, ${steps} steps): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
		}
	}
	if (SESSION_FUZZERS.length === 0) console.log("session fuzzers: none registered (tools/fuzz/sessions.ts)");
	return passed;
}
