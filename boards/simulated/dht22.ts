/**
 * A simulated DHT22 for boards without one (the laptop, Moddable's simulator): it answers
 * a start signal with the pulse train the datasheet describes, with timing jitter, spikes
 * on the line and failures when asked, so the firmware's decoder sees what a real line
 * gives. Portable: no Node, no Moddable API.
 */
import type { PulseCapture } from "../../src/common/board";

export type Dht22Failure = "no-response" | "checksum" | "missing-bit" | "extra-bit";

export interface Dht22SimulatorOptions {
	/** Degrees Celsius and percent; change them at any time. */
	temperature?: number;
	humidity?: number;
	/** Each pulse is off by up to this many microseconds, either way (default 3). */
	jitterUs?: number;
	/** Spikes (1-4 us of the other level) added per frame (default 0). */
	spikes?: number;
	/** The chance in [0, 1] that a read fails, and how (default never). */
	failureRate?: number;
	failure?: Dht22Failure;
	random?: () => number;
}

/** The datasheet's timing, in microseconds. */
export const TIMING = {
	release: 30,
	responseLow: 80,
	responseHigh: 80,
	bitLow: 50,
	zeroHigh: 27,
	oneHigh: 70,
	endLow: 50,
} as const;

/** The five bytes a DHT22 sends for these values (rounded to its 0.1 resolution). */
export function dht22Frame(temperature: number, humidity: number): Uint8Array {
	const h = Math.round(humidity * 10);
	const t = Math.round(Math.abs(temperature) * 10) | (temperature < 0 ? 0x8000 : 0);
	const bytes = new Uint8Array([h >> 8, h & 0xff, t >> 8, t & 0xff, 0]);
	bytes[4] = (bytes[0] + bytes[1] + bytes[2] + bytes[3]) & 0xff;
	return bytes;
}

export interface PulseTrainOptions {
	readonly jitterUs?: number;
	readonly spikes?: number;
	readonly random?: () => number;
	/** Bits to send; 40 normally (fewer or more to simulate a lost or extra edge). */
	readonly bits?: number;
}

/** The line as captured from the host's release: high, response, bits, end low. */
export function dht22PulseTrain(bytes: Uint8Array, options: PulseTrainOptions = {}): PulseCapture {
	const random = options.random ?? Math.random;
	const jitter = options.jitterUs ?? 0;
	const widths: number[] = [TIMING.release, TIMING.responseLow, TIMING.responseHigh];
	const bits = options.bits ?? 40;
	for (let n = 0; n < bits; n++) {
		const bit = (bytes[(n >> 3) % bytes.length] >> (7 - (n & 7))) & 1;
		widths.push(TIMING.bitLow, bit ? TIMING.oneHigh : TIMING.zeroHigh);
	}
	widths.push(TIMING.endLow);
	for (let k = 0; k < widths.length; k++) widths[k] = Math.max(1, Math.round(widths[k] + (random() * 2 - 1) * jitter));
	for (let s = 0; s < (options.spikes ?? 0); s++) {
		// A spike splits a pulse: part, 1-4 us of the other level, the rest.
		const k = 1 + Math.floor(random() * (widths.length - 1));
		const spike = 1 + Math.floor(random() * 4);
		const before = Math.max(1, Math.floor((widths[k] - spike) / 2));
		const after = Math.max(1, widths[k] - spike - before);
		widths.splice(k, 1, before, spike, after);
	}
	return { firstLevel: 1, durations: widths };
}

export class SimulatedDht22 {
	readonly options: Dht22SimulatorOptions;
	/** Start signals answered, failed or not. */
	reads = 0;

	constructor(options: Dht22SimulatorOptions = {}) {
		this.options = options;
	}

	/** Answers one start signal; undefined when the sensor stays silent. */
	capture(): PulseCapture | undefined {
		this.reads++;
		const o = this.options;
		const random = o.random ?? Math.random;
		const bytes = dht22Frame(o.temperature ?? 21.5, o.humidity ?? 45);
		const failing = (o.failureRate ?? 0) > 0 && random() < (o.failureRate ?? 0);
		const failure = failing ? (o.failure ?? "checksum") : undefined;
		if (failure === "no-response") return undefined;
		if (failure === "checksum") bytes[4] ^= 0x01;
		const bits = failure === "missing-bit" ? 39 : failure === "extra-bit" ? 41 : 40;
		return dht22PulseTrain(bytes, { jitterUs: o.jitterUs ?? 3, spikes: o.spikes ?? 0, random, bits });
	}
}
