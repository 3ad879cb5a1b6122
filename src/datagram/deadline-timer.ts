/**
 * One board timer kept at a sans-IO session's next deadline. A client calls `arm` with
 * `session.nextTimeout()` after every event; when it fires, the client ticks the session.
 * An earlier timer is kept rather than moved: it fires, finds nothing due, and is armed
 * again. That avoids a clear/set pair per packet at high message rates.
 */
import type { Board, TimerHandle } from "../common/board";

/** What a DeadlineTimer calls when it fires: the driver itself, so no closure is kept per client. */
export interface DeadlineOwner {
	deadlineFired(): void;
}

export class DeadlineTimer {
	// Plain fields, `declare`d and set in the constructor: class fields cost XS bytecode.
	declare readonly board: Board;
	/** The driver, or a plain callback for a caller with no owner object (testkit's host client). */
	declare readonly owner: DeadlineOwner | (() => void);
	declare timer: TimerHandle | undefined;
	declare at: number;

	constructor(board: Board, owner: DeadlineOwner | (() => void)) {
		this.board = board;
		this.owner = owner;
		this.at = Infinity;
	}

	/** Fires at `at` (board time), or never for undefined. */
	arm(at: number | undefined): void {
		if (at === void 0) return this.clear();
		if (this.timer && this.at <= at) return;
		this.clear();
		const board = this.board;
		this.at = at;
		this.timer = board.setTimer(() => {
			this.timer = void 0;
			this.at = Infinity;
			const owner = this.owner;
			if (typeof owner === "function") owner();
			else owner.deadlineFired();
		}, Math.max(0, at - board.now()));
	}

	clear(): void {
		if (this.timer) this.board.clearTimer(this.timer);
		this.timer = void 0;
		this.at = Infinity;
	}
}
