/**
 * What the firmware keeps across deep sleep, as bytes for RTC memory (or the host's
 * file): enough to make the next wake cheap and to keep promises made before sleeping.
 * Versioned and checksummed: after a power cut, a firmware update or a torn write the
 * bytes are discarded (and the discard counted), never half-trusted.
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
import { crc32 } from "./crc32";

export const RETAINED_VERSION = 3;
const MAGIC_0 = 0x4c; // "L"
const MAGIC_1 = 0x4e; // "N"
const HEADER = 5;
const FIXED_BODY = 4 + 4 + 2 + 8 + 8 + 2 + 1 + 1 + 4 + 4 + 2;
const CHECKSUM = 4;
/** A record's bytes besides its session. */
export const RECORD_OVERHEAD = HEADER + FIXED_BODY + CHECKSUM;

export type SessionProtocol = "none" | "mqtt" | "mqttsn" | "coap";
const PROTOCOL_CODES: readonly SessionProtocol[] = ["none", "mqtt", "mqttsn", "coap"];

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
	const bodyLength = FIXED_BODY + state.session.length;
	const bytes = new Uint8Array(HEADER + bodyLength + CHECKSUM);
	const view = new DataView(bytes.buffer);
	bytes[0] = MAGIC_0;
	bytes[1] = MAGIC_1;
	bytes[2] = RETAINED_VERSION;
	view.setUint16(3, bodyLength);
	let at = HEADER;
	view.setUint32(at, state.writes >>> 0);
	view.setUint32((at += 4), state.bootCount >>> 0);
	view.setUint16((at += 4), Math.min(state.discarded, 0xffff));
	view.setFloat64((at += 2), state.clockMs);
	view.setFloat64((at += 8), state.lastReadAt);
	view.setUint16((at += 8), Math.min(state.reconnectAttempt, 0xffff));
	bytes[(at += 2)] = state.lampOn ? 1 : 0;
	bytes[(at += 1)] = PROTOCOL_CODES.indexOf(state.protocol);
	view.setUint32((at += 1), toU32(state.sleepMs));
	view.setUint32((at += 4), toU32(state.chainMs));
	view.setUint16((at += 4), state.session.length);
	bytes.set(state.session, (at += 2));
	view.setUint32(bytes.length - CHECKSUM, crc32(bytes.subarray(0, bytes.length - CHECKSUM)));
	return bytes;
}

/** Why retained bytes were not used. */
export type DiscardReason = "corrupt" | "version";

export type DecodedRetained = { readonly state: RetainedState } | { readonly discarded: DiscardReason };

/** The state in `bytes`, or why they were discarded. Never throws: anything odd is "corrupt". */
export function decodeRetained(bytes: Uint8Array): DecodedRetained {
	if (bytes.length < HEADER + FIXED_BODY + CHECKSUM || bytes[0] !== MAGIC_0 || bytes[1] !== MAGIC_1) return { discarded: "corrupt" };
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
	const bodyLength = view.getUint16(3);
	const end = HEADER + bodyLength;
	if (bodyLength < FIXED_BODY || end + CHECKSUM > bytes.length) return { discarded: "corrupt" };
	if (view.getUint32(end) !== crc32(bytes.subarray(0, end))) return { discarded: "corrupt" };
	// Checked after the checksum: a version byte is only meaningful in intact bytes.
	if (bytes[2] !== RETAINED_VERSION) return { discarded: "version" };
	let at = HEADER;
	const writes = view.getUint32(at);
	const bootCount = view.getUint32((at += 4));
	const discarded = view.getUint16((at += 4));
	const clockMs = view.getFloat64((at += 2));
	const lastReadAt = view.getFloat64((at += 8));
	const reconnectAttempt = view.getUint16((at += 8));
	const flags = bytes[(at += 2)];
	const protocol = PROTOCOL_CODES[bytes[(at += 1)]];
	const sleepMs = view.getUint32((at += 1));
	const chainMs = view.getUint32((at += 4));
	const sessionLength = view.getUint16((at += 4));
	at += 2;
	if (protocol === undefined || at + sessionLength !== end || !(clockMs >= 0)) return { discarded: "corrupt" };
	const session = bytes.slice(at, end);
	return { state: { writes, bootCount, discarded, clockMs, lastReadAt, reconnectAttempt, lampOn: (flags & 1) !== 0, protocol, sleepMs, chainMs, session } };
}

/** Whole ms in a uint32 (49 days): more than any sleep or leg. */
function toU32(ms: number): number {
	return ms > 0 ? Math.min(Math.round(ms), 0xffffffff) : 0;
}
