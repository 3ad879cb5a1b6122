/**
 * The lamp application, whatever the protocol and the power mode: a command switches the
 * pin, every change is published as the lamp's state (kept by the peer), and availability
 * is kept as its status ("online" after connecting, "offline" as the will and on a clean
 * stop). It speaks only through an Uplink (uplink.ts). State and status each go through a
 * LatestValue, so a burst of changes never queues more than one of each. Beside it, in one
 * module since they share most names, the device's reports about itself (Reports, below);
 * the lamp command's parser and LatestValue, which only the app uses; and the telemetry,
 * the device's other report (in one module: a module costs its own symbol table and bindings).
 */
import type { Board, TimerHandle } from "../common/board";
import { errorFields } from "../common/errors";
import { readUtf8 } from "../common/utf8";
import type { Dht22, Dht22Sample } from "../drivers/dht22/sensor";
import type { Lamp } from "../drivers/lamp";
import type { FirmwareConfig } from "./config";
import { discoveryConfigs, healthReport, healthTopic, type HealthStart } from "./home-assistant";
import type { Uplink } from "./uplink";

export interface RunningApp {
	/** Publishes "offline", disconnects cleanly (the will is not sent) and stops. */
	stop(): Promise<void>;
}

/** What the device around the app hears of (always-on.ts): lamp changes (power-on restore keeps them), errors (health reports the last). */
export interface LampAppHooks {
	changed?(on: boolean): void;
	error?(error: Error): void;
}

const enum Ms {
	/** How long a clean stop waits for the peer to acknowledge "offline". */
	OFFLINE_ACK = 2000,
}

/**
 * What a message on the lamp topic asks for. Accepts the spellings home-automation
 * tools send ("on"/"off", "1"/"0", "true"/"false", "toggle"), case-insensitive and
 * trimmed; anything else is not a command.
 */
export type LampCommand = "on" | "off" | "toggle";

const COMMANDS: Readonly<Record<string, LampCommand>> = {
	on: "on",
	"1": "on",
	true: "on",
	off: "off",
	"0": "off",
	false: "off",
	toggle: "toggle",
};

const enum Command {
	/** Longer payloads cannot be a command; this bounds the work spent on junk. */
	LONGEST = 16,
}

export function parseLampCommand(payload: Uint8Array): LampCommand | undefined {
	if (payload.length > Command.LONGEST) return void 0;
	let text: string;
	try {
		text = readUtf8(payload);
	} catch {
		return void 0;
	}
	const key = text.trim().toLowerCase();
	return Object.prototype.hasOwnProperty.call(COMMANDS, key) ? COMMANDS[key] : void 0;
}

/**
 * A value the peer keeps (the lamp's retained state, its status): only the latest
 * matters. At most one publication is in flight; a value set meanwhile waits, and a
 * newer one replaces it unsent. However fast the lamp changes, this takes one queue slot
 * and the last value the peer receives is the last one set, so its retained state ends
 * equal to the lamp (a queue of every change fills up and refuses the newest: issue 14).
 */
interface Waiter {
	readonly resolve: () => void;
	readonly reject: (error: Error) => void;
}

export class LatestValue<T> {
	// Plain fields, set in the constructor: XS reads #private ones slower, and compiles initializers apart.
	declare readonly send: (value: T) => Promise<void>;
	declare busy: boolean;
	declare pending: { readonly value: T } | undefined;
	declare waiters: Waiter[];

	constructor(send: (value: T) => Promise<void>) {
		this.send = send;
		this.busy = false;
		this.waiters = [];
	}

	/** Resolves once `value`, or a newer value that replaced it, is sent (or acknowledged). */
	set(value: T): Promise<void> {
		this.pending = { value };
		const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
		this.next();
		return done;
	}

	/** A value is waiting for the one in flight. */
	get waiting(): boolean {
		return this.pending !== void 0;
	}

	/** Hands a waiting value over now, beside the one in flight (a wake that ends keeps both). */
	flush(): void {
		const pending = this.pending;
		if (!pending) return;
		this.pending = void 0;
		this.settle(this.waiters.splice(0), this.send(pending.value));
	}

	next(): void {
		const pending = this.pending;
		if (this.busy || !pending) return;
		this.pending = void 0;
		this.busy = true;
		this.settle(this.waiters.splice(0), this.send(pending.value), () => {
			this.busy = false;
			this.next();
		});
	}

	settle(waiters: readonly Waiter[], sent: Promise<void>, then?: () => void): void {
		sent.then(
			() => {
				for (let i = 0; i < waiters.length; i++) waiters[i].resolve();
				if (then) then();
			},
			(error: Error) => {
				for (let i = 0; i < waiters.length; i++) waiters[i].reject(error);
				if (then) then();
			},
		);
	}
}

export class LampApp {
	// Plain fields, set in the constructor: XS reads #private ones slower, and compiles initializers apart.
	declare readonly board: Board;
	declare readonly lamp: Lamp;
	declare readonly state: LatestValue<boolean>;
	declare readonly status: LatestValue<string>;
	declare readonly hooks: LampAppHooks;
	/** An error the application cannot act on: logged as one event with its code. */
	declare readonly reportError: (error: Error) => void;

	/** `uplink` is asked for lazily: it is made with this app's events (uplink.ts). */
	constructor(board: Board, lamp: Lamp, uplink: () => Uplink, hooks: LampAppHooks = {}) {
		this.board = board;
		this.lamp = lamp;
		this.hooks = hooks;
		this.reportError = (error) => {
			if (hooks.error) hooks.error(error);
			board.log("error", errorFields(error));
		};
		// Failures are reported here, once per publication, not once per change it stood for.
		this.state = new LatestValue((on) => uplink().publishState(on).catch(this.reportError));
		this.status = new LatestValue((status) => uplink().publishStatus(status).catch(this.reportError));
	}

	/** Connected: announce availability and the current state. */
	online(): void {
		void this.status.set("online");
		this.publishState();
	}

	/** A command from the uplink; false when the payload is not one. */
	command(payload: Uint8Array): boolean {
		const command = parseLampCommand(payload);
		if (command === void 0) {
			this.board.log("warning", { message: "lamp command not on/off/1/0/true/false/toggle" });
			return false;
		}
		const lamp = this.lamp;
		const changed = command === "toggle" ? (lamp.toggle(), true) : lamp.set(command === "on");
		if (changed) {
			this.board.log("lamp", { state: lamp.on ? "on" : "off" });
			this.lampChanged();
		}
		return true;
	}

	/** The button was pressed: toggle the lamp here and tell the peer. */
	press(): void {
		this.lamp.toggle();
		this.board.log("lamp", { state: this.lamp.on ? "on" : "off", source: "button" });
		this.lampChanged();
	}

	lampChanged(): void {
		const hooks = this.hooks;
		if (hooks.changed) hooks.changed(this.lamp.on);
		this.publishState();
	}

	/** Says `status` (the sleepy schedule); resolves once sent or acknowledged. */
	publishStatus(status: string): Promise<void> {
		return this.status.set(status);
	}

	/** Publishes the lamp's state (retained). */
	publishState(): void {
		void this.state.set(this.lamp.on);
	}

	/** A state or status waits behind one in flight. */
	get waiting(): boolean {
		return this.state.waiting || this.status.waiting;
	}

	/** Hands what waits to the uplink now, so a wake that ends retains it with the session. */
	flush(): void {
		this.state.flush();
		this.status.flush();
	}

	/** A clean stop: "offline" (acknowledged, or given up on after a while) when connected, then `close`. */
	async stop(connected: boolean, close: () => void): Promise<void> {
		if (connected) await within(this.board, this.status.set("offline"), Ms.OFFLINE_ACK);
		close();
	}
}

/** Resolves or rejects with `promise`, or resolves after `ms` whatever happens. */
export function within(board: Board, promise: Promise<void>, ms: number): Promise<void> {
	return new Promise((resolve, reject) => {
		const timer = board.setTimer(resolve, ms);
		promise.then(
			() => (board.clearTimer(timer), resolve()),
			(error: Error) => (board.clearTimer(timer), reject(error)),
		);
	});
}

/**
 * Reports: what the device says about itself besides the lamp, on every connect: Home Assistant's
 * discovery configs (home-assistant.ts, when `homeAssistant` is on) and its health
 * (home-assistant.ts), always-on also every healthInterval; a sleepy node on the wakes that
 * healthInterval spaces out (every wake at the defaults: both 300 s). Both retained at QoS 0: a report lost
 * with a connection is sent again on the next, and none takes a packet id, a window slot
 * or retained memory. Over an uplink without retained topics (CoAP, MQTT-SN QoS -1)
 * there is nothing to do.
 *
 * A sleepy MQTT-SN node announces its health but no discovery: the gateway's topic ids for
 * a dozen long discovery topics would have to be kept in the wake's retained record,
 * which on an ESP8266 has no room for them.
 */
export class Reports {
	// Plain fields, set in the constructor: XS reads #private ones slower.
	declare readonly board: Board;
	declare readonly config: FirmwareConfig;
	declare readonly uplink: () => Uplink;
	declare readonly start: HealthStart;
	declare readonly startedAt: number;
	declare lastError: string | undefined;
	declare timer: TimerHandle | undefined;

	constructor(board: Board, config: FirmwareConfig, start: HealthStart, uplink: () => Uplink) {
		this.board = board;
		this.config = config;
		this.uplink = uplink;
		this.start = start;
		this.startedAt = board.now();
	}

	/** An error the device reported: its code is the next health report's `err`. */
	noteError(error: unknown): void {
		this.lastError = errorFields(error).code;
	}

	/**
	 * Connected: discovery (unless `discovery` is false: a sleepy wake whose session the broker
	 * already has), then health (unless `health` is false: a sleepy wake between healthIntervals).
	 */
	connected(discovery = true, health = true): void {
		const config = this.config;
		if (discovery && config.device.discovery !== void 0 && !(config.protocol === "mqttsn" && config.device.mode === "sleepy")) {
			const board = this.board;
			const facts = board.health?.();
			const clientId = config.protocol === "mqtt" ? config.mqtt.clientId : config.protocol === "mqttsn" ? config.mqttsn.clientId : "";
			const configs = discoveryConfigs(config, clientId, "lampnode " + board.name, { heap: facts?.freeHeap !== void 0, rssi: facts?.rssi !== void 0 });
			for (let i = 0; i < configs.length; i++) this.publish(configs[i].topic, configs[i].payload);
		}
		if (health) this.sendHealth();
	}

	/** Sends the health report now, if connected. */
	sendHealth(): void {
		const config = this.config;
		if (this.uplink().connected) this.publish(healthTopic(config.lamp.topic), healthReport(this.board, config.device.swVersion, this.start, this.startedAt, this.lastError));
	}

	/** Always-on: a report every `ms` (none for 0), besides those on connect. */
	every(ms: number): void {
		if (ms <= 0 || !this.uplink().publishRetained) return;
		const tick = () => {
			this.sendHealth();
			this.timer = this.board.setTimer(tick, ms);
		};
		this.timer = this.board.setTimer(tick, ms);
	}

	stop(): void {
		if (this.timer) this.board.clearTimer(this.timer);
		this.timer = void 0;
	}

	publish(topic: string, payload: string): void {
		// Replaced by the next report if lost; a failure here says nothing the uplink has not.
		const uplink = this.uplink();
		if (uplink.publishRetained) uplink.publishRetained(topic, payload).catch(() => void 0);
	}
}

/**
 * Telemetry: DHT22 readings as the JSON the issue specifies, `{"t":21.4,"h":48.2,"ts":1764000000}`
 * (`ts` in Unix seconds, left out while the clock is unknown), handed to whatever
 * carries them: MQTT and MQTT-SN publish them to the telemetry topic; a CoAP client
 * plugs in as another `SendReading` (a POST to its collector URI).
 */

/** Delivers one reading; resolves once it is sent (QoS 0, NON) or acknowledged. */
export type SendReading = (json: string) => Promise<void>;

export function readingJson(sample: Dht22Sample, epochMs: number): string {
	const ts = epochMs > 0 ? ',"ts":' + (Math.floor(epochMs / 1000)) : "";
	return '{"t":' + sample.temperature + ',"h":' + sample.humidity + ts + "}";
}

/** Reads the sensor and sends the reading; a failure is logged, never thrown. */
export async function sendReading(board: Board, sensor: Dht22, send: SendReading): Promise<boolean> {
	let sample: Dht22Sample;
	try {
		sample = await sensor.read();
	} catch (error) {
		board.log("sensor-error", { code: (error as { code?: string }).code ?? "UNKNOWN", message: (error as Error).message, ...sensor.failures });
		return false;
	}
	const sent = send(readingJson(sample, board.epochMs()));
	// Logged once handed over (and, sleepy, retained): a reset after this line still delivers it.
	board.log("reading", { temperature: sample.temperature, humidity: sample.humidity });
	await sent;
	return true;
}

/** Always-on: a reading every `interval` ms (the first at once), until stopped. */
export class PeriodicTelemetry {
	// Plain fields, set in the constructor: XS reads #private ones slower.
	declare readonly board: Board;
	declare readonly sensor: Dht22;
	declare readonly send: SendReading;
	declare readonly interval: number;
	declare timer: TimerHandle | undefined;

	constructor(board: Board, sensor: Dht22, send: SendReading, interval: number) {
		this.board = board;
		this.sensor = sensor;
		this.send = send;
		this.interval = interval;
	}

	stop(): void {
		if (this.timer) this.board.clearTimer(this.timer);
		this.timer = void 0;
	}

	/** Starts it: a reading now, and the next in `interval`. */
	tick(): void {
		this.read();
		this.timer = this.board.setTimer(() => this.tick(), this.interval);
	}

	/** A reading now, between the periodic ones too (a long press). */
	read(): void {
		sendReading(this.board, this.sensor, this.send).catch((error: Error) => this.board.log("error", errorFields(error)));
	}
}
