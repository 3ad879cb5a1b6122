/**
 * One board timer kept at a sans-IO session's next deadline, for host code (the host
 * client's renewals); the firmware's datagram driver keeps its timer itself. A client calls
 * `arm` with `session.nextTimeout()` after every event; when it fires, the client ticks the session.
 * An earlier timer is kept rather than moved: it fires, finds nothing due, and is armed
 * again. That avoids a clear/set pair per packet at high message rates.
 */
import type { Board, TimerHandle } from "../../src/common/board";

export class DeadlineTimer {
	readonly board: Board;
	/** What runs when the timer fires. */
	readonly owner: () => void;
	timer: TimerHandle | undefined;
	at: number;

	constructor(board: Board, owner: () => void) {
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
			this.owner();
		}, Math.max(0, at - board.now()));
	}

	clear(): void {
		if (this.timer) this.board.clearTimer(this.timer);
		this.timer = void 0;
		this.at = Infinity;
	}
}
