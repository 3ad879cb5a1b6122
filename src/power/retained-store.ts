/**
 * The retained state of one wake: read (and, when unusable, discarded and counted) at
 * the start, written back as often as the wake makes promises worth keeping. It also
 * keeps the device clock, which goes on across sleep: the clock when this wake began
 * (time asleep is known for a timer wake only) plus board time since.
 */
import type { Board, Power } from "../common/board";
import { EMPTY_STATE, encodeRetained, type RetainedState, type SessionProtocol } from "./retained";
import { readSlots, slotCapacity, writeSlot, type Slot } from "./retained-slots";

/** What a wake has to say about itself when it writes its state. */
export interface WakeSnapshot {
	/** Board time of the last DHT22 start signal, if this wake sent one. */
	readonly lastReadAt: number | undefined;
	readonly reconnectAttempt: number;
	readonly lampOn: boolean;
	readonly session: Uint8Array;
}

export class RetainedStore {
	/** The state this wake started from, its boot counted. */
	readonly state: RetainedState;
	readonly #board: Board;
	readonly #power: Power;
	readonly #protocol: SessionProtocol;
	readonly #start: number;
	readonly #clockBase: number;
	#region: Uint8Array | undefined;
	/** Where the newest intact record is; writes go to the other slot. */
	#current: Slot | undefined;
	#writes: number;

	constructor(board: Board, power: Power, protocol: SessionProtocol, sleepInterval: number) {
		this.#board = board;
		this.#power = power;
		this.#protocol = protocol;
		this.#start = board.now();
		this.#region = power.readRetained();
		const restored = readSlots(this.#region, power.retainedCapacity);
		for (const reason of restored.discarded) board.log("retained-discarded", { reason });
		this.#current = restored.slot;
		const prior = restored.state ?? EMPTY_STATE;
		this.#writes = prior.writes;
		// A discarded slot's own count went with it: this much is known, that one more happened.
		this.state = { ...prior, bootCount: prior.bootCount + 1, discarded: prior.discarded + restored.discarded.length };
		this.#clockBase = prior.clockMs + (power.wakeCause === "timer" ? sleepInterval : 0);
	}

	/** The protocol session this wake resumes, or undefined to start afresh. */
	get session(): Uint8Array | undefined {
		return this.state.protocol === this.#protocol ? this.state.session : undefined;
	}

	/** Board time of the last DHT22 start signal before this wake, if known (negative: before it began). */
	get lastReadAt(): number | undefined {
		const at = this.state.lastReadAt;
		return Number.isNaN(at) ? undefined : at - this.#clockBase + this.#start;
	}

	/** Writes the state; a state too large for the board is kept without its session. */
	save(snapshot: WakeSnapshot): void {
		const board = this.#board;
		const capacity = slotCapacity(this.#power.retainedCapacity);
		const next: RetainedState = {
			...this.state,
			writes: ++this.#writes,
			clockMs: this.#clock(board.now()),
			lastReadAt: snapshot.lastReadAt === undefined ? this.state.lastReadAt : this.#clock(snapshot.lastReadAt),
			reconnectAttempt: snapshot.reconnectAttempt,
			lampOn: snapshot.lampOn,
			protocol: this.#protocol,
			session: snapshot.session,
		};
		let bytes = encodeRetained(next);
		if (bytes.length > capacity) {
			// Too many unacknowledged messages to keep: the next wake starts a fresh session.
			board.log("warning", { message: `retained state of ${bytes.length} bytes is over the board's ${capacity}: session dropped` });
			bytes = encodeRetained({ ...next, protocol: "none", session: new Uint8Array(0) });
		}
		const slot: Slot = this.#current === 0 ? 1 : 0;
		this.#region = writeSlot(this.#region, this.#power.retainedCapacity, slot, bytes);
		this.#power.writeRetained(this.#region);
		this.#current = slot;
	}

	#clock(boardTime: number): number {
		return this.#clockBase + boardTime - this.#start;
	}
}
