/**
 * Home Assistant MQTT discovery: one retained config message per entity on
 * `<discoveryPrefix>/<component>/<node id>/<object id>/config`, the lamp as a `light`
 * (default schema), the DHT22's temperature and humidity as `sensor`s, the health
 * report's facts as diagnostic `sensor`s, all sharing one `device` block made from the
 * client id. Field names are Home Assistant's documented abbreviations (cmd_t for
 * command_topic, ...), which it expands on receipt: the messages are shorter on the wire,
 * and the names shorter in flash.
 *
 * Availability is the status topic: "online"/"offline". A sleepy node says
 * `{"status":"asleep",...}` there between wakes, so its template maps everything but
 * "offline" (the will: a wake that failed) to available.
 */
import type { FirmwareConfig } from "./config";
import type { Board } from "../common/board";

/**
 * The device's health, retained on `<lampTopic>/health` as one JSON object, the facts
 * ESPHome and Tasmota report: `fw` firmware version, `up` seconds since this run began,
 * `boot` boots counted in retained memory (where the board has it), `reset` what began this
 * run (a wake cause: "reset", "timer", "button"; "start" on a board without deep sleep),
 * `heap` free bytes and `rssi` dBm where the board knows them, `err` the code of the last
 * error reported (absent until one is). Sent at QoS 0 on every connect (and every
 * healthInterval always-on): a lost one is replaced by the next, and a sleepy wake keeps
 * nothing of it in retained memory. Here because discovery describes its fields.
 */

/** What began this run, known at start. */
export interface HealthStart {
	readonly boot?: number;
	readonly reset: string;
}

export function healthTopic(lampTopic: string): string {
	return lampTopic + "/health";
}

/** The report as JSON; fields a board does not know are left out (JSON.stringify drops undefined). */
export function healthReport(board: Board, version: string, start: HealthStart, startedAt: number, lastError: string | undefined): string {
	const facts = board.health?.();
	return JSON.stringify({
		fw: version,
		up: Math.floor((board.now() - startedAt) / 1000),
		boot: start.boot,
		reset: start.reset,
		heap: facts?.freeHeap,
		rssi: facts?.rssi,
		err: lastError,
	});
}

export interface Retained {
	readonly topic: string;
	/** JSON; empty to remove the entity (decommission). */
	readonly payload: string;
}

/** Which health facts the board reports: only those get a sensor (a template over a missing field warns in Home Assistant). */
export interface HealthFacts {
	readonly heap: boolean;
	readonly rssi: boolean;
}

type Fields = Record<string, string | number | readonly string[] | object>;

/** The discovery configs for this device; `model` names the board. */
export function discoveryConfigs(config: FirmwareConfig, clientId: string, model: string, facts: HealthFacts): Retained[] {
	const lamp = config.lamp;
	const device = config.device;
	const node = nodeId(clientId);
	const interval = device.mode === "sleepy" ? device.sleepInterval : device.readingInterval;
	const availability: Fields = { avty_t: lamp.statusTopic, pl_avail: "online", pl_not_avail: "offline" };
	if (device.mode === "sleepy") availability.avty_tpl = "{{ 'offline' if value == 'offline' else 'online' }}";
	const dev = { ids: ["lampnode_" + node], name: clientId, mf: "lampnode", mdl: model, sw: device.swVersion };
	const out: Retained[] = [];
	const add = (component: string, object: string, fields: Fields) =>
		out.push({ topic: (device.discovery ?? "homeassistant") + "/" + component + "/" + node + "/" + object + "/config", payload: JSON.stringify({ ...fields, uniq_id: node + "_" + object, ...availability, dev }) });
	// What the lamp accepts and publishes (lamp-app.ts): "on" and "off".
	add("light", "lamp", { name: "Lamp", cmd_t: lamp.topic, stat_t: lamp.stateTopic, pl_on: "on", pl_off: "off" });
	if (device.dht22Pin !== void 0) {
		// Stale after three readings missed: one late reading is not an outage.
		const reading = (object: string, name: string, unit: string, key: string) =>
			add("sensor", object, { name, stat_t: device.telemetryTopic, dev_cla: object, stat_cla: "measurement", unit_of_meas: unit, val_tpl: "{{ value_json." + key + " }}", exp_aft: (3 * interval) / 1000 });
		reading("temperature", "Temperature", "°C", "t");
		reading("humidity", "Humidity", "%", "h");
	}
	const health = healthTopic(lamp.topic);
	/** A measured fact has a device class and a unit. */
	const diagnostic = (object: string, name: string, key: string, deviceClass?: string, unit?: string) => {
		const fields: Fields = { name, stat_t: health, ent_cat: "diagnostic", val_tpl: "{{ value_json." + key + " }}" };
		if (deviceClass) {
			fields.dev_cla = deviceClass;
			fields.unit_of_meas = unit as string;
			fields.stat_cla = "measurement";
		}
		add("sensor", object, fields);
	};
	diagnostic("uptime", "Uptime", "up", "duration", "s");
	diagnostic("boot", "Boot count", "boot | default(0)");
	diagnostic("reset", "Reset reason", "reset");
	diagnostic("error", "Last error", "err | default('none')");
	if (facts.heap) diagnostic("heap", "Free heap", "heap", "data_size", "B");
	if (facts.rssi) diagnostic("rssi", "Wi-Fi signal", "rssi", "signal_strength", "dBm");
	return out;
}

/**
 * A discovery topic's node id may hold only [a-zA-Z0-9_-]: the client id with anything
 * else as "_" (per UTF-16 unit: a client id is printable ASCII, config-reader.ts).
 */
export function nodeId(clientId: string): string {
	let id = "";
	for (let i = 0; i < clientId.length; i++) {
		const c = clientId.charCodeAt(i);
		// | 0x20: A-Z as a-z.
		id += ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f ? clientId[i] : "_";
	}
	return id;
}
