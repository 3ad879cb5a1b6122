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
	// Plain fields, `declare`d and set in the constructor: #private and class fields cost XS bytecode.
	declare readonly options: WakeCycleOptions;
	/** The tasks left, in the order they were expected (a short array: cheaper than a Set in XS). */
	declare readonly tasks: string[];
	declare online: boolean;
	declare ended: SleepReason | undefined;

	constructor(options: WakeCycleOptions) {
		this.options = options;
		this.tasks = [];
		this.online = false;
	}

	/** Work the wake must finish before it may sleep ("reading", "commands", ...). */
	expect(task: string): void {
		if (this.tasks.indexOf(task) < 0) this.tasks.push(task);
	}

	complete(task: string): void {
		const i = this.tasks.indexOf(task);
		if (i >= 0) this.tasks.splice(i, 1);
	}

	get pending(): readonly string[] {
		return this.tasks.slice();
	}

	/** The session is up: the network deadline no longer applies. */
	connected(): void {
		this.online = true;
	}

	/** Whether to sleep now, and why; once it has said so, it keeps saying the same. */
	check(now: number): SleepReason | undefined {
		if (this.ended) return this.ended;
		const options = this.options;
		const awake = now - options.start;
		if (this.online && this.tasks.length === 0) this.ended = "done";
		else if (awake >= options.maxAwake) this.ended = "max-awake";
		else if (!this.online && awake >= options.networkDeadline) this.ended = "no-network";
		return this.ended;
	}

	/** The next deadline to `check` at, in board time. */
	nextTimeout(): number {
		const options = this.options;
		return options.start + (this.online ? options.maxAwake : Math.min(options.maxAwake, options.networkDeadline));
	}
}
