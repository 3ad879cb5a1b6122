/**
 * What the device says about itself besides the lamp, on every connect: Home Assistant's
 * discovery configs (home-assistant.ts, when `homeAssistant` is on) and its health
 * (health.ts), always-on also every healthInterval; a sleepy node on the wakes that
 * healthInterval spaces out (every wake at the defaults: both 300 s). Both retained at QoS 0: a report lost
 * with a connection is sent again on the next, and none takes a packet id, a window slot
 * or retained memory. Over an uplink without retained topics (CoAP, MQTT-SN QoS -1)
 * there is nothing to do.
 *
 * A sleepy MQTT-SN node announces its health but no discovery: the gateway's topic ids for
 * a dozen long discovery topics would have to be kept in the wake's retained record,
 * which on an ESP8266 has no room for them.
 */
import type { Board, TimerHandle } from "../common/board";
import type { FirmwareConfig } from "./config";
import { discoveryConfigs } from "./home-assistant";
import { errorFields } from "../common/errors";
import { healthReport, healthTopic, type HealthStart } from "./health";
import type { Uplink } from "./uplink";

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
		const clientId = config.protocol === "mqtt" ? config.mqtt.clientId : config.protocol === "mqttsn" ? config.mqttsn.clientId : "";
		const announce = discovery && config.device.discovery !== void 0 && !(config.protocol === "mqttsn" && config.device.mode === "sleepy");
		if (announce) {
			const board = this.board;
			const facts = board.health ? board.health() : void 0;
			const known = { heap: facts?.freeHeap !== void 0, rssi: facts?.rssi !== void 0 };
			const configs = discoveryConfigs(config, clientId, "lampnode " + board.name, known);
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
