/**
 * The Board's Power on a Moddable target, over a small native binding of the project
 * (boards/esp32/native, boards/esp8266/native): each chip keeps retained bytes and
 * sleeps its own way, and both look the same from here.
 */
import type { Power, WakeCause } from "../../src/common/board";

/** What each target's native module exports. */
export interface NativePowerBinding {
	capacity(): number;
	read(): ArrayBuffer | undefined;
	write(buffer: ArrayBuffer): void;
	wakeCause(): WakeCause;
	/** `wakePin` -1 for the timer only. Does not return. */
	deepSleep(ms: number, wakePin: number, wakeLevel: number): void;
}

export function nativePower(binding: NativePowerBinding): Power {
	return {
		wakeCause: binding.wakeCause(),
		retainedCapacity: binding.capacity(),
		readRetained() {
			const buffer = binding.read();
			return buffer ? new Uint8Array(buffer) : undefined;
		},
		writeRetained(bytes) {
			// A copy whose buffer is exactly these bytes, not a view's larger backing store.
			binding.write(bytes.slice().buffer);
		},
		deepSleep(ms, wake) {
			binding.deepSleep(ms, wake ? wake.pin : -1, wake ? wake.level : 0);
		},
	};
}
