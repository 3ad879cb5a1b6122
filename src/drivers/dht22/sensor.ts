/**
 * Reading a DHT22 on a board: the datasheet's rule of at least 2 s between start signals
 * (a sensor read sooner answers with its previous, stale conversion or not at all),
 * retries with backoff when a frame is bad, and the last good sample with its age. The
 * frame's decoding first (one module with the reading, its one user).
 */
import { Backoff } from "../../common/backoff";
import type { Board, PulseCapture } from "../../common/board";
import { ProtocolError } from "../../common/errors";

/**
 * DHT22 (AM2302) frame decoding: from the pulse widths captured on the data line to
 * temperature and humidity. Pure, so every board's capture (ESP32 RMT, the ESP8266
 * native loop, the host simulator) goes through the same checks.
 *
 * The datasheet's frame, after the host's start signal (line low >= 1 ms, released):
 *   response: low 80 us, high 80 us
 *   40 bits, MSB first: low 50 us, then high 26-28 us for 0 or 70 us for 1
 *   end: low 50 us, then the line is released (high)
 * Bytes: humidity x10 (16 bits), temperature x10 (15 bits, bit 15 the sign), checksum
 * (the low 8 bits of the sum of the four data bytes).
 */
export interface Dht22Sample {
	/** Degrees Celsius, 0.1 resolution. */
	readonly temperature: number;
	/** Relative humidity in percent, 0.1 resolution. */
	readonly humidity: number;
}

/** The datasheet's timing, us, and measuring range, x10; a `const enum`: each use compiles to its number. */
const enum Frame {
	/** Shorter pulses are spikes on the line, not the sensor: merged into their neighbours. */
	GLITCH_US = 8,
	/** The response's low is 80 us, a bit's low 50 us: anything longer starts the frame. */
	RESPONSE_LOW_US = 65,
	/** Longer lows are the host's own start signal, at the front of some captures. */
	START_LOW_US = 200,
	BIT_LOW_MIN_US = 30,
	/** High 26-28 us is a 0, 70 us a 1: this is half-way, with room for slow edges. */
	ONE_THRESHOLD_US = 48,
	BIT_HIGH_MAX_US = 100,
	/** A high this long is the released line after the frame, not a bit. */
	IDLE_HIGH_US = 200,
	BITS = 40,
	/** The datasheet's measuring range: -40 to 80 deg C, 0 to 99.9 %RH (100.0 tolerated). */
	TEMPERATURE_MIN = -400,
	TEMPERATURE_MAX = 800,
	HUMIDITY_MAX = 1000,
}

/**
 * Decodes one capture; throws ProtocolError (SENSOR_*) for anything but a valid frame.
 * Checks the checksum and the range, and scales the values.
 */
export function decodeDht22(capture: PulseCapture): Dht22Sample {
	const bytes = frameBytes(capture);
	const sum = (bytes[0] + bytes[1] + bytes[2] + bytes[3]) & 0xff;
	if (sum !== bytes[4]) throw new ProtocolError("SENSOR_CHECKSUM", "checksum " + bytes[4] + ", data sums to " + sum);
	const humidity = (bytes[0] << 8) | bytes[1];
	const magnitude = ((bytes[2] & 0x7f) << 8) | bytes[3];
	// Bit 15 is a sign, not two's complement; "-0.0" is reported as 0.
	const temperature = bytes[2] & 0x80 && magnitude !== 0 ? -magnitude : magnitude;
	if (humidity > Frame.HUMIDITY_MAX) throw new ProtocolError("SENSOR_OUT_OF_RANGE", "humidity " + humidity / 10 + " % is over 100 %");
	if (temperature < Frame.TEMPERATURE_MIN || temperature > Frame.TEMPERATURE_MAX)
		throw new ProtocolError("SENSOR_OUT_OF_RANGE", "temperature " + temperature / 10 + " deg C is outside -40 to 80 deg C");
	return { temperature: temperature / 10, humidity: humidity / 10 };
}

/** The five frame bytes (checksum included, not yet checked) from a capture. */
export function frameBytes(capture: PulseCapture): Uint8Array {
	// Alternating levels and widths with spikes removed: a pulse under GLITCH_US and the
	// pulse after it are added to the one before, which keeps the levels alternating.
	const levels: number[] = [];
	const widths: number[] = [];
	const durations = capture.durations;
	let level: number = capture.firstLevel;
	for (let k = 0; k < durations.length; k++, level ^= 1) {
		const width = durations[k];
		const last = widths.length - 1;
		if (width < Frame.GLITCH_US && last >= 0) {
			widths[last] += width + (k + 1 < durations.length ? durations[k + 1] : 0);
			k++;
			level ^= 1;
		} else if (last >= 0 && levels[last] === level) widths[last] += width;
		else {
			levels.push(level);
			widths.push(width);
		}
	}
	const n = levels.length;
	let i = levels.indexOf(0);
	if (i < 0) throw new ProtocolError("SENSOR_NO_RESPONSE", "the data line never went low");
	// The host's start signal and the sensor's response precede the bits, when captured.
	if (widths[i] >= Frame.START_LOW_US) i += 2;
	if (i < n && widths[i] >= Frame.RESPONSE_LOW_US) i += 2;
	// A capture that starts late (ESP32: the receiver is set up after the line is released)
	// cuts the response's low short. The first bit is humidity's top bit, always 0
	// (humidity is at most 1000), so a long first high can only be the response's.
	else if (i + 1 < n && widths[i + 1] > Frame.ONE_THRESHOLD_US && widths[i + 1] < Frame.IDLE_HIGH_US) i += 2;
	const bytes = new Uint8Array(5);
	let count = 0;
	for (; i + 1 < n; i += 2) {
		const low = widths[i];
		const high = widths[i + 1];
		if (high >= Frame.IDLE_HIGH_US) break;
		if (low < Frame.BIT_LOW_MIN_US || low >= Frame.RESPONSE_LOW_US) throw new ProtocolError("SENSOR_BAD_PULSE", "bit " + count + ": a low of " + low + " us (the datasheet's is 50 us)");
		if (high > Frame.BIT_HIGH_MAX_US) throw new ProtocolError("SENSOR_BAD_PULSE", "bit " + count + ": a high of " + high + " us (26-28 us or 70 us expected)");
		if (count < Frame.BITS && high > Frame.ONE_THRESHOLD_US) bytes[count >> 3] |= 0x80 >> (count & 7);
		count++;
	}
	if (count === 0) throw new ProtocolError("SENSOR_NO_RESPONSE", "no bits after the start signal");
	if (count < Frame.BITS) throw new ProtocolError("SENSOR_TOO_FEW_EDGES", count + " of 40 bits captured");
	if (count > Frame.BITS) throw new ProtocolError("SENSOR_TOO_MANY_EDGES", count + " bits in a 40-bit frame");
	return bytes;
}

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
