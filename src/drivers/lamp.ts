/**
 * The lamp: one digital output driving a relay or LED. Relay boards are often active
 * low (the relay closes when the pin is 0), so the level is configurable and the rest
 * of the firmware only ever says on or off.
 */
import type { DigitalOutput } from "../common/board";

export class Lamp {
	// Plain fields, `declare`d and set in the constructor: #private and class fields cost XS bytecode.
	declare readonly pin: DigitalOutput;
	declare readonly activeLow: boolean;
	/** Whether the lamp is on (set it through `set`). */
	declare readonly on: boolean;

	/** Starts switched off. */
	constructor(pin: DigitalOutput, activeLow: boolean) {
		this.pin = pin;
		this.activeLow = activeLow;
		this.write(false);
	}

	/** Switches the lamp; returns whether anything changed. */
	set(on: boolean): boolean {
		if (on === this.on) return false;
		this.write(on);
		return true;
	}

	toggle(): void {
		this.write(!this.on);
	}

	write(on: boolean): void {
		// The one place `on` changes: readonly to every caller.
		(this as { on: boolean }).on = on;
		this.pin.write(on !== this.activeLow ? 1 : 0);
	}
}
