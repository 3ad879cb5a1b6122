/**
 * A push button on a digital input. Contacts bounce for a few milliseconds on every
 * press and release, so a level counts only once it has held for the debounce time.
 * A short press is reported on release (so a long press never also counts as a short
 * one); a long press as soon as the button has been held long enough.
 */
import type { Board, DigitalInput, TimerHandle } from "../common/board";

export interface ButtonOptions {
	readonly pin: number;
	/** Pressed reads 0 (a button to ground with the pull-up on), the usual wiring. */
	readonly activeLow: boolean;
	readonly debounceMs: number;
	/** Held this long is a long press; 0 for no long presses (every press is short). */
	readonly longPressMs: number;
	onPress(): void;
	onLongPress?(): void;
}

export class Button {
	// Plain fields, `declare`d and set in the constructor: #private and class fields cost XS bytecode.
	declare readonly board: Board;
	declare readonly options: ButtonOptions;
	declare readonly input: DigitalInput;
	declare debounce: TimerHandle | undefined;
	declare hold: TimerHandle | undefined;
	/** The debounced level (read it, never set it from outside). */
	declare pressed: boolean;
	/** This press became a long one: its release is no short press. */
	declare long: boolean;

	constructor(board: Board, options: ButtonOptions) {
		this.board = board;
		this.options = options;
		this.input = board.digitalInput(options.pin, { pull: options.activeLow ? "up" : "down", onChange: () => this.edge() });
		this.pressed = this.level();
		this.long = false;
	}

	close(): void {
		const board = this.board;
		if (this.debounce) board.clearTimer(this.debounce);
		if (this.hold) board.clearTimer(this.hold);
		this.debounce = this.hold = void 0;
		this.input.close();
	}

	level(): boolean {
		return this.input.read() === (this.options.activeLow ? 0 : 1);
	}

	/** Every edge restarts the debounce wait; only a level that holds is looked at. */
	edge(): void {
		const board = this.board;
		if (this.debounce) board.clearTimer(this.debounce);
		this.debounce = board.setTimer(() => {
			this.debounce = void 0;
			this.settled(this.level());
		}, this.options.debounceMs);
	}

	settled(pressed: boolean): void {
		if (pressed === this.pressed) return;
		this.pressed = pressed;
		const options = this.options;
		const board = this.board;
		if (pressed) {
			this.long = false;
			if (options.longPressMs > 0)
				this.hold = board.setTimer(() => {
					this.hold = void 0;
					this.long = true;
					if (options.onLongPress) options.onLongPress();
				}, Math.max(0, options.longPressMs - options.debounceMs));
			return;
		}
		if (this.hold) board.clearTimer(this.hold);
		this.hold = void 0;
		if (!this.long) options.onPress();
	}
}
