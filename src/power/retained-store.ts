/**
 * The retained state of one wake: read (and, when unusable, discarded and counted) at
 * the start, written back as often as the wake makes promises worth keeping. It also
 * keeps the device clock, which goes on across sleep: the clock when this wake began
 * (plus the sleep the last record was written before, on a timer wake) plus board time
 * since. And it sleeps: in legs, when the sleep is longer than the chip can time
 * (sleep-chain.ts).
 */
import type { Board, Power } from "../common/board";
import { ProtocolError } from "../common/errors";
import { EMPTY_STATE, RECORD_OVERHEAD, encodeRetained, type RetainedState, type SessionProtocol } from "./retained";
import { readSlots, slotCapacity, writeSlot, type Slot } from "./retained-slots";
import { radioAfter, sleepLeg, type SleepLeg } from "./sleep-chain";

/** What a wake has to say about itself when it writes its state. */
export interface WakeSnapshot {
	/** Board time of the last DHT22 start signal, if this wake sent one. */
	readonly lastReadAt: number | undefined;
	readonly reconnectAttempt: number;
	readonly lampOn: boolean;
	readonly session: Uint8Array;
}

export type WakePin = { readonly pin: number; readonly level: 0 | 1 };

export class RetainedStore {
	/** The state this wake started from, its boot counted. */
	readonly state: RetainedState;
	readonly #prior: RetainedState;
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
		this.#prior = prior;
		this.#writes = prior.writes;
		// A discarded slot's own count went with it: this much is known, that one more happened.
		this.state = { ...prior, bootCount: prior.bootCount + 1, discarded: prior.discarded + restored.discarded.length };
		const slept = prior.sleepMs > 0 ? prior.sleepMs : sleepInterval;
		this.#clockBase = prior.clockMs + (power.wakeCause === "timer" ? slept : 0);
	}

	/** The protocol session this wake resumes, or undefined to start afresh. */
	get session(): Uint8Array | undefined {
		return this.state.protocol === this.#protocol ? this.state.session : undefined;
	}

	/** The most session bytes a record keeps on this board (save drops a larger session). */
	get sessionRoom(): number {
		return slotCapacity(this.#power.retainedCapacity) - RECORD_OVERHEAD;
	}

	/** Board time of the last DHT22 start signal before this wake, if known (negative: before it began). */
	get lastReadAt(): number | undefined {
		const at = this.state.lastReadAt;
		return Number.isNaN(at) ? undefined : at - this.#clockBase + this.#start;
	}

	/** A timer wake between two legs of a chained sleep: nothing is due but the next leg. */
	get legWake(): boolean {
		return this.#power.wakeCause === "timer" && this.#prior.chainMs > 0;
	}

	/**
	 * Writes the state, with the sleep about to start when there is one. A state too
	 * large for the board is kept without its session, and said so as a typed error: the
	 * next wake starts a fresh session, and whatever it had not delivered is lost.
	 */
	save(snapshot: WakeSnapshot, sleep?: SleepLeg): void {
		const board = this.#board;
		const capacity = slotCapacity(this.#power.retainedCapacity);
		const next: RetainedState = {
			...this.state,
			writes: this.#writes + 1,
			clockMs: this.#clock(board.now()),
			lastReadAt: snapshot.lastReadAt === undefined ? this.state.lastReadAt : this.#clock(snapshot.lastReadAt),
			reconnectAttempt: snapshot.reconnectAttempt,
			lampOn: snapshot.lampOn,
			protocol: this.#protocol,
			sleepMs: sleep?.ms ?? 0,
			chainMs: sleep?.chainMs ?? 0,
			session: snapshot.session,
		};
		let bytes = encodeRetained(next);
		if (bytes.length > capacity) {
			const error = new ProtocolError("RETAINED_TOO_LARGE", `retained ${this.#protocol} state of ${bytes.length} bytes is over the board's ${capacity}: session dropped`);
			board.log("error", { code: error.code, message: error.message, bytes: bytes.length, capacity });
			bytes = encodeRetained({ ...next, protocol: "none", session: new Uint8Array(0) });
		}
		this.#write(bytes);
	}

	/**
	 * A leg wake: counts the chain down and sleeps the next leg at once. The record is the
	 * last real wake's, with the clock moved on; the boot is not counted (nothing woke).
	 */
	sleepLeg(wake: WakePin | undefined): SleepLeg {
		const prior = this.#prior;
		const leg = sleepLeg(prior.chainMs, this.#power.maxSleepMs);
		this.#write(encodeRetained({ ...prior, writes: this.#writes + 1, discarded: this.state.discarded, clockMs: this.#clock(this.#board.now()), sleepMs: leg.ms, chainMs: leg.chainMs }));
		this.#board.log("sleep-leg", { sleepMs: leg.ms, leftMs: leg.chainMs, awakeMs: Math.round(this.#board.now() - this.#start) });
		this.#power.deepSleep(leg.ms, wake, radioAfter(leg));
		return leg;
	}

	#write(bytes: Uint8Array): void {
		const slot: Slot = this.#current === 0 ? 1 : 0;
		this.#region = writeSlot(this.#region, this.#power.retainedCapacity, slot, bytes);
		this.#power.writeRetained(this.#region);
		this.#current = slot;
		this.#writes++;
	}

	#clock(boardTime: number): number {
		return this.#clockBase + boardTime - this.#start;
	}
}
