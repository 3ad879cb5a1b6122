/**
 * A small seeded mutation fuzzer: from a target's valid seeds it makes inputs by flipping
 * bits, overwriting, inserting and deleting bytes, truncating, splicing two seeds and
 * writing interesting length bytes, with some inputs wholly random. Each input goes to
 * the decoder; the pass rule is the firmware's: the decoder returns or throws a typed
 * ProtocolError, never anything else, and hands out no view larger than its maximum
 * packet size. The same seed gives the same inputs, so `firstFailure.input` replays.
 */
import { performance } from "node:perf_hooks";
import { ProtocolError } from "../../src/common/errors";
import { seededRandom } from "../../testkit/portable/seeded-random";
import type { FuzzTarget } from "./targets";

export interface FuzzReport {
	readonly target: string;
	inputs: number;
	decoded: number;
	/** Typed ProtocolErrors, per code. */
	readonly refused: Record<string, number>;
	/** Anything else thrown, or a view over the maximum; the first one is kept for replay. */
	failures: number;
	firstFailure?: { readonly input: string; readonly problem: string };
	/** Inputs that took over `slowMs` (the first 100 kept, to time again), and the slowest (ms). */
	slow: number;
	readonly slowInputs: Uint8Array[];
	slowestMs: number;
}

/** Bytes that make length fields interesting: the edges of one-byte and varint encodings. */
const INTERESTING = [0x00, 0x01, 0x02, 0x7f, 0x80, 0xff, 0xfe, 0x3f, 0x40, 0xc0];

export function fuzz(target: FuzzTarget, inputs: number, seed: number, slowMs = 10): FuzzReport {
	const random = seededRandom(seed);
	const report: FuzzReport = { target: target.name, inputs: 0, decoded: 0, refused: {}, failures: 0, slow: 0, slowInputs: [], slowestMs: 0 };
	for (let i = 0; i < inputs; i++) {
		const input = mutate(target.seeds, random);
		const started = performance.now();
		let problem: string | undefined;
		try {
			const largest = largestView(target.decode(input, random));
			if (largest > target.maxPacketSize) problem = `a ${largest}-byte view, over the ${target.maxPacketSize}-byte maximum`;
			else report.decoded++;
		} catch (error) {
			if (error instanceof ProtocolError) report.refused[error.code] = (report.refused[error.code] ?? 0) + 1;
			else problem = `threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
		}
		const elapsed = performance.now() - started;
		report.inputs++;
		if (elapsed > report.slowestMs) report.slowestMs = elapsed;
		if (elapsed > slowMs && report.slow++ < 100) report.slowInputs.push(input);
		if (problem !== undefined) {
			report.failures++;
			report.firstFailure ??= { input: hex(input), problem };
		}
	}
	return report;
}

/**
 * An input that was slow once is a hang only if it is slow every time: a GC pause or the
 * compiler warming up explains a one-off. Returns the inputs slow on all of three tries.
 */
export function confirmSlow(target: FuzzTarget, inputs: readonly Uint8Array[], slowMs = 10): Uint8Array[] {
	const random = seededRandom(0);
	return inputs.filter((input) => {
		for (let attempt = 0; attempt < 3; attempt++) {
			const started = performance.now();
			try {
				target.decode(input, random);
			} catch {
				// Already judged by `fuzz`; only the time matters here.
			}
			if (performance.now() - started <= slowMs) return false;
		}
		return true;
	});
}

function mutate(seeds: readonly Uint8Array[], random: () => number): Uint8Array {
	const pick = (n: number) => Math.floor(random() * n);
	if (random() < 0.05) return new Uint8Array(randomBytes(pick(64), random));
	let bytes = Array.from(seeds[pick(seeds.length)]);
	const rounds = 1 + pick(4);
	for (let r = 0; r < rounds; r++) {
		const at = pick(bytes.length + 1);
		switch (pick(8)) {
			case 0:
				if (bytes.length) bytes[at % bytes.length] ^= 1 << pick(8);
				break;
			case 1:
				if (bytes.length) bytes[at % bytes.length] = pick(256);
				break;
			case 2:
				bytes.splice(at, 0, ...randomBytes(1 + pick(8), random));
				break;
			case 3:
				bytes.splice(at, 1 + pick(4));
				break;
			case 4:
				bytes = bytes.slice(0, at);
				break;
			case 5: {
				const other = seeds[pick(seeds.length)];
				bytes = bytes.slice(0, at).concat(Array.from(other.subarray(pick(other.length + 1))));
				break;
			}
			case 6:
				if (bytes.length) bytes[at % bytes.length] = INTERESTING[pick(INTERESTING.length)];
				break;
			case 7:
				// Two packets back to back: streams carry them so.
				bytes = bytes.concat(Array.from(seeds[pick(seeds.length)]));
				break;
		}
	}
	return new Uint8Array(bytes);
}

function randomBytes(length: number, random: () => number): number[] {
	return Array.from({ length }, () => Math.floor(random() * 256));
}

/** The largest Uint8Array (or ArrayBuffer behind one) anywhere in what the decoder returned. */
function largestView(value: unknown, depth = 0): number {
	if (value instanceof Uint8Array) return value.byteLength;
	if (value === null || typeof value !== "object" || depth > 6) return 0;
	let largest = 0;
	for (const field of Object.values(value)) largest = Math.max(largest, largestView(field, depth + 1));
	return largest;
}

function hex(bytes: Uint8Array): string {
	return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
