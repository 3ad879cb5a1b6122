/**
 * The Wi-Fi join hint kept across deep sleep: the access point (BSSID) and channel of
 * the last join, so the next wake goes straight there instead of scanning every
 * channel. Its own tiny record, apart from the wake's record (retained.ts): 7 bytes and
 * a check byte at the end of the board's retained memory. A torn or stale hint costs
 * one failed fast join, never a wrong state, so one check byte is enough.
 *
 * Layout: bssid(6) channel(1) check(1: low byte of the CRC-32 of the first 7).
 */
import type { JoinHint, Power } from "../common/board";
import { crc32 } from "./crc32";

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
	bytes[7] = crc32(bytes.subarray(0, 7)) & 0xff;
	return bytes;
}

/** The hint in `bytes`, or undefined for blank, torn or impossible bytes. Never throws. */
export function decodeJoinHint(bytes: Uint8Array | undefined): JoinHint | undefined {
	if (!bytes || bytes.length < JOIN_HINT_BYTES) return undefined;
	const channel = bytes[6];
	if (channel < 1 || channel > 14 || bytes[7] !== (crc32(bytes.subarray(0, 7)) & 0xff)) return undefined;
	return { bssid: bytes.slice(0, 6), channel };
}

export function sameHint(a: JoinHint | undefined, b: JoinHint | undefined): boolean {
	if (!a || !b) return a === b;
	if (a.channel !== b.channel || a.bssid.length !== b.bssid.length) return false;
	for (let i = 0; i < a.bssid.length; i++) if (a.bssid[i] !== b.bssid[i]) return false;
	return true;
}

/**
 * Splits a board's retained memory: the last JOIN_HINT_BYTES keep the hint, the rest is
 * a Power for the wake's record, which never sees the hint's bytes. Each write rewrites
 * both parts (retained memory is written as one region), the other part unchanged.
 */
export function reserveJoinHint(power: Power): { readonly power: Power; readonly hints: JoinHintMemory } {
	const capacity = power.retainedCapacity - JOIN_HINT_BYTES;
	const region = power.readRetained();
	let record: Uint8Array = region ? region.slice(0, Math.min(capacity, region.length)) : new Uint8Array(0);
	let hint: Uint8Array = region && region.length >= power.retainedCapacity ? region.slice(capacity, capacity + JOIN_HINT_BYTES) : new Uint8Array(JOIN_HINT_BYTES);
	const flush = () => {
		const bytes = new Uint8Array(power.retainedCapacity);
		bytes.set(record.subarray(0, capacity));
		bytes.set(hint, capacity);
		power.writeRetained(bytes);
	};
	const recordPower: Power = {
		wakeCause: power.wakeCause,
		retainedCapacity: capacity,
		readRetained: () => (record.length > 0 ? record : undefined),
		writeRetained(bytes) {
			record = bytes.slice(0, capacity);
			flush();
		},
		maxSleepMs: power.maxSleepMs,
		deepSleep: (ms, wake, radio) => power.deepSleep(ms, wake, radio),
	};
	const hints: JoinHintMemory = {
		read: () => decodeJoinHint(hint),
		write(next) {
			hint = next ? encodeJoinHint(next) : new Uint8Array(JOIN_HINT_BYTES);
			flush();
		},
	};
	return { power: recordPower, hints };
}
