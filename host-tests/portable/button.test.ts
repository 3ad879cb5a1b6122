/** The push button on a virtual clock: debounce, short and long presses, both polarities. */
import { describe, it, check } from "./test-api";
import { Button } from "../../src/drivers/button";
import { DeviceBoard } from "../../testkit/portable/device-board";

function setup(options: { activeLow?: boolean; longPressMs?: number } = {}) {
	const board = new DeviceBoard();
	const presses: string[] = [];
	const activeLow = options.activeLow ?? true;
	const button = new Button(board, {
		pin: 0,
		activeLow,
		debounceMs: 30,
		longPressMs: options.longPressMs ?? 1000,
		onPress: () => presses.push(`short@${board.now()}`),
		onLongPress: () => presses.push(`long@${board.now()}`),
	});
	const pin = board.simulatedPins.pin(0);
	const press = activeLow ? 0 : 1;
	/** Drives the line through `levels` (pressed = true), one step per `ms`. */
	const bounce = (levels: boolean[], ms = 2) => {
		for (const pressed of levels) {
			pin.drive(pressed ? press : ((1 - press) as 0 | 1));
			board.advance(ms);
		}
	};
	return { board, presses, button, pin, bounce };
}

describe("Button", () => {
	it("starts released, the pull-up holding an active-low line high", () => {
		const { button, pin } = setup();
		check(pin.read()).toBe(1);
		check(button.pressed).toBe(false);
	});

	it("counts a bouncing press and release once, on release", () => {
		const { board, presses, bounce } = setup();
		bounce([true, false, true, false, true]);
		board.advance(100);
		check(presses).toEqual([]);
		// The last edge is at 114 ms: released once the line has held until 144 ms.
		bounce([false, true, false]);
		board.advance(27);
		check(presses).toEqual([]);
		board.advance(1);
		check(presses).toEqual(["short@144"]);
	});

	it("ignores spikes shorter than the debounce time", () => {
		const { board, presses, bounce } = setup();
		for (let i = 0; i < 5; i++) {
			bounce([true], 10);
			bounce([false], 40);
		}
		board.advance(1000);
		check(presses).toEqual([]);
	});

	it("reports a long press while held, and no short press on its release", () => {
		const { board, presses, bounce } = setup({ longPressMs: 800 });
		bounce([true]);
		board.advance(797);
		check(presses).toEqual([]);
		board.advance(1);
		check(presses).toEqual(["long@800"]);
		bounce([false]);
		board.advance(100);
		check(presses).toEqual(["long@800"]);
	});

	it("with long presses off, every press is short", () => {
		const { board, presses, bounce } = setup({ longPressMs: 0 });
		bounce([true]);
		board.advance(5000);
		bounce([false]);
		board.advance(100);
		check(presses).toHaveLength(1);
	});

	it("works active-high with the pull-down", () => {
		const { board, presses, bounce, pin } = setup({ activeLow: false });
		check(pin.read()).toBe(0);
		bounce([true, false, true]);
		board.advance(200);
		bounce([false]);
		board.advance(50);
		check(presses).toHaveLength(1);
	});

	it("stops listening when closed", () => {
		const { board, presses, bounce, button } = setup();
		button.close();
		bounce([true]);
		board.advance(100);
		bounce([false]);
		board.advance(100);
		check(presses).toEqual([]);
		check(board.pendingTimers).toBe(0);
	});
});
