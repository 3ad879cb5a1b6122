/**
 * Reading a DHT22 on a board: the datasheet's rule of at least 2 s between start signals
 * (a sensor read sooner answers with its previous, stale conversion or not at all),
 * retries with backoff when a frame is bad, and the last good sample with its age.
 */
import { Backoff } from "../../common/backoff";
import type { Board, PulseCapture } from "../../common/board";
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

const enum Defaults {
	/** The datasheet's least time between start signals, ms. */
	MIN_INTERVAL_MS = 2000,
	RETRIES = 2,
	RETRY_BASE = 500,
	RETRY_CAP = 4000,
}

export class Dht22 {
	// Plain fields, `declare`d and set in the constructor: #private and class fields cost XS bytecode.
	declare readonly board: Board;
	declare readonly pin: number;
	declare readonly minInterval: number;
	declare readonly retries: number;
	declare readonly backoff: Backoff;
	/** Board time of the last start signal, undefined before the first. */
	declare lastReadAt: number | undefined;
	/** The last good sample, if any. */
	declare last: TimedSample | undefined;
	declare reading: Promise<Dht22Sample> | undefined;
	/** Failed attempts, by error code, since start. */
	declare readonly failures: Record<string, number>;

	constructor(board: Board, options: Dht22Options) {
		this.board = board;
		this.pin = options.pin;
		this.minInterval = Math.max(Defaults.MIN_INTERVAL_MS, options.minIntervalMs ?? Defaults.MIN_INTERVAL_MS);
		this.retries = options.retries ?? Defaults.RETRIES;
		this.backoff = new Backoff({ base: options.retryBase ?? Defaults.RETRY_BASE, cap: options.retryCap ?? Defaults.RETRY_CAP, random: options.random });
		this.lastReadAt = options.lastReadAt;
		this.failures = {};
	}

	/** How old the last good sample is at board time `now`, ms; undefined without one. */
	age(now: number): number | undefined {
		const last = this.last;
		return last ? now - last.at : void 0;
	}

	/** When a start signal may next be sent, in board time. */
	nextReadAt(): number {
		const at = this.lastReadAt;
		return at === void 0 ? this.board.now() : at + this.minInterval;
	}

	/**
	 * A fresh sample: waits out the minimum interval, retries bad frames, rejects with
	 * the last attempt's ProtocolError once retries are spent. Calls while a read is
	 * under way share it.
	 */
	read(): Promise<Dht22Sample> {
		return (this.reading ??= this.attempts().finally(() => (this.reading = void 0)));
	}

	async attempts(): Promise<Dht22Sample> {
		const board = this.board;
		const backoff = this.backoff;
		backoff.reset();
		for (let attempt = 0; ; attempt++) {
			const wait = this.nextReadAt() + (attempt === 0 ? 0 : backoff.next()) - board.now();
			// No await when nothing to wait for: the start signal goes out in the caller's turn.
			if (wait > 0) await new Promise<void>((resolve) => board.setTimer(resolve, wait));
			try {
				const sample = decodeDht22(await this.capture());
				this.last = { sample, at: board.now() };
				return sample;
			} catch (error) {
				if (!(error instanceof ProtocolError)) throw error;
				const code = error.code;
				this.failures[code] = (this.failures[code] || 0) + 1;
				if (attempt >= this.retries) throw error;
			}
		}
	}

	capture(): Promise<PulseCapture> {
		const board = this.board;
		this.lastReadAt = board.now();
		return new Promise((resolve, reject) => {
			if (!board.captureDht22) reject(new ProtocolError("SENSOR_NO_RESPONSE", "board " + board.name + " cannot capture a DHT22"));
			else board.captureDht22(this.pin, (capture) => (capture ? resolve(capture) : reject(new ProtocolError("SENSOR_NO_RESPONSE", "no answer to the start signal"))));
		});
	}
}
