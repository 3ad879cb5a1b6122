/**
 * Retained memory as two slots written in turn. RTC memory is written in place, so a
 * power cut during a write leaves that slot half new and half old; the other slot still
 * holds the state before, with any reading it had promised to deliver. The newest
 * intact record (by its write count) is the one used; a torn or foreign slot is
 * discarded and counted, a blank one (never written) is not.
 */
import { decodeRetained, type DiscardReason, type RetainedState } from "./retained";

export type Slot = 0 | 1;

export interface RestoredSlots {
	/** The newest intact state, if any. */
	readonly state: RetainedState | undefined;
	/** The slot it came from; the next write goes to the other one. */
	readonly slot: Slot | undefined;
	/** Why each unusable, non-blank slot was discarded. */
	readonly discarded: readonly DiscardReason[];
}

/** Bytes one record may take in a retained region of `capacity` bytes. */
export function slotCapacity(capacity: number): number {
	return capacity >> 1;
}

export function readSlots(region: Uint8Array | undefined, capacity: number): RestoredSlots {
	const size = slotCapacity(capacity);
	let state: RetainedState | undefined;
	let slot: Slot | undefined;
	const discarded: DiscardReason[] = [];
	for (const index of [0, 1] as const) {
		const bytes = region?.subarray(index * size, (index + 1) * size);
		if (!bytes || blank(bytes)) continue;
		const decoded = decodeRetained(bytes);
		if ("discarded" in decoded) discarded.push(decoded.discarded);
		else if (!state || decoded.state.writes > state.writes) {
			state = decoded.state;
			slot = index;
		}
	}
	return { state, slot, discarded };
}

/** The region with `record` in `slot`; the other slot's bytes stay as they were. */
export function writeSlot(region: Uint8Array | undefined, capacity: number, slot: Slot, record: Uint8Array): Uint8Array {
	const size = slotCapacity(capacity);
	if (record.length > size) throw new RangeError(`a retained record of ${record.length} bytes is over the slot's ${size}`);
	const next = new Uint8Array(2 * size);
	if (region) next.set(region.subarray(0, next.length));
	next.fill(0, slot * size, (slot + 1) * size);
	next.set(record, slot * size);
	return next;
}

/** Never written: all zeros (cleared RTC memory) or all ones (erased). */
function blank(bytes: Uint8Array): boolean {
	const first = bytes[0];
	if (first !== 0 && first !== 0xff) return false;
	for (let i = 1; i < bytes.length; i++) if (bytes[i] !== first) return false;
	return true;
}
