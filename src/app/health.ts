/**
 * The device's health, retained on `<lampTopic>/health` as one JSON object, the facts
 * ESPHome and Tasmota report: `fw` firmware version, `up` seconds since this run began,
 * `boot` boots counted in retained memory (where the board has it), `reset` what began this
 * run (a wake cause: "reset", "timer", "button"; "start" on a board without deep sleep),
 * `heap` free bytes and `rssi` dBm where the board knows them, `err` the code of the last
 * error reported (absent until one is). Sent at QoS 0 on every connect (and every
 * healthInterval always-on): a lost one is replaced by the next, and a sleepy wake keeps
 * nothing of it in retained memory.
 */
import type { Board } from "../common/board";

/** What began this run, known at start. */
export interface HealthStart {
	readonly boot?: number;
	readonly reset: string;
}

export function healthTopic(lampTopic: string): string {
	return lampTopic + "/health";
}

/** The report as JSON; fields a board does not know are left out (JSON.stringify drops undefined). */
export function healthReport(board: Board, version: string, start: HealthStart, startedAt: number, lastError: string | undefined): string {
	const facts = board.health?.();
	return JSON.stringify({
		fw: version,
		up: Math.floor((board.now() - startedAt) / 1000),
		boot: start.boot,
		reset: start.reset,
		heap: facts?.freeHeap,
		rssi: facts?.rssi,
		err: lastError,
	});
}
