/**
 * Exponential backoff with full jitter: the n-th retry waits a uniformly random time in
 * [0, min(cap, base * 2^n)). Spreading retries uniformly is what keeps a fleet that lost
 * its broker together from reconnecting in lockstep (see "Exponential Backoff And
 * Jitter", AWS Architecture Blog). The attempt count is plain data so it can be kept
 * across deep sleep.
 *
 * Reconnect (below) is the policy for a lost link: this backoff, started afresh once a
 * connection proved healthy by staying up. One policy for every protocol, so a fleet
 * behaves the same over MQTT and MQTT-SN. One module for both: they share every name.
 */
export interface BackoffOptions {
	/** First ceiling, in ms. */
	readonly base: number;
	/** Largest ceiling, in ms. */
	readonly cap: number;
	/** A source of uniform numbers in [0, 1); injectable for tests. */
	readonly random?: () => number;
}

export class Backoff {
	// Plain fields, `declare`d and set in the constructor: class fields cost XS bytecode.
	declare readonly base: number;
	declare readonly cap: number;
	declare readonly random: () => number;
	declare attempt: number;

	constructor(options: BackoffOptions) {
		this.base = options.base;
		this.cap = options.cap;
		this.random = options.random || Math.random;
		this.attempt = 0;
	}

	/** The ceiling for the next delay: min(cap, base * 2^attempt). */
	ceiling(): number {
		// 2^attempt overflows nothing before it passes any sane cap, but stop doubling there.
		return Math.min(this.cap, this.base * 2 ** Math.min(this.attempt, 30));
	}

	/** The delay before the next retry, in ms; each call counts one more attempt. */
	next(): number {
		const delay = Math.floor(this.random() * this.ceiling());
		this.attempt++;
		return delay;
	}

	reset(): void {
		this.attempt = 0;
	}
}

/** A connection that stayed up this long was healthy: the next failure starts backoff afresh. */
const enum Stable {
	CONNECTION_MS = 30_000,
}

export interface ReconnectOptions {
	/** Reconnect backoff, in ms: first ceiling and largest ceiling (defaults 1 s and 60 s). */
	readonly reconnectBase?: number;
	readonly reconnectCap?: number;
	/** Reconnect attempts already made (kept across deep sleep so a fleet stays spread out). */
	readonly reconnectAttempt?: number;
	readonly random?: () => number;
}

export class Reconnect extends Backoff {
	declare onlineAt: number;

	constructor(options: ReconnectOptions) {
		super({ base: options.reconnectBase ?? 1000, cap: options.reconnectCap ?? 60_000, random: options.random });
		this.attempt = options.reconnectAttempt || 0;
		this.onlineAt = -1;
	}

	/** The link is up (the peer accepted the connection) at `now`. */
	online(now: number): void {
		this.onlineAt = now;
	}

	/** The link ended at `now`: a healthy one forgets the attempts before it. */
	lost(now: number): void {
		if (this.onlineAt >= 0 && now - this.onlineAt >= Stable.CONNECTION_MS) this.attempt = 0;
		this.onlineAt = -1;
	}
}
