/**
 * When to connect again after a link was lost: exponential backoff with full jitter
 * (backoff.ts), started afresh once a connection proved healthy by staying up. One policy
 * for every protocol, so a fleet behaves the same over MQTT and MQTT-SN.
 */
import { Backoff } from "./backoff";

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
