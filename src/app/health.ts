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
import { errorFields } from "../common/errors";

/** What began this run, known at start. */
export interface HealthStart {
	readonly boot?: number;
	readonly reset: string;
}

export function healthTopic(lampTopic: string): string {
	return `${lampTopic}/health`;
}

export class Health {
	readonly #board: Board;
	readonly #version: string;
	readonly #start: HealthStart;
	readonly #startedAt: number;
	#lastError: string | undefined;

	constructor(board: Board, version: string, start: HealthStart) {
		this.#board = board;
		this.#version = version;
		this.#start = start;
		this.#startedAt = board.now();
	}

	/** An error the device reported: its code is the next report's `err`. */
	noteError(error: unknown): void {
		this.#lastError = errorFields(error).code;
	}

	/** The report as JSON; fields a board does not know are left out (JSON.stringify drops undefined). */
	report(): string {
		const board = this.#board;
		const facts = board.health?.();
		return JSON.stringify({
			fw: this.#version,
			up: Math.floor((board.now() - this.#startedAt) / 1000),
			boot: this.#start.boot,
			reset: this.#start.reset,
			heap: facts?.freeHeap,
			rssi: facts?.rssi,
			err: this.#lastError,
		});
	}
}
