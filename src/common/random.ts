/**
 * The board's random source as the `() => number` in [0, 1) that the sessions, backoff and
 * CoAP endpoint take. Math.random is not used for these: in Moddable's simulator it is C's
 * rand() never seeded, so every boot draws the same client id and the same jitter.
 */
import type { Board } from "./board";


export function boardRandom(board: Pick<Board, "randomBytes">): () => number {
	return () => {
		const b = board.randomBytes(4);
		return (((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0) / 4294967296; // 2^32
	};
}
