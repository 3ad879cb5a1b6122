/**
 * What a sleepy device says on its status topic before it sleeps: when to expect it back.
 * One function, so the wake and the retained-state vocabulary (retained-vocabulary.ts)
 * that keeps it in 9 bytes write it alike.
 */
export function asleepStatus(sleepIntervalMs: number, epochMs: number): string {
	const wakeAt = epochMs > 0 ? ',"wakeAt":' + (Math.floor((epochMs + sleepIntervalMs) / 1000)) : "";
	return '{"status":"asleep","wakeIn":' + (sleepIntervalMs / 1000) + wakeAt + "}";
}
