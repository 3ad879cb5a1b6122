/**
 * Exactly-once for incoming QoS 2 over a datagram network. Like MQTT's method B, a
 * message is delivered on its first PUBLISH and its id remembered until PUBREL. UDP
 * adds one case TCP never has: a retransmitted PUBLISH that the network delayed past
 * the PUBREL. The ids released most recently are therefore remembered too; a sender
 * numbers messages in sequence, so an id comes back only after thousands of others.
 */
const RECENT = 32;

export class ReleaseWindow {
	readonly #awaiting = new Set<number>();
	readonly #recent: number[] = [];

	/** True when this PUBLISH is new and is to be delivered; false for a duplicate. */
	accept(msgId: number): boolean {
		if (this.#awaiting.has(msgId) || this.#recent.indexOf(msgId) >= 0) return false;
		this.#awaiting.add(msgId);
		return true;
	}

	/** PUBREL arrived. */
	release(msgId: number): void {
		if (!this.#awaiting.delete(msgId)) return;
		if (this.#recent.length === RECENT) this.#recent.shift();
		this.#recent.push(msgId);
	}

	/** A new session: the sender numbers from scratch. */
	clear(): void {
		this.#awaiting.clear();
		this.#recent.length = 0;
	}

	awaiting(): number[] {
		return [...this.#awaiting];
	}

	restore(ids: readonly number[]): void {
		for (const id of ids) this.#awaiting.add(id);
	}
}
