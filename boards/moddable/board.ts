/**
 * What every Moddable target shares: time, timers, DNS, sockets and logging through
 * the SDK's modules. Pins, the DHT22 capture and deep sleep differ per target and are
 * passed in, so the ESP32, ESP8266 and simulator boards stay a few lines each.
 */
import Time from "time";
import Timer from "timer";
import type {
	Board,
	Datagram,
	DatagramOptions,
	DigitalInput,
	DigitalInputOptions,
	DigitalOutput,
	LogFields,
	Network,
	Power,
	PulseCapture,
	Stream,
	StreamOptions,
	TimerHandle,
} from "../../src/common/board";
import { epochMs } from "./clock";
import { openDatagram } from "./datagram";
import { resolveHost } from "./resolve";
import { connectStream } from "./stream";

export interface Pins {
	digitalOutput(pin: number): DigitalOutput;
	digitalInput(pin: number, options: DigitalInputOptions): DigitalInput;
}

/** What a target adds when it has it: a DHT22 capture, deep sleep and retained memory. */
export interface Peripherals {
	captureDht22?(pin: number, done: (capture: PulseCapture | undefined) => void): void;
	readonly power?: Power;
	/** The station interface, on boards that join their network themselves. */
	readonly network?: Network;
}

export class ModdableBoard implements Board {
	readonly name: string;
	readonly #pins: Pins;
	readonly captureDht22?: (pin: number, done: (capture: PulseCapture | undefined) => void) => void;
	readonly power?: Power;
	readonly network?: Network;

	constructor(name: string, pins: Pins, peripherals: Peripherals = {}) {
		this.name = name;
		this.#pins = pins;
		this.captureDht22 = peripherals.captureDht22;
		this.power = peripherals.power;
		this.network = peripherals.network;
	}

	now(): number {
		return Time.ticks;
	}

	epochMs(): number {
		return epochMs();
	}


	setTimer(callback: () => void, ms: number): TimerHandle {
		return Timer.set(callback, ms) as unknown as TimerHandle;
	}

	clearTimer(timer: TimerHandle): void {
		Timer.clear(timer as unknown as Timer);
	}

	resolve(host: string, callback: (address: string | undefined) => void): void {
		resolveHost(host, callback);
	}

	connectStream(options: StreamOptions): Stream {
		return connectStream(options);
	}

	openDatagram(options: DatagramOptions): Datagram {
		return openDatagram(options);
	}

	digitalOutput(pin: number): DigitalOutput {
		return this.#pins.digitalOutput(pin);
	}

	digitalInput(pin: number, options: DigitalInputOptions): DigitalInput {
		return this.#pins.digitalInput(pin, options);
	}

	/** One JSON line per event on the debug console (xsbug, or stdout in the simulator). */
	log(event: string, fields: LogFields = {}): void {
		trace(JSON.stringify({ event, ...fields }) + "\n");
	}
}
