/**
 * Telemetry: DHT22 readings as the JSON the issue specifies, `{"t":21.4,"h":48.2,"ts":1764000000}`
 * (`ts` in Unix seconds, left out while the clock is unknown), handed to whatever
 * carries them: MQTT and MQTT-SN publish them to the telemetry topic; a CoAP client
 * plugs in as another `SendReading` (a POST to its collector URI).
 */
import type { Board, TimerHandle } from "../common/board";
import { errorFields } from "../common/errors";
import type { Dht22Sample } from "../drivers/dht22/decode";
import type { Dht22 } from "../drivers/dht22/sensor";

/** Delivers one reading; resolves once it is sent (QoS 0, NON) or acknowledged. */
export type SendReading = (json: string) => Promise<void>;

export function readingJson(sample: Dht22Sample, epochMs: number): string {
	const ts = epochMs > 0 ? ',"ts":' + (Math.floor(epochMs / 1000)) : "";
	return '{"t":' + sample.temperature + ',"h":' + sample.humidity + ts + "}";
}

/** Reads the sensor and sends the reading; a failure is logged, never thrown. */
export async function sendReading(board: Board, sensor: Dht22, send: SendReading): Promise<boolean> {
	let sample: Dht22Sample;
	try {
		sample = await sensor.read();
	} catch (error) {
		board.log("sensor-error", { code: (error as { code?: string }).code ?? "UNKNOWN", message: (error as Error).message, ...sensor.failures });
		return false;
	}
	const sent = send(readingJson(sample, board.epochMs()));
	// Logged once handed over (and, sleepy, retained): a reset after this line still delivers it.
	board.log("reading", { temperature: sample.temperature, humidity: sample.humidity });
	await sent;
	return true;
}

/** Always-on: a reading every `interval` ms (the first at once), until stopped. */
export class PeriodicTelemetry {
	// Plain fields, set in the constructor: XS reads #private ones slower.
	declare readonly board: Board;
	declare readonly sensor: Dht22;
	declare readonly send: SendReading;
	declare readonly interval: number;
	declare timer: TimerHandle | undefined;

	constructor(board: Board, sensor: Dht22, send: SendReading, interval: number) {
		this.board = board;
		this.sensor = sensor;
		this.send = send;
		this.interval = interval;
	}

	start(): void {
		this.tick();
	}

	/** A reading now, between the periodic ones (a long press). */
	now(): void {
		this.read();
	}

	stop(): void {
		if (this.timer) this.board.clearTimer(this.timer);
		this.timer = void 0;
	}

	tick(): void {
		this.read();
		this.timer = this.board.setTimer(() => this.tick(), this.interval);
	}

	read(): void {
		sendReading(this.board, this.sensor, this.send).catch((error: Error) => this.board.log("error", errorFields(error)));
	}
}
