/**
 * What the firmware keeps across deep sleep, as bytes for RTC memory (or the host's
 * file): enough to make the next wake cheap and to keep promises made before sleeping.
 * Versioned and checksummed: after a power cut, a firmware update or a torn write the
 * bytes are discarded (and the discard counted), never half-trusted. One module for the
 * record, its two slots and the store of one wake: they share every field's name; and
 * the legs of a long sleep (below), which the store writes and sleeps.
 *
 * Layout (big-endian):
 *   magic "LN"(2) version(1) bodyLength(2) body crc32(4, over everything before it)
 * body:
 *   writes(4) bootCount(4) discarded(2) clockMs(8, float) lastReadAt(8, float; NaN for never)
 *   reconnectAttempt(2) flags(1: lamp on) protocol(1: 0 none, 1 mqtt, 2 mqttsn, 3 coap)
 *   sleepMs(4: the sleep this record was written before) chainMs(4: of a chained sleep, what is left after it)
 *   sessionLength(2) session(bytes: the protocol client's own state format, its own version first)
 * 49 bytes without a session: an ESP8266 slot (236 bytes) leaves 187 for it.
 */
import type { Board, Power } from "../common/board";

/**
 * Sleeps longer than the chip can time, in legs. The ESP8266 counts a deep sleep in a
 * uint32 of microseconds (71.58 min; 24 h would wrap to about 500 s), so a long
 * `sleepInterval` becomes legs of at most the board's `maxSleepMs`. What is left is kept
 * in the retained record (`chainMs`); a timer wake with some left is a leg wake: it
 * reads nothing and opens nothing, writes the shorter count and sleeps again, with the
 * radio off until the last leg (RetainedStore.sleepLeg).
 */
export interface SleepLeg {
	/** This leg's sleep, ms. */
	readonly ms: number;
	/** What is left to sleep after it, ms; 0 when the wake after it is the real one. */
	readonly chainMs: number;
}

/** The next leg of a sleep of `ms`: all of it when the chip can time it (no `maxSleepMs`: no limit). */
export function sleepLeg(ms: number, maxSleepMs: number | undefined): SleepLeg {
	const max = maxSleepMs || 0; // undefined and NaN: no limit
	return max <= 0 || ms <= max ? { ms, chainMs: 0 } : { ms: max, chainMs: ms - max };
}

/** The wake after this leg needs the network only when it is the real one. */
export function radioAfter(leg: SleepLeg): "on" | "off" {
	return leg.chainMs > 0 ? "off" : "on";
}

/**
 * CRC-32 (IEEE 802.3, as zlib and PNG use it), bit by bit: retained state is a few
 * hundred bytes written once per wake, not worth a 1 KiB table in RAM.
 */
export function crc32(bytes: Uint8Array): number {
	let crc = 0xffffffff;
	for (let i = 0; i < bytes.length; i++) {
		crc ^= bytes[i];
		for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
	}
	return (crc ^ 0xffffffff) >>> 0;
}

/** The record's framing; a `const enum`, so each use compiles to its number. */
const enum Layout {
	MAGIC_0 = 0x4c, // "L"
	MAGIC_1 = 0x4e, // "N"
	VERSION = 3,
	HEADER = 5,
	/** 4 + 4 + 2 + 8 + 8 + 2 + 1 + 1 + 4 + 4 + 2 */
	FIXED_BODY = 40,
	CHECKSUM = 4,
	/** A record's bytes besides its session. */
	OVERHEAD = HEADER + FIXED_BODY + CHECKSUM,
}

export type SessionProtocol = "none" | "mqtt" | "mqttsn" | "coap";
const PROTOCOL_CODES = "none mqtt mqttsn coap".split(" ") as readonly SessionProtocol[];

export interface RetainedState {
	/** Records written since the memory was last empty: the newer of two slots has more. */
	readonly writes: number;
	/** Wakes since the retained memory was last empty or discarded, this one included. */
	readonly bootCount: number;
	/** Times the retained bytes were found corrupt or of another version. */
	readonly discarded: number;
	/** The device clock when the state was written: ms of awake and asleep time since the first boot. */
	readonly clockMs: number;
	/** Device clock of the last DHT22 start signal (NaN for never): the 2 s rule holds across sleep. */
	readonly lastReadAt: number;
	/** Reconnect attempts so far, so backoff with jitter goes on across sleep. */
	readonly reconnectAttempt: number;
	readonly lampOn: boolean;
	readonly protocol: SessionProtocol;
	/** The deep sleep asked for right after this record was written, ms (0: none known): what a timer wake adds to the clock. */
	readonly sleepMs: number;
	/** A sleep longer than the chip can time goes in legs: what is left to sleep after `sleepMs` (0: the next wake is real). */
	readonly chainMs: number;
	/** The protocol client's session state, in its own byte format. */
	readonly session: Uint8Array;
}

export const EMPTY_STATE: RetainedState = {
	writes: 0,
	bootCount: 0,
	discarded: 0,
	clockMs: 0,
	lastReadAt: NaN,
	reconnectAttempt: 0,
	lampOn: false,
	protocol: "none",
	sleepMs: 0,
	chainMs: 0,
	session: new Uint8Array(0),
};

export function encodeRetained(state: RetainedState): Uint8Array {
	const session = state.session;
	const bytes = new Uint8Array(Layout.OVERHEAD + session.length);
	const view = new DataView(bytes.buffer);
	const end = bytes.length - Layout.CHECKSUM;
	bytes[0] = Layout.MAGIC_0;
	bytes[1] = Layout.MAGIC_1;
	bytes[2] = Layout.VERSION;
	view.setUint16(3, Layout.FIXED_BODY + session.length);
	view.setUint32(5, state.writes >>> 0);
	view.setUint32(9, state.bootCount >>> 0);
	view.setUint16(13, Math.min(state.discarded, 0xffff));
	view.setFloat64(15, state.clockMs);
	view.setFloat64(23, state.lastReadAt);
	view.setUint16(31, Math.min(state.reconnectAttempt, 0xffff));
	bytes[33] = state.lampOn ? 1 : 0;
	bytes[34] = PROTOCOL_CODES.indexOf(state.protocol);
	view.setUint32(35, toU32(state.sleepMs));
	view.setUint32(39, toU32(state.chainMs));
	view.setUint16(43, session.length);
	bytes.set(session, 45);
	view.setUint32(end, crc32(bytes.subarray(0, end)));
	return bytes;
}

/** Why retained bytes were not used. */
export type DiscardReason = "corrupt" | "version";

export type DecodedRetained = { readonly state: RetainedState } | { readonly discarded: DiscardReason };

/** The state in `bytes`, or why they were discarded. Never throws: anything odd is "corrupt". */
export function decodeRetained(bytes: Uint8Array): DecodedRetained {
	const corrupt = { discarded: "corrupt" } as const;
	if (bytes.length < Layout.OVERHEAD || bytes[0] !== Layout.MAGIC_0 || bytes[1] !== Layout.MAGIC_1) return corrupt;
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
	const bodyLength = view.getUint16(3);
	const end = Layout.HEADER + bodyLength;
	if (bodyLength < Layout.FIXED_BODY || end + Layout.CHECKSUM > bytes.length || view.getUint32(end) !== crc32(bytes.subarray(0, end))) return corrupt;
	// Checked after the checksum: a version byte is only meaningful in intact bytes.
	if (bytes[2] !== Layout.VERSION) return { discarded: "version" };
	const clockMs = view.getFloat64(15);
	const protocol = PROTOCOL_CODES[bytes[34]];
	if (protocol === void 0 || 45 + view.getUint16(43) !== end || !(clockMs >= 0)) return corrupt;
	return {
		state: {
			writes: view.getUint32(5),
			bootCount: view.getUint32(9),
			discarded: view.getUint16(13),
			clockMs,
			lastReadAt: view.getFloat64(23),
			reconnectAttempt: view.getUint16(31),
			lampOn: (bytes[33] & 1) !== 0,
			protocol,
			sleepMs: view.getUint32(35),
			chainMs: view.getUint32(39),
			session: bytes.slice(45, end),
		},
	};
}

/** Whole ms in a uint32 (49 days): more than any sleep or leg. */
function toU32(ms: number): number {
	return ms > 0 ? Math.min(Math.round(ms), 0xffffffff) : 0;
}

/*
 * Retained memory as two slots written in turn. RTC memory is written in place, so a
 * power cut during a write leaves that slot half new and half old; the other slot still
 * holds the state before, with any reading it had promised to deliver. The newest
 * intact record (by its write count) is the one used; a torn or foreign slot is
 * discarded and counted, a blank one (never written) is not.
 */

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
	const size = capacity >> 1;
	let state: RetainedState | undefined;
	let slot: Slot | undefined;
	const discarded: DiscardReason[] = [];
	for (let index = 0; region && index < 2; index++) {
		const bytes = region.subarray(index * size, (index + 1) * size);
		if (blank(bytes)) continue;
		const decoded = decodeRetained(bytes);
		if ("discarded" in decoded) discarded.push(decoded.discarded);
		else if (!state || decoded.state.writes > state.writes) {
			state = decoded.state;
			slot = index as Slot;
		}
	}
	return { state, slot, discarded };
}

/** The region with `record` in `slot`; the other slot's bytes stay as they were. */
export function writeSlot(region: Uint8Array | undefined, capacity: number, slot: Slot, record: Uint8Array): Uint8Array {
	const size = capacity >> 1;
	if (record.length > size) throw new RangeError("retained record over the slot's " + size + " B");
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

/** What a wake has to say about itself when it writes its state. */
export interface WakeSnapshot {
	/** Board time of the last DHT22 start signal, if this wake sent one. */
	readonly lastReadAt: number | undefined;
	readonly reconnectAttempt: number;
	readonly lampOn: boolean;
	readonly session: Uint8Array;
}

export type WakePin = { readonly pin: number; readonly level: 0 | 1 };

/**
 * The retained state of one wake: read (and, when unusable, discarded and counted) at
 * the start, written back as often as the wake makes promises worth keeping. It also
 * keeps the device clock, which goes on across sleep: the clock when this wake began
 * (plus the sleep the last record was written before, on a timer wake) plus board time
 * since. And it sleeps: in legs, when the sleep is longer than the chip can time
 * (sleepLeg, above).
 */
export class RetainedStore {
	// Plain fields, `declare`d and set in the constructor: #private and class fields cost XS bytecode.
	/** The state this wake started from, its boot counted. */
	declare readonly state: RetainedState;
	declare readonly prior: RetainedState;
	declare readonly board: Board;
	declare readonly power: Power;
	declare readonly protocol: SessionProtocol;
	declare readonly start: number;
	declare readonly clockBase: number;
	declare region: Uint8Array | undefined;
	/** Where the newest intact record is; writes go to the other slot. */
	declare current: Slot | undefined;
	declare writes: number;
	// What the app asks about this wake: fixed once it began, so fields, not getters.
	/** The protocol session this wake resumes, or undefined to start afresh. */
	declare readonly session: Uint8Array | undefined;
	/** The most session bytes a record keeps on this board (save drops a larger session). */
	declare readonly sessionRoom: number;
	/** Board time of the last DHT22 start signal before this wake, if known (negative: before it began). */
	declare readonly lastReadAt: number | undefined;
	/** A timer wake between two legs of a chained sleep: nothing is due but the next leg. */
	declare readonly legWake: boolean;

	constructor(board: Board, power: Power, protocol: SessionProtocol, sleepInterval: number) {
		this.board = board;
		this.power = power;
		this.protocol = protocol;
		this.start = board.now();
		const region = (this.region = power.readRetained());
		const restored = readSlots(region, power.retainedCapacity);
		const discarded = restored.discarded;
		for (let i = 0; i < discarded.length; i++) board.log("retained-discarded", { reason: discarded[i] });
		this.current = restored.slot;
		const prior = (this.prior = restored.state || EMPTY_STATE);
		this.writes = prior.writes;
		// A discarded slot's own count went with it: this much is known, that one more happened.
		this.state = { ...prior, bootCount: prior.bootCount + 1, discarded: prior.discarded + discarded.length };
		const timer = power.wakeCause === "timer";
		const clockBase = (this.clockBase = prior.clockMs + (timer ? prior.sleepMs || sleepInterval : 0));
		this.session = prior.protocol === protocol ? prior.session : void 0;
		this.sessionRoom = (power.retainedCapacity >> 1) - Layout.OVERHEAD;
		const at = prior.lastReadAt;
		this.lastReadAt = at === at ? at - clockBase + this.start : void 0; // NaN: never
		this.legWake = timer && prior.chainMs > 0;
	}

	/**
	 * Writes the state, with the sleep about to start when there is one. A state too
	 * large for the board is kept without its session, and said so as a typed error's
	 * code and message: the next wake starts a fresh session, and whatever it had not
	 * delivered is lost.
	 */
	save(snapshot: WakeSnapshot, sleep?: SleepLeg): void {
		const capacity = this.power.retainedCapacity >> 1;
		const lastReadAt = snapshot.lastReadAt;
		const protocol = this.protocol;
		const next: RetainedState = {
			...this.state,
			writes: this.writes + 1,
			clockMs: this.clock(),
			lastReadAt: lastReadAt === void 0 ? this.state.lastReadAt : this.clockBase + lastReadAt - this.start,
			reconnectAttempt: snapshot.reconnectAttempt,
			lampOn: snapshot.lampOn,
			protocol,
			sleepMs: sleep ? sleep.ms : 0,
			chainMs: sleep ? sleep.chainMs : 0,
			session: snapshot.session,
		};
		let bytes = encodeRetained(next);
		const length = bytes.length;
		if (length > capacity) {
			this.board.log("error", { code: "RETAINED_TOO_LARGE", message: "retained " + protocol + " state over " + capacity + " B: session dropped", bytes: length, capacity });
			bytes = encodeRetained({ ...next, protocol: "none", session: EMPTY_STATE.session });
		}
		this.write(bytes);
	}

	/**
	 * A leg wake: counts the chain down and sleeps the next leg at once. The record is the
	 * last real wake's, with the clock moved on; the boot is not counted (nothing woke).
	 */
	sleepLeg(wake: WakePin | undefined): SleepLeg {
		const power = this.power;
		const leg = sleepLeg(this.prior.chainMs, power.maxSleepMs);
		const clockMs = this.clock();
		this.write(encodeRetained({ ...this.prior, writes: this.writes + 1, discarded: this.state.discarded, clockMs, sleepMs: leg.ms, chainMs: leg.chainMs }));
		this.board.log("sleep-leg", { sleepMs: leg.ms, leftMs: leg.chainMs, awakeMs: Math.round(clockMs - this.clockBase) });
		power.deepSleep(leg.ms, wake, radioAfter(leg));
		return leg;
	}

	write(bytes: Uint8Array): void {
		const power = this.power;
		const slot: Slot = this.current === 0 ? 1 : 0;
		power.writeRetained((this.region = writeSlot(this.region, power.retainedCapacity, slot, bytes)));
		this.current = slot;
		this.writes++;
	}

	/** The device clock now. */
	clock(): number {
		return this.clockBase + this.board.now() - this.start;
	}
}
