/**
 * Sleeps longer than the chip can time, in legs. The ESP8266 counts a deep sleep in a
 * uint32 of microseconds (71.58 min; 24 h would wrap to about 500 s), so a long
 * `sleepInterval` becomes legs of at most the board's `maxSleepMs`. What is left is kept
 * in the retained record (`chainMs`); a timer wake with some left is a leg wake: it
 * reads nothing and opens nothing, writes the shorter count and sleeps again, with the
 * radio off until the last leg (RetainedStore.sleepLeg).
 */
export interface SleepLeg {
	/** This leg's sleep, ms. */
	readonly ms: number;
	/** What is left to sleep after it, ms; 0 when the wake after it is the real one. */
	readonly chainMs: number;
}

/** The next leg of a sleep of `ms`: all of it when the chip can time it (no `maxSleepMs`: no limit). */
export function sleepLeg(ms: number, maxSleepMs: number | undefined): SleepLeg {
	const max = maxSleepMs || 0; // undefined and NaN: no limit
	return max <= 0 || ms <= max ? { ms, chainMs: 0 } : { ms: max, chainMs: ms - max };
}

/** The wake after this leg needs the network only when it is the real one. */
export function radioAfter(leg: SleepLeg): "on" | "off" {
	return leg.chainMs > 0 ? "off" : "on";
}
