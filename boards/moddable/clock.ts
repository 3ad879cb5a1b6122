/** Before SNTP has run, the clock is near 1970: report "unknown" (0) rather than a wrong time. */
const CLOCK_SET_AFTER = Date.UTC(2024, 0, 1);

export function epochMs(): number {
	const now = Date.now();
	return now > CLOCK_SET_AFTER ? now : 0;
}
