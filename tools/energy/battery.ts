/**
 * Battery life of a sleepy device: the average current of one cycle (awake at the active
 * current, asleep at the sleep current for the rest of the interval) against the
 * battery's capacity. Ignores self-discharge and the regulator's quiescent current,
 * which a real design adds to the sleep current.
 */
export interface PowerProfile {
	readonly activeMa: number;
	readonly sleepUa: number;
	readonly capacityMah: number;
}

/** Days a battery lasts when each `intervalMs` cycle is awake for `awakeMs`. */
export function batteryDays(profile: PowerProfile, awakeMs: number, intervalMs: number): number {
	const awake = Math.min(awakeMs, intervalMs);
	const averageMa = (profile.activeMa * awake + (profile.sleepUa / 1000) * (intervalMs - awake)) / intervalMs;
	return profile.capacityMah / averageMa / 24;
}
