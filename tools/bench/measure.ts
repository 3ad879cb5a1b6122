/**
 * Measurement for `npm run bench`: ours and the baseline run in the same process,
 * interleaved (ours, baseline, baseline, ours, ...) so drift in CPU frequency or GC
 * pressure hits both alike, and each figure is the median of the runs.
 */
export interface Row {
	readonly id: string;
	/** Unit, and which way is better: "ops/s (higher is better)". */
	readonly unit: string;
	readonly ours: number;
	readonly baseline: number | null;
	/** ours/baseline when higher is better, baseline/ours when lower is better; null without a baseline, or when ours is 0 and lower is better. */
	readonly ratio: number | null;
	/** The target the issue sets, for the table. */
	readonly target?: string;
}

export function median(values: readonly number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = sorted.length >> 1;
	return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function row(id: string, unit: string, higherIsBetter: boolean, ours: number, baseline: number | null, target?: string): Row {
	// A lower-is-better figure of 0 (no round trip at all) has no finite ratio: null, as without a baseline.
	const ratio = baseline === null || (!higherIsBetter && ours === 0) ? null : higherIsBetter ? ours / baseline : baseline / ours;
	return { id, unit: `${unit} (${higherIsBetter ? "higher" : "lower"} is better)`, ours, baseline, ratio, target };
}

/** Operations per second of `op`, run in batches for about `ms` milliseconds. */
export function opsPerSecond(op: () => void, ms: number): number {
	const batch = 200;
	let count = 0;
	const start = performance.now();
	let elapsed = 0;
	do {
		for (let i = 0; i < batch; i++) op();
		count += batch;
		elapsed = performance.now() - start;
	} while (elapsed < ms);
	return count / (elapsed / 1000);
}

/** Runs `ours` and `baseline` alternately `runs` times; medians of each. */
export async function interleaved(runs: number, ours: () => Promise<number> | number, baseline: () => Promise<number> | number): Promise<{ ours: number; baseline: number }> {
	const a: number[] = [];
	const b: number[] = [];
	for (let i = 0; i < runs; i++) {
		// Alternate who goes first, so neither always runs on a warmer or a colder machine.
		if (i % 2 === 0) {
			a.push(await ours());
			b.push(await baseline());
		} else {
			b.push(await baseline());
			a.push(await ours());
		}
	}
	return { ours: median(a), baseline: median(b) };
}

export interface BenchOptions {
	/** Runs per figure (the issue asks for at least 5). */
	readonly runs: number;
	/** Milliseconds per codec run. */
	readonly ms: number;
	/** Messages per throughput run. */
	readonly messages: number;
}
