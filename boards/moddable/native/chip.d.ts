/** Types of chip.js: the project's native code on the ESP32 and ESP8266. */
import type { WakeCause } from "../../../src/common/board";

declare const NativeChip: {
	/** Sends the DHT22 start signal on `pin` and records the answer's widths in us (uint16, the first one high); returns their count. */
	capture(pin: number, buffer: ArrayBuffer): number;
	/** Bytes of retained memory. */
	capacity(): number;
	/** The longest single deep sleep in ms, 0 for no limit: longer sleeps are chained. */
	maxSleep(): number;
	read(): ArrayBuffer | undefined;
	write(buffer: ArrayBuffer): void;
	wakeCause(): WakeCause;
	/** `wakePin` -1 for the timer only; `radio` 0 for a next boot without RF (ESP8266). Does not return. */
	deepSleep(ms: number, wakePin: number, wakeLevel: number, radio: number): void;
	/**
	 * `buffer`: 16 bytes, ip, netmask, gateway and DNS server, 4 each in network order. With
	 * the station mode on and before the connect; throws when the chip refuses it.
	 */
	configure(buffer: ArrayBuffer): void;
};
export default NativeChip;
