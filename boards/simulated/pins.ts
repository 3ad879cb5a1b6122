/**
 * GPIO lines in memory, for boards without real pins: the laptop (host board) and
 * Moddable's desktop simulator (lin board). The firmware writes or reads a line; a test,
 * the launcher or a simulated peripheral drives it. Portable: no Node, no Moddable API.
 */
import type { DigitalInput, DigitalInputOptions, DigitalOutput } from "../../src/common/board";

export class SimulatedPin {
	#level: 0 | 1 = 0;
	readonly #listeners = new Set<(level: 0 | 1) => void>();

	read(): 0 | 1 {
		return this.#level;
	}

	/** The firmware drives an output. */
	write(level: 0 | 1): void {
		this.drive(level);
	}

	/** Something outside drives the line (a button, a sensor); listeners see each edge. */
	drive(level: 0 | 1): void {
		if (level === this.#level) return;
		this.#level = level;
		for (const listener of this.#listeners) listener(level);
	}

	listen(listener: (level: 0 | 1) => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}
}

/** A bank of simulated pins with the Board's pin methods. */
export class SimulatedPins {
	readonly pins = new Map<number, SimulatedPin>();

	pin(number: number): SimulatedPin {
		let pin = this.pins.get(number);
		if (!pin) this.pins.set(number, (pin = new SimulatedPin()));
		return pin;
	}

	digitalOutput(number: number): DigitalOutput {
		return this.pin(number);
	}

	digitalInput(number: number, options: DigitalInputOptions): DigitalInput {
		const pin = this.pin(number);
		if (options.pull === "up") pin.drive(1);
		const unlisten = options.onChange ? pin.listen(options.onChange) : undefined;
		return { read: () => pin.read(), close: () => unlisten?.() };
	}
}
