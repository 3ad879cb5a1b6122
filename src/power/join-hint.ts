/**
 * The Wi-Fi join hint kept across deep sleep: the access point (BSSID) and channel of
 * the last join, so the next wake goes straight there instead of scanning every
 * channel. Its own tiny record, apart from the wake's record (retained-store.ts): 7 bytes and
 * a check byte at the end of the board's retained memory. A torn or stale hint costs
 * one failed fast join, never a wrong state, so one check byte is enough.
 *
 * Layout: bssid(6) channel(1) check(1: low byte of the CRC-32 of the first 7).
 */
import type { JoinHint, Power } from "../common/board";
import { crc32 } from "./retained-store";

export const JOIN_HINT_BYTES = 8;

/** Where the firmware keeps its join hint; the join policy (app/network-join.ts) sees only this. */
export interface JoinHintMemory {
	read(): JoinHint | undefined;
	/** `undefined` forgets the hint (after it failed). */
	write(hint: JoinHint | undefined): void;
}

export function encodeJoinHint(hint: JoinHint): Uint8Array {
	const bytes = new Uint8Array(JOIN_HINT_BYTES);
	bytes.set(hint.bssid.subarray(0, 6));
	bytes[6] = hint.channel;
	bytes[7] = crc32(bytes.subarray(0, 7));
	return bytes;
}

/** The hint in `bytes`, or undefined for blank, torn or impossible bytes. Never throws. */
export function decodeJoinHint(bytes: Uint8Array | undefined): JoinHint | undefined {
	if (!bytes || bytes.length < JOIN_HINT_BYTES) return void 0;
	const channel = bytes[6];
	if (channel < 1 || channel > 14 || bytes[7] !== (crc32(bytes.subarray(0, 7)) & 0xff)) return void 0;
	return { bssid: bytes.slice(0, 6), channel };
}

export function sameHint(a: JoinHint | undefined, b: JoinHint | undefined): boolean {
	if (!a || !b) return a === b;
	const x = a.bssid;
	const y = b.bssid;
	if (a.channel !== b.channel || x.length !== y.length) return false;
	for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
	return true;
}

/**
 * Splits a board's retained memory: the last JOIN_HINT_BYTES keep the hint, the rest is
 * a Power for the wake's record, which never sees the hint's bytes. Each write rewrites
 * both parts (retained memory is written as one region), the other part unchanged.
 */
export function reserveJoinHint(power: Power): { readonly power: Power; readonly hints: JoinHintMemory } {
	const size = power.retainedCapacity;
	const capacity = size - JOIN_HINT_BYTES;
	const region = power.readRetained();
	let record: Uint8Array = region ? region.slice(0, capacity) : new Uint8Array(0);
	let hint: Uint8Array = region && region.length >= size ? region.slice(capacity, size) : new Uint8Array(JOIN_HINT_BYTES);
	const flush = () => {
		const bytes = new Uint8Array(size);
		bytes.set(record.subarray(0, capacity));
		bytes.set(hint, capacity);
		power.writeRetained(bytes);
	};
	return {
		power: {
			wakeCause: power.wakeCause,
			retainedCapacity: capacity,
			readRetained: () => (record.length > 0 ? record : void 0),
			writeRetained(bytes) {
				record = bytes.slice(0, capacity);
				flush();
			},
			maxSleepMs: power.maxSleepMs,
			deepSleep: power.deepSleep.bind(power),
		},
		hints: {
			read: () => decodeJoinHint(hint),
			write(next) {
				hint = next ? encodeJoinHint(next) : new Uint8Array(JOIN_HINT_BYTES);
				flush();
			},
		},
	};
}
