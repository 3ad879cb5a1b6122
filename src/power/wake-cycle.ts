/**
 * When a sleepy device's wake ends: as soon as its work is done, or at the maximum
 * awake time, or when no network came within its deadline, whichever is first. Never
 * after a fixed window: batteries are lost to fixed windows and to devices waiting
 * forever for Wi-Fi or a broker. Sans-IO: it is told what happened, and says when to
 * look again (`nextTimeout`) and whether to sleep (`check`).
 */
export type SleepReason = "done" | "max-awake" | "no-network";

export interface WakeCycleOptions {
	/** Board time the wake began. */
	readonly start: number;
	readonly maxAwake: number;
	readonly networkDeadline: number;
}

export class WakeCycle {
	readonly #options: WakeCycleOptions;
	readonly #pending = new Set<string>();
	#connected = false;
	#ended: SleepReason | undefined;

	constructor(options: WakeCycleOptions) {
		this.#options = options;
	}

	/** Work the wake must finish before it may sleep ("reading", "commands", ...). */
	expect(task: string): void {
		this.#pending.add(task);
	}

	complete(task: string): void {
		this.#pending.delete(task);
	}

	get pending(): readonly string[] {
		return [...this.#pending];
	}

	/** The session is up: the network deadline no longer applies. */
	connected(): void {
		this.#connected = true;
	}

	/** Whether to sleep now, and why; once it has said so, it keeps saying the same. */
	check(now: number): SleepReason | undefined {
		if (this.#ended) return this.#ended;
		const { start, maxAwake, networkDeadline } = this.#options;
		if (this.#connected && this.#pending.size === 0) this.#ended = "done";
		else if (now - start >= maxAwake) this.#ended = "max-awake";
		else if (!this.#connected && now - start >= networkDeadline) this.#ended = "no-network";
		return this.#ended;
	}

	/** The next deadline to `check` at, in board time. */
	nextTimeout(): number {
		const { start, maxAwake, networkDeadline } = this.#options;
		return this.#connected ? start + maxAwake : start + Math.min(maxAwake, networkDeadline);
	}
}
