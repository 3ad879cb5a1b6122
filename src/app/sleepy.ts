/**
 * One wake of a sleepy device: restore what the last wake retained, read the DHT22,
 * publish the reading, take the commands queued while asleep, say "asleep", keep the
 * state and deep sleep. The wake ends as soon as that work is done and acknowledged,
 * at the maximum awake time, or when no network came in time (WakeCycle, below).
 * Protocol-neutral: the wake speaks to its uplink (uplink.ts) through the sleep hooks
 * each protocol's adapter gives it.
 */
import type { Board, TimerHandle } from "../common/board";
import { boardRandom } from "../common/random";
import { ConfigError, ProtocolError } from "../common/errors";
import { Button } from "../drivers/button";
import { Dht22 } from "../drivers/dht22/sensor";
import type { Lamp } from "../drivers/lamp";
import { reserveJoinHint } from "./network-join";
import { radioAfter, RetainedStore, sleepLeg } from "../power/retained-store";
import type { FirmwareConfig } from "./config";
import * as lampApp from "./lamp-app";
import type { LampApp, RunningApp } from "./lamp-app";
import { joinWithin } from "./network-join";
import { asleepStatus } from "./retained-vocabulary";
import { openUplink, type ProtocolTable } from "./uplink";

/**
 * When a sleepy device's wake ends: as soon as its work is done, or at the maximum
 * awake time, or when no network came within its deadline, whichever is first. Never
 * after a fixed window: batteries are lost to fixed windows and to devices waiting
 * forever for Wi-Fi or a broker. Sans-IO: it is told what happened, and says when to
 * look again (`nextTimeout`) and whether to sleep (`check`).
 */
export type SleepReason = "done" | "max-awake" | "no-network";

export interface WakeCycleOptions {
	/** Board time the wake began. */
	readonly start: number;
	readonly maxAwake: number;
	readonly networkDeadline: number;
}

export class WakeCycle {
	// Plain fields, `declare`d and set in the constructor: #private and class fields cost XS bytecode.
	declare readonly options: WakeCycleOptions;
	/** The tasks left, in the order they were expected (a short array: cheaper than a Set in XS). */
	declare readonly tasks: string[];
	declare online: boolean;
	declare ended: SleepReason | undefined;

	constructor(options: WakeCycleOptions) {
		this.options = options;
		this.tasks = [];
		this.online = false;
	}

	/** Work the wake must finish before it may sleep ("reading", "commands", ...). */
	expect(task: string): void {
		if (this.tasks.indexOf(task) < 0) this.tasks.push(task);
	}

	complete(task: string): void {
		const i = this.tasks.indexOf(task);
		if (i >= 0) this.tasks.splice(i, 1);
	}

	/** The session is up: the network deadline no longer applies. */
	connected(): void {
		this.online = true;
	}

	/** Whether to sleep now, and why; once it has said so, it keeps saying the same. */
	check(now: number): SleepReason | undefined {
		if (this.ended) return this.ended;
		const options = this.options;
		const awake = now - options.start;
		if (this.online && this.tasks.length === 0) this.ended = "done";
		else if (awake >= options.maxAwake) this.ended = "max-awake";
		else if (!this.online && awake >= options.networkDeadline) this.ended = "no-network";
		return this.ended;
	}

	/** The next deadline to `check` at, in board time. */
	nextTimeout(): number {
		const options = this.options;
		return options.start + (this.online ? options.maxAwake : Math.min(options.maxAwake, options.networkDeadline));
	}
}

const enum Ms {
	/** How often an awake device looks whether its work is done. */
	POLL = 20,
	/**
	 * How long the connection waits for the reading (a DHT22 frame takes about 5 ms), so
	 * the reading leaves with CONNECT instead of a flight of its own. A sensor that fails
	 * its first try does not hold the wake longer than this.
	 */
	READING_WAIT = 50,
}

/** Sleepy: this boot is one wake cycle, ending in deep sleep. */
export function startSleepyDevice(board: Board, config: FirmwareConfig, lamp: Lamp, table: ProtocolTable): RunningApp {
	const deepSleep = board.power;
	if (!deepSleep) throw new ConfigError("mode", '"always-on" on board ' + board.name + ", which cannot deep sleep");
	// A board that joins Wi-Fi itself: the join is bounded by networkDeadline and starts from the
	// hint kept at the end of retained memory; the wake's record gets the rest (network-join.ts).
	const network = board.network;
	const split = network ? reserveJoinHint(deepSleep) : void 0;
	const power = split ? split.power : deepSleep;
	const device = config.device;
	const start = board.now();
	const store = new RetainedStore(board, power, config.protocol, device.sleepInterval);
	const button = device.button;
	const wakePin = button ? { pin: button.pin, level: button.activeLow ? 0 : 1 } as const : void 0;
	if (store.legWake) {
		// Between two legs of a sleep the chip cannot time in one: no sensor, no network.
		store.sleepLeg(wakePin);
		return { async stop() {} };
	}
	// Only once the wake is known not to be a leg of a chained sleep, so a leg never spends
	// radio time on a join; the session waits for it.
	const joined = network && split ? joinWithin(board, network, split.hints, board.now() + device.networkDeadline, config.staticAddress) : void 0;
	const state = store.state;
	lamp.set(state.lampOn);
	board.log("wake", { boot: state.bootCount, cause: power.wakeCause, discarded: state.discarded });

	const cycle = new WakeCycle({ start, maxAwake: device.maxAwake, networkDeadline: device.networkDeadline });
	const app: LampApp = new lampApp.LampApp(board, lamp, () => uplink);
	const reports = new lampApp.Reports(board, config, { boot: state.bootCount, reset: power.wakeCause }, () => uplink);
	// Health every healthInterval: on every n-th wake (n wakes span it; 0: only a session's first),
	// so a node waking every minute does not pay ~90 bytes and a segment for it each time.
	const fresh = store.session === void 0;
	const wakesPerHealth = device.healthInterval > 0 ? Math.max(1, Math.round(device.healthInterval / device.sleepInterval)) : 0;
	const healthDue = fresh || (wakesPerHealth > 0 && state.bootCount % wakesPerHealth === 0);
	const reportError = app.reportError;
	const uplink = openUplink(
		table,
		board,
		config,
		// No "online": a sleepy device announces its sleep schedule instead, below.
		{ online: () => (cycle.connected(), reports.connected(fresh, healthDue)), command: (payload) => app.command(payload), lampOn: () => lamp.on, report: reportError },
		{ state: store.session, reconnectAttempt: state.reconnectAttempt, bootCount: state.bootCount },
	);
	const sensor = device.dht22Pin === void 0 ? void 0 : new Dht22(board, { pin: device.dht22Pin, lastReadAt: store.lastReadAt, random: boardRandom(board) });
	const snapshot = () => ({ lastReadAt: sensor?.lastReadAt, reconnectAttempt: uplink.reconnectAttempt, lampOn: lamp.on, session: uplink.exportState() });

	const input = button ? new Button(board, { ...button, onPress: () => app.press(), onLongPress: void 0 }) : void 0;
	if (power.wakeCause === "button") app.press();

	cycle.expect("commands");
	cycle.expect("acks");
	uplink.collectCommands().then(
		() => {
			cycle.complete("commands");
			pollSoon();
		},
		() => void 0,
	);
	let started = false;
	const startSession = () => {
		if (started) return;
		started = true;
		if (!joined) return uplink.start();
		// Without a network the wake ends at its deadline ("no-network"): look at once, not at the next poll.
		joined.then((up) => (up && !finished ? uplink.start() : pollSoon()), pollSoon);
	};
	if (sensor) {
		cycle.expect("reading");
		const send = (json: string) => {
			const acknowledged = uplink.publishReading(json);
			// Kept before the acknowledgement: a reset now still delivers the reading on the next wake.
			store.save(snapshot());
			startSession();
			return acknowledged;
		};
		lampApp.sendReading(board, sensor, send).then(
			() => {
				cycle.complete("reading");
				pollSoon();
			},
			(error: Error) => {
				if (!(error instanceof ProtocolError && error.code === "CLOSED")) reportError(error);
				cycle.complete("reading");
			},
		);
	}
	// Queued before the connection opens, so they leave with CONNECT in the first flight
	// and their acknowledgements come back with CONNACK: no round trip of their own.
	// "asleep" names the next wake; the few ms until then are spent awake.
	app.publishStatus(asleepStatus(device.sleepInterval, board.epochMs())).catch(reportError);
	// The state is retained at the broker: said again only when it may not be known there.
	if (store.session === void 0) app.publishState();
	if (sensor) board.setTimer(startSession, Ms.READING_WAIT);
	else startSession();

	let finished = false;
	let pollTimer: TimerHandle | undefined;
	/** Looks now: the work that was waited for may be done, and every ms awake costs battery. */
	const pollSoon = () => {
		if (pollTimer) board.clearTimer(pollTimer);
		pollTimer = board.setTimer(poll, 0);
	};
	const poll = () => {
		pollTimer = void 0;
		if (finished) return;
		const now = board.now();
		if (cycle.tasks.length === 1 && cycle.tasks[0] === "acks" && uplink.idle && !app.waiting) cycle.complete("acks");
		const reason = cycle.check(now);
		if (reason) finish(reason);
		else pollTimer = board.setTimer(poll, Math.min(Ms.POLL, Math.max(0, cycle.nextTimeout() - now)));
	};
	const finish = async (reason: SleepReason) => {
		finished = true;
		input?.close();
		if (reason === "done") {
			// What is left of maxAwake.
			await lampApp.within(board, uplink.sleep(device.sleepInterval / 1000), Math.max(0, start + device.maxAwake - board.now())).catch(reportError);
		}
		// Out of time (or the goodbye took too long): leave anyway; what is unacknowledged is
		// retained, with what waited behind it (handed over first, so the session keeps it).
		app.flush();
		uplink.abort();
		// A sleep longer than the chip can time starts with its first leg (sleepLeg, power/retained-store.ts).
		const leg = sleepLeg(device.sleepInterval, power.maxSleepMs);
		store.save(snapshot(), leg);
		const legs = leg.chainMs > 0 ? { legMs: leg.ms } : {};
		board.log("sleep", { reason, awakeMs: Math.round(board.now() - start), sleepMs: device.sleepInterval, ...legs, boot: state.bootCount });
		power.deepSleep(leg.ms, wakePin, radioAfter(leg));
	};
	pollSoon();

	return {
		async stop() {
			if (!finished) await finish("max-awake");
		},
	};
}
