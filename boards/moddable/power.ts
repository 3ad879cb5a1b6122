/**
 * The Board's Power on a Moddable target, over a small native binding of the project
 * (boards/esp32/native, boards/esp8266/native): each chip keeps retained bytes and
 * sleeps its own way, and both look the same from here.
 */
import type { Power, WakeCause } from "../../src/common/board";

/** What each target's native module exports. */
export interface NativePowerBinding {
	capacity(): number;
	/** The longest single deep sleep in ms, 0 for no limit: longer sleeps are chained. */
	maxSleep(): number;
	read(): ArrayBuffer | undefined;
	write(buffer: ArrayBuffer): void;
	wakeCause(): WakeCause;
	/** `wakePin` -1 for the timer only; `radio` 0 for a next boot without RF (ESP8266). Does not return. */
	deepSleep(ms: number, wakePin: number, wakeLevel: number, radio: number): void;
}

export interface NativePowerOptions {
	/**
	 * Whether a chained leg may boot with the radio off (ESP8266 option 4). Only when
	 * nothing joins Wi-Fi before `main`: manifest_net's setup/network waits for a
	 * connection with no limit, which an RF-off boot never gets, so it would never sleep.
	 */
	readonly radioOffLegs: boolean;
}

export function nativePower(binding: NativePowerBinding, options: NativePowerOptions): Power {
	const maxSleep = binding.maxSleep();
	return {
		wakeCause: binding.wakeCause(),
		retainedCapacity: binding.capacity(),
		maxSleepMs: maxSleep > 0 ? maxSleep : undefined,
		readRetained() {
			const buffer = binding.read();
			return buffer ? new Uint8Array(buffer) : undefined;
		},
		writeRetained(bytes) {
			// A copy whose buffer is exactly these bytes, not a view's larger backing store.
			binding.write(bytes.slice().buffer);
		},
		deepSleep(ms, wake, radio = "on") {
			binding.deepSleep(ms, wake ? wake.pin : -1, wake ? wake.level : 0, radio === "off" && options.radioOffLegs ? 0 : 1);
		},
	};
}
