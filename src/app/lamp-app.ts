/**
 * The lamp application, whatever the protocol: commands on the lamp topic switch the pin,
 * every change is published retained on the state topic, and availability is kept on the
 * status topic ("online" after connecting, "offline" as the will and on a clean stop).
 * Each protocol's wiring (mqtt-lamp.ts, mqttsn-lamp.ts) hands it a way to publish and
 * calls it when connected and when a message arrives.
 */
import type { Board } from "../common/board";
import { errorFields } from "../common/errors";
import { readUtf8 } from "../common/utf8";
import type { Lamp } from "../drivers/lamp";
import type { LampConfig } from "./config";
import { parseLampCommand } from "./lamp-command";

export interface RunningApp {
	/** Publishes "offline", disconnects cleanly (the will is not sent) and stops. */
	stop(): Promise<void>;
}

export type Publish = (topic: string, payload: string, qos: 0 | 1 | 2, retain: boolean) => Promise<void>;

/** How long a clean stop waits for the broker to acknowledge "offline". */
const OFFLINE_ACK_MS = 2000;

export class LampApp {
	readonly #board: Board;
	readonly #lamp: Lamp;
	readonly #settings: LampConfig;
	readonly #qos: 0 | 1 | 2;
	readonly #publish: Publish;

	/** `qos`: of the state messages; status messages always go at QoS 1. */
	constructor(board: Board, lamp: Lamp, settings: LampConfig, qos: 0 | 1 | 2, publish: Publish) {
		this.#board = board;
		this.#lamp = lamp;
		this.#settings = settings;
		this.#qos = qos;
		this.#publish = publish;
	}

	/** An error the application cannot act on: logged as one event with its code. */
	readonly reportError = (error: Error): void => {
		this.#board.log("error", errorFields(error));
	};

	/** Connected: announce availability and the current state. */
	online(): void {
		this.#publish(this.#settings.statusTopic, "online", 1, true).catch(this.reportError);
		this.publishState();
	}

	message(topic: string, payload: Uint8Array): void {
		const board = this.#board;
		const settings = this.#settings;
		board.log("message", { topic, payload: printable(payload) });
		if (topic !== settings.topic) return;
		const command = parseLampCommand(payload);
		if (command === undefined) {
			board.log("warning", { message: `ignored a payload on ${settings.topic} that is not on/off/1/0/true/false/toggle` });
			return;
		}
		const lamp = this.#lamp;
		const changed = command === "toggle" ? (lamp.toggle(), true) : lamp.set(command === "on");
		if (!changed) return;
		board.log("lamp", { state: lamp.on ? "on" : "off" });
		this.publishState();
	}

	/** The button was pressed: toggle the lamp here and tell the broker. */
	press(): void {
		this.#lamp.toggle();
		this.#board.log("lamp", { state: this.#lamp.on ? "on" : "off", source: "button" });
		this.publishState();
	}

	/** A clean stop: "offline" (acknowledged, or given up on after a while) when connected, then `close`. */
	async stop(connected: boolean, close: () => void): Promise<void> {
		if (connected) {
			const offline = this.#publish(this.#settings.statusTopic, "offline", 1, true);
			await within(this.#board, offline, OFFLINE_ACK_MS).catch(this.reportError);
		}
		close();
	}

	/** Publishes the lamp's state (retained). */
	publishState(): void {
		this.#publish(this.#settings.stateTopic, this.#lamp.on ? "on" : "off", this.#qos, true).catch(this.reportError);
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

/** A payload as text for the log: UTF-8 if it is, shortened; otherwise its size. */
function printable(payload: Uint8Array): string {
	try {
		const text = readUtf8(payload, 0, Math.min(payload.length, 80));
		return payload.length > 80 ? `${text}...` : text;
	} catch {
		return `<${payload.length} bytes>`;
	}
}
