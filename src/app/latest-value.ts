/**
 * A value the peer keeps (the lamp's retained state, its status): only the latest
 * matters. At most one publication is in flight; a value set meanwhile waits, and a
 * newer one replaces it unsent. However fast the lamp changes, this takes one queue slot
 * and the last value the peer receives is the last one set, so its retained state ends
 * equal to the lamp (a queue of every change fills up and refuses the newest: issue 14).
 */
interface Waiter {
	readonly resolve: () => void;
	readonly reject: (error: Error) => void;
}

export class LatestValue<T> {
	// Plain fields, set in the constructor: XS reads #private ones slower, and compiles initializers apart.
	declare readonly send: (value: T) => Promise<void>;
	declare busy: boolean;
	declare pending: { readonly value: T } | undefined;
	declare waiters: Waiter[];

	constructor(send: (value: T) => Promise<void>) {
		this.send = send;
		this.busy = false;
		this.waiters = [];
	}

	/** Resolves once `value`, or a newer value that replaced it, is sent (or acknowledged). */
	set(value: T): Promise<void> {
		this.pending = { value };
		const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
		this.next();
		return done;
	}

	/** A value is waiting for the one in flight. */
	get waiting(): boolean {
		return this.pending !== void 0;
	}

	/** Hands a waiting value over now, beside the one in flight (a wake that ends keeps both). */
	flush(): void {
		const pending = this.pending;
		if (!pending) return;
		this.pending = void 0;
		this.settle(this.waiters.splice(0), this.send(pending.value));
	}

	next(): void {
		const pending = this.pending;
		if (this.busy || !pending) return;
		this.pending = void 0;
		this.busy = true;
		this.settle(this.waiters.splice(0), this.send(pending.value), () => {
			this.busy = false;
			this.next();
		});
	}

	settle(waiters: readonly Waiter[], sent: Promise<void>, then?: () => void): void {
		sent.then(
			() => {
				for (let i = 0; i < waiters.length; i++) waiters[i].resolve();
				if (then) then();
			},
			(error: Error) => {
				for (let i = 0; i < waiters.length; i++) waiters[i].reject(error);
				if (then) then();
			},
		);
	}
}
