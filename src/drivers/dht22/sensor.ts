/**
 * Reading a DHT22 on a board: the datasheet's rule of at least 2 s between start signals
 * (a sensor read sooner answers with its previous, stale conversion or not at all),
 * retries with backoff when a frame is bad, and the last good sample with its age.
 */
import { Backoff } from "../../common/backoff";
import type { Board } from "../../common/board";
import { ProtocolError } from "../../common/errors";
import { decodeDht22, type Dht22Sample } from "./decode";

export interface Dht22Options {
	readonly pin: number;
	/** Least time between two start signals, ms (datasheet: 2 s). */
	readonly minIntervalMs?: number;
	/** Further attempts after a failed read (default 2). */
	readonly retries?: number;
	/** Extra wait before a retry, on top of the minimum interval: backoff with full jitter, ms. */
	readonly retryBase?: number;
	readonly retryCap?: number;
	/** Board time of the last start signal, when known from before a deep sleep (often negative). */
	readonly lastReadAt?: number;
	readonly random?: () => number;
}

/** A good sample and the board time it was read at. */
export interface TimedSample {
	readonly sample: Dht22Sample;
	readonly at: number;
}

export const MIN_INTERVAL_MS = 2000;

export class Dht22 {
	readonly #board: Board;
	readonly #pin: number;
	readonly #minInterval: number;
	readonly #retries: number;
	readonly #backoff: Backoff;
	#lastReadAt: number | undefined;
	#last: TimedSample | undefined;
	#reading: Promise<Dht22Sample> | undefined;
	/** Failed attempts, by error code, since start. */
	readonly failures: Record<string, number> = {};

	constructor(board: Board, options: Dht22Options) {
		this.#board = board;
		this.#pin = options.pin;
		this.#minInterval = Math.max(MIN_INTERVAL_MS, options.minIntervalMs ?? MIN_INTERVAL_MS);
		this.#retries = options.retries ?? 2;
		this.#backoff = new Backoff({ base: options.retryBase ?? 500, cap: options.retryCap ?? 4000, random: options.random });
		this.#lastReadAt = options.lastReadAt;
	}

	/** Board time of the last start signal, undefined before the first. */
	get lastReadAt(): number | undefined {
		return this.#lastReadAt;
	}

	/** The last good sample, if any. */
	get last(): TimedSample | undefined {
		return this.#last;
	}

	/** How old the last good sample is at board time `now`, ms; undefined without one. */
	age(now: number): number | undefined {
		return this.#last ? now - this.#last.at : undefined;
	}

	/** When a start signal may next be sent, in board time. */
	nextReadAt(): number {
		return this.#lastReadAt === undefined ? this.#board.now() : this.#lastReadAt + this.#minInterval;
	}

	/**
	 * A fresh sample: waits out the minimum interval, retries bad frames, rejects with
	 * the last attempt's ProtocolError once retries are spent. Calls while a read is
	 * under way share it.
	 */
	read(): Promise<Dht22Sample> {
		this.#reading ??= this.#attempts().finally(() => (this.#reading = undefined));
		return this.#reading;
	}

	async #attempts(): Promise<Dht22Sample> {
		this.#backoff.reset();
		for (let attempt = 0; ; attempt++) {
			const extra = attempt === 0 ? 0 : this.#backoff.next();
			const wait = this.nextReadAt() + extra - this.#board.now();
			// No await when nothing to wait for: the start signal goes out in the caller's turn.
			if (wait > 0) await this.#wait(wait);
			try {
				const sample = decodeDht22(await this.#capture());
				this.#last = { sample, at: this.#board.now() };
				return sample;
			} catch (error) {
				if (!(error instanceof ProtocolError)) throw error;
				this.failures[error.code] = (this.failures[error.code] ?? 0) + 1;
				if (attempt >= this.#retries) throw error;
			}
		}
	}

	#capture(): Promise<Parameters<typeof decodeDht22>[0]> {
		const board = this.#board;
		this.#lastReadAt = board.now();
		return new Promise((resolve, reject) => {
			if (!board.captureDht22) {
				reject(new ProtocolError("SENSOR_NO_RESPONSE", `board ${board.name} cannot capture a DHT22`));
				return;
			}
			board.captureDht22(this.#pin, (capture) =>
				capture ? resolve(capture) : reject(new ProtocolError("SENSOR_NO_RESPONSE", "no answer to the start signal")),
			);
		});
	}

	#wait(ms: number): Promise<void> {
		return new Promise((resolve) => this.#board.setTimer(resolve, ms));
	}
}
