/**
 * Waiting in real time, for tests and tools that drive real peers. Readiness is always a
 * probe (a port accepting, a log line, a response), never a fixed sleep: a sleep is too
 * short on a loaded machine and too long everywhere else. `waitFor` is the one polling
 * loop; `letTimePass` is for the few waits that are the point of a test.
 */

export interface WaitOptions {
	/** What is awaited, in words: the failure says "timed out after N ms waiting for <what>". */
	readonly what: string;
	/** How long to keep probing, in ms from the call (default 10 s). */
	readonly deadline?: number;
	/** ms between probes (default 10). */
	readonly every?: number;
}

/** Nothing yet: a probe returns one of these until what it looks for is there. */
type NotYet = undefined | false;

/**
 * Resolves with the probe's first value that is neither undefined nor false. The probe
 * may be async (connect to a port, send a request); if it throws, the wait fails at once.
 */
export async function waitFor<T>(probe: () => T | NotYet | Promise<T | NotYet>, options: WaitOptions): Promise<T> {
	const deadline = options.deadline ?? 10_000;
	const started = Date.now();
	for (;;) {
		const value = await probe();
		if (value !== undefined && value !== false) return value as T;
		if (Date.now() - started > deadline) throw new Error(`timed out after ${deadline} ms waiting for ${options.what}`);
		await new Promise((resolve) => setTimeout(resolve, options.every ?? 10));
	}
}

/**
 * Lets `ms` of real time pass, for a wait that is the point of a test: the window in which
 * a duplicate or a late message would show, a deadline to run out, a link kept down.
 * Never for readiness: that is `waitFor`.
 */
export function letTimePass(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
