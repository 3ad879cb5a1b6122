/**
 * The lamp: one digital output driving a relay or LED. Relay boards are often active
 * low (the relay closes when the pin is 0), so the level is configurable and the rest
 * of the firmware only ever says on or off.
 */
import type { DigitalOutput } from "../common/board";

export class Lamp {
	readonly #pin: DigitalOutput;
	readonly #activeLow: boolean;
	#on = false;

	/** Starts switched off. */
	constructor(pin: DigitalOutput, activeLow: boolean) {
		this.#pin = pin;
		this.#activeLow = activeLow;
		this.#write();
	}

	get on(): boolean {
		return this.#on;
	}

	/** Switches the lamp; returns whether anything changed. */
	set(on: boolean): boolean {
		if (on === this.#on) return false;
		this.#on = on;
		this.#write();
		return true;
	}

	toggle(): void {
		this.set(!this.#on);
	}

	#write(): void {
		this.#pin.write(this.#on !== this.#activeLow ? 1 : 0);
	}
}
