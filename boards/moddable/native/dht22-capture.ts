/**
 * The Board's captureDht22 on the ESP32 and ESP8266, over the native capture in dht22.c.
 * The capture blocks for the frame's 5 ms, so it runs from a timer, never inside the
 * caller's turn, and hands over a copy of the widths.
 */
import Timer from "timer";
import type { PulseCapture } from "../../../src/common/board";
import NativeDht22 from "./dht22";

/** A frame is 1 release + 2 response + 80 bit + 1 end pulses; room for spikes too. */
const widths = new Uint16Array(160);

export function captureDht22(pin: number, done: (capture: PulseCapture | undefined) => void): void {
	Timer.set(() => {
		let count = 0;
		try {
			count = NativeDht22.capture(pin, widths.buffer);
		} catch {
			count = 0;
		}
		done(count > 0 ? { firstLevel: 1, durations: widths.slice(0, count) } : undefined);
	}, 0);
}
