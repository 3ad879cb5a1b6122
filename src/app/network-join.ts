/**
 * When and how the firmware joins its network, on boards that join one themselves
 * (Board.network: Wi-Fi on the ESP32 and ESP8266). The protocols start only once it is up.
 *
 * Always-on (a mains lamp): join, and keep trying with backoff until it works.
 * Sleepy (a battery sensor): every ms of radio costs battery, so the join is bounded by
 * the wake's network deadline (then the wake sleeps, reason "no-network"), and it goes
 * first straight to the access point and channel of the last join (the hint kept in
 * retained memory, below), falling back to a full scan when that fails.
 * With a static address configured (staticIp...), every attempt hands it to the network,
 * which then skips DHCP; without one the network is asked for DHCP as before.
 *
 * Events (never with the network's name or passphrase): `wifi` with `state` "joined"
 * (`fast`, `ms`), "fast-failed" or "retry" (`reason`), and "gave-up" at the deadline.
 */
import type { Board, JoinHint, JoinResult, Network, Power, StaticAddress, TimerHandle } from "../common/board";
import { Backoff } from "../common/backoff";
import { crc32 } from "../power/retained-store";
import type { RunningApp } from "./lamp-app";

/**
 * The Wi-Fi join hint kept across deep sleep: the access point (BSSID) and channel of
 * the last join, so the next wake goes straight there instead of scanning every
 * channel. Its own tiny record, apart from the wake's record (retained-store.ts): 7 bytes and
 * a check byte at the end of the board's retained memory. A torn or stale hint costs
 * one failed fast join, never a wrong state, so one check byte is enough.
 *
 * Layout: bssid(6) channel(1) check(1: low byte of the CRC-32 of the first 7).
 */
export const JOIN_HINT_BYTES = 8;

/** Where the firmware keeps its join hint; the join policy (below) sees only this. */
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

/** A fast reconnect (known access point and channel) takes well under a second; longer means it moved. */
export const FAST_JOIN_MS = 3000;
const enum Ms {
	/** Pause after a failed full join before the next, within a sleepy wake. */
	SLEEPY_RETRY = 500,
	/** Always-on: one attempt's limit, and the backoff between attempts. */
	ATTEMPT = 30_000,
	RETRY_BASE = 1000,
	RETRY_CAP = 60_000,
}

type Attempt = (result: JoinResult) => void;

/** One attempt, ended by `limit` ms at the latest (the network is then told to stop). */
function attempt(board: Board, network: Network, hint: JoinHint | undefined, address: StaticAddress | undefined, limit: number, done: Attempt): () => void {
	let over = false;
	const finish = (result: JoinResult) => {
		if (over) return;
		over = true;
		board.clearTimer(timer);
		done(result);
	};
	const timer: TimerHandle = board.setTimer(() => {
		network.cancel();
		finish({ joined: false, reason: "timeout" });
	}, limit);
	network.join(hint, finish, address);
	return () => {
		if (over) return;
		over = true;
		board.clearTimer(timer);
		network.cancel();
	};
}

/**
 * Sleepy: joins by board time `deadline`, or gives up (network left, event logged).
 * Resolves true once joined; the hint is kept when it changed and forgotten when it failed.
 */
export function joinWithin(board: Board, network: Network, hints: JoinHintMemory | undefined, deadline: number, address?: StaticAddress): Promise<boolean> {
	const start = board.now();
	let hint = hints?.read();
	return new Promise((resolve) => {
		const giveUp = () => {
			network.cancel();
			board.log("wifi", { state: "gave-up", reason: "deadline", ms: Math.round(board.now() - start) });
			resolve(false);
		};
		const next = () => {
			const left = deadline - board.now();
			if (left <= 0) return giveUp();
			const fast = hint !== void 0;
			attempt(board, network, hint, address, fast ? Math.min(left, FAST_JOIN_MS) : left, (result) => {
				if (result.joined) {
					if (hints && result.hint && !sameHint(result.hint, hint)) hints.write(result.hint);
					board.log("wifi", { state: "joined", fast, ms: Math.round(board.now() - start) });
					return resolve(true);
				}
				if (fast) {
					board.log("wifi", { state: "fast-failed", reason: result.reason });
					hint = void 0;
					hints?.write(void 0);
					return next();
				}
				if (board.now() + Ms.SLEEPY_RETRY >= deadline) return giveUp();
				board.log("wifi", { state: "retry", reason: result.reason });
				board.setTimer(next, Ms.SLEEPY_RETRY);
			});
		};
		next();
	});
}

export interface AlwaysOnJoin {
	/** The station's fixed address; absent for DHCP. */
	readonly address?: StaticAddress;
	/** The backoff's jitter source (tests). */
	readonly random?: () => number;
}

/**
 * Always-on: joins, retrying after a failed or timed-out attempt with backoff and full
 * jitter, then runs `start`. The RunningApp it returns stops whichever is under way.
 */
export function joinThenStart(board: Board, network: Network, start: () => RunningApp, options: AlwaysOnJoin = {}): RunningApp {
	const backoff = new Backoff({ base: Ms.RETRY_BASE, cap: Ms.RETRY_CAP, random: options.random });
	const begun = board.now();
	let app: RunningApp | undefined;
	let stopped = false;
	let cancel: (() => void) | undefined;
	let wait: TimerHandle | undefined;
	const next = () => {
		wait = void 0;
		cancel = attempt(board, network, void 0, options.address, Ms.ATTEMPT, (result) => {
			cancel = void 0;
			if (stopped) return;
			if (result.joined) {
				board.log("wifi", { state: "joined", fast: false, ms: Math.round(board.now() - begun) });
				app = start();
				return;
			}
			const delay = backoff.next();
			board.log("wifi", { state: "retry", reason: result.reason, attempt: backoff.attempt, delayMs: delay });
			wait = board.setTimer(next, delay);
		});
	};
	next();
	return {
		async stop() {
			stopped = true;
			if (cancel) cancel();
			if (wait) board.clearTimer(wait);
			if (app) await app.stop();
		},
	};
}
