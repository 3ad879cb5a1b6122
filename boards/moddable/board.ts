/**
 * What every Moddable target shares: time, timers, DNS, sockets and logging through
 * the SDK's modules. Pins, the DHT22 capture and deep sleep differ per target and are
 * passed in, so the ESP32, ESP8266 and simulator boards stay a few lines each.
 */
import Time from "time";
import Timer from "timer";
import type {
	Crypto,
	Board,
	BoardHealth,
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
import { boardHealth } from "./health";
import { openDatagram } from "./datagram";
import { resolveHost } from "./resolve";
import { connectStream } from "./stream";

export interface Pins {
	digitalOutput(pin: number): DigitalOutput;
	digitalInput(pin: number, options: DigitalInputOptions): DigitalInput;
}

/** What a target adds when it has it: a DHT22 capture, deep sleep and retained memory, its own random source. */
export interface Peripherals {
	captureDht22?(pin: number, done: (capture: PulseCapture | undefined) => void): void;
	readonly power?: Power;
	/** The station interface, on boards that join their network themselves. */
	readonly network?: Network;
	/** Fills `bytes` with random bytes; without it, Math.random is the source (see randomBytes). */
	fillRandom?(bytes: Uint8Array): void;
	/** AES and SHA-256 for coaps (crypto.ts, over the SDK's crypt module). */
	readonly crypto?: Crypto;
}

export class ModdableBoard implements Board {
	readonly name: string;
	readonly #pins: Pins;
	readonly captureDht22?: (pin: number, done: (capture: PulseCapture | undefined) => void) => void;
	readonly power?: Power;
	readonly network?: Network;
	readonly crypto?: Crypto;
	readonly #fillRandom?: (bytes: Uint8Array) => void;

	constructor(name: string, pins: Pins, peripherals: Peripherals = {}) {
		this.name = name;
		this.#pins = pins;
		this.captureDht22 = peripherals.captureDht22;
		this.power = peripherals.power;
		this.network = peripherals.network;
		this.crypto = peripherals.crypto;
		this.#fillRandom = peripherals.fillRandom;
	}

	now(): number {
		return Time.ticks;
	}

	epochMs(): number {
		return epochMs();
	}

	/**
	 * On the ESP32 and ESP8266, XS's Math.random is the chip's hardware RNG read on every
	 * call (xsHost.h: c_rand is esp_random(), or the ESP8266's RNG register at 0x3FF20E44),
	 * so it is the real source there: 16 of its 31 bits per draw. The simulator, whose
	 * Math.random is an unseeded rand(), passes the OS's source as `fillRandom`.
	 */
	randomBytes(count: number): Uint8Array {
		const bytes = new Uint8Array(count);
		if (this.#fillRandom) this.#fillRandom(bytes);
		else for (let i = 0; i < count; i += 2) {
			const draw = Math.floor(Math.random() * 0x10000);
			bytes[i] = draw >> 8;
			if (i + 1 < count) bytes[i + 1] = draw & 0xff;
		}
		return bytes;
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

	/** Free memory (instrumented builds) and, on a board that joins Wi-Fi, the signal (moddable/health.ts). */
	health(): BoardHealth {
		return boardHealth(this.network !== undefined);
	}

	/** One JSON line per event on the debug console (xsbug, or stdout in the simulator). */
	log(event: string, fields: LogFields = {}): void {
		trace(JSON.stringify({ event, ...fields }) + "\n");
	}
}
