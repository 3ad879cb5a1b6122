/**
 * Incoming QoS 2, delivered once (the PUBLISH flows are the lane's, lane.ts; the gateway
 * tool keeps a window per client too).
 *
 * Exactly-once for incoming QoS 2 over a datagram network. Like MQTT's method B, a
 * message is delivered on its first PUBLISH and its id remembered until PUBREL. UDP
 * adds one case TCP never has: a retransmitted PUBLISH that the network delayed past
 * the PUBREL. The ids released most recently are therefore remembered too; a sender
 * numbers messages in sequence, so an id comes back only after thousands of others.
 *
 * Ids awaiting PUBREL are capped (`capacity`): a peer that never releases cannot grow
 * the window. Once `full`, a new id is not taken: the caller answers it ("rejected:
 * congestion") instead of delivering it. Both lists are short arrays: cheaper on the
 * device than a Set, and searched in a few steps at these sizes.
 */
/** Ids released lately that are still remembered (a `const enum`: written as its number). */
const enum Window {
	RECENT = 32,
}

export class ReleaseWindow {
	declare readonly capacity: number;
	private declare readonly waiting: number[];
	private declare readonly recent: number[];

	constructor(capacity = 64) {
		this.capacity = capacity;
		this.waiting = [];
		this.recent = [];
	}

	get full(): boolean {
		return this.waiting.length >= this.capacity;
	}

	/** The id is awaiting PUBREL or was released lately: a duplicate, whatever the window's fill. */
	holds(msgId: number): boolean {
		return this.waiting.indexOf(msgId) >= 0 || this.recent.indexOf(msgId) >= 0;
	}

	/** True when this PUBLISH is new and is to be delivered; false for a duplicate, or a new id while full. */
	accept(msgId: number): boolean {
		if (this.full || this.holds(msgId)) return false;
		this.waiting.push(msgId);
		return true;
	}

	/** PUBREL arrived. */
	release(msgId: number): void {
		const at = this.waiting.indexOf(msgId);
		if (at < 0) return;
		this.waiting.splice(at, 1);
		if (this.recent.length === Window.RECENT) this.recent.shift();
		this.recent.push(msgId);
	}

	/** A new session: the sender numbers from scratch. */
	clear(): void {
		this.waiting.length = 0;
		this.recent.length = 0;
	}

	awaiting(): number[] {
		return this.waiting.slice();
	}

	restore(ids: readonly number[]): void {
		for (let i = 0; i < ids.length && !this.full; i++) if (!this.holds(ids[i])) this.waiting.push(ids[i]);
	}
}
