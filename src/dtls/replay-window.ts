/**
 * The anti-replay window of RFC 6347 4.1.2.6: the highest sequence number seen in an
 * epoch and which of the 64 below it were. Checked before a record is decrypted, marked
 * only after its tag verified, so a forged record cannot close the window on a real one.
 */
const WINDOW = 64;

export class ReplayWindow {
	// `declare`d and set in the constructor: class fields cost XS bytecode.
	/** -1 until the first record. */
	private declare highest: number;
	/** seen[n mod 64] is set when record n (within the window) was accepted. */
	private declare readonly seen: Uint8Array;

	constructor() {
		this.highest = -1;
		this.seen = new Uint8Array(WINDOW);
	}

	/** False for a record already accepted or too old for the window. */
	fresh(sequence: number): boolean {
		if (sequence > this.highest) return true;
		if (sequence <= this.highest - WINDOW) return false;
		return this.seen[slot(sequence)] === 0;
	}

	accept(sequence: number): void {
		if (sequence > this.highest) {
			// The slots the window slides over belong to numbers not yet seen.
			const advance = Math.min(sequence - this.highest, WINDOW);
			for (let i = 1; i <= advance; i++) this.seen[slot(this.highest + i)] = 0;
			this.highest = sequence;
		}
		this.seen[slot(sequence)] = 1;
	}
}

/** n mod 64 without `%` (sequence numbers pass 2^31, where bit operators wrap). */
function slot(sequence: number): number {
	return sequence - Math.floor(sequence / WINDOW) * WINDOW;
}
