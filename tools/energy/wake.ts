/**
 * The firmware's own sleepy wake on the host board, metered at its sockets: used by
 * `npm run energy` and by the benchmark's cycle rows. Each wake is a fresh firmware
 * started from the retained file, as after a deep sleep.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFirmware } from "../../src/app/firmware";
import type { RawConfig } from "../../src/app/config-reader";
import { MeteredBoard, type WireCount } from "../bench/metered-board";
import { median } from "../bench/measure";

export interface Wake extends WireCount {
	/** Milliseconds from start to deep sleep. */
	readonly awakeMs: number;
}

/** One wake on a fresh metered board from the retained file; resolves at its deep sleep. */
export async function meterWake(config: RawConfig, retainedPath: string): Promise<Wake> {
	let asleep!: () => void;
	const slept = new Promise<void>((resolve) => (asleep = resolve));
	const board = new MeteredBoard({ retainedPath, onDeepSleep: () => asleep() });
	const start = performance.now();
	startFirmware(board, config, { wifi: false });
	await slept;
	return { ...board.count, awakeMs: performance.now() - start };
}

/** The steady state: the median of `wakes - 1` wakes after the first (which creates the session and subscribes). */
export async function meterSteadyWakes(config: RawConfig, wakes: number): Promise<Wake> {
	const folder = mkdtempSync(join(tmpdir(), "lampnode-wake-"));
	try {
		const runs: Wake[] = [];
		for (let n = 0; n < wakes; n++) runs.push(await meterWake(config, join(folder, "retained.bin")));
		return medianWake(runs.slice(1));
	} finally {
		rmSync(folder, { recursive: true, force: true });
	}
}

/** Each figure's median over `wakes`. */
export function medianWake(wakes: readonly Wake[]): Wake {
	const pick = (key: keyof Wake) => median(wakes.map((w) => w[key]));
	return {
		awakeMs: pick("awakeMs"),
		bytesSent: pick("bytesSent"),
		bytesReceived: pick("bytesReceived"),
		packetsSent: pick("packetsSent"),
		packetsReceived: pick("packetsReceived"),
		roundTrips: pick("roundTrips"),
		connects: pick("connects"),
	};
}
