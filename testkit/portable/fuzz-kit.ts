/**
 * What every stateful session fuzzer (host-tests/portable/*-fuzz.ts) needs around its
 * own model: a seeded generator (the same run in Node and XS), the step being run, a
 * failure that names the seed and step to replay, and the two guards the firmware's rule
 * asks for: an application call may be refused only with a typed ProtocolError, and
 * what a peer or the clock does (`received`, `tick`) may throw nothing at all.
 */
import { ProtocolError } from "../../src/common/errors";
import { seededRandom } from "./seeded-random";

export interface FuzzRun {
	readonly seed: number;
	/** The step being run, for the failure message; the fuzzer's loop sets it. */
	step: number;
	readonly random: () => number;
	/** An integer in [0, n). */
	int(n: number): number;
	pick<T>(items: readonly T[]): T;
	/** Ends the run: `name`, seed, step and what broke. */
	fail(message: string): never;
	/** An application call: true if it returned, false if refused with a ProtocolError; anything else fails the run. */
	refusable(call: () => void): boolean;
	/** What may never throw: the peer's bytes and the clock reach the session through these. */
	never(what: string, call: () => void): void;
}

export function fuzzRun(name: string, seed: number): FuzzRun {
	const random = seededRandom(seed);
	const int = (n: number) => Math.floor(random() * n);
	const run: FuzzRun = {
		seed,
		step: 0,
		random,
		int,
		pick: (items) => items[int(items.length)],
		fail(message) {
			throw new Error(`${name} fuzz, seed ${seed}, step ${run.step}: ${message}`);
		},
		refusable(call) {
			try {
				call();
				return true;
			} catch (error) {
				if (error instanceof ProtocolError) return false;
				return run.fail(`an untyped ${describe(error)} escaped`);
			}
		},
		never(what, call) {
			try {
				call();
			} catch (error) {
				run.fail(`${what} threw ${describe(error)}`);
			}
		},
	};
	return run;
}

function describe(error: unknown): string {
	return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
