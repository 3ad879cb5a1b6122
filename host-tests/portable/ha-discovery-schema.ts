/**
 * Home Assistant's MQTT discovery schema for what this firmware announces, written field
 * by field from its documentation, not from the firmware:
 * - https://www.home-assistant.io/integrations/mqtt/ ("MQTT Discovery": the topic
 *   `<discovery_prefix>/<component>/[<node_id>/]<object_id>/config`, ids of
 *   [a-zA-Z0-9_-], the payload a JSON dictionary, the abbreviations it expands, the device
 *   mapping, which needs `identifiers` or `connections`; an empty payload removes it);
 * - https://www.home-assistant.io/integrations/light.mqtt/ (default schema: `command_topic`
 *   required, `payload_on` "ON", `payload_off` "OFF" by default, availability options);
 * - https://www.home-assistant.io/integrations/sensor.mqtt/ (`state_topic` required,
 *   `expire_after` seconds, `state_class`) and /integrations/sensor/ (device classes and
 *   the units each accepts).
 * Portable (no Node APIs): the discovery test runs in Node and in XS.
 */

type Kind = "string" | "template" | "integer" | "boolean" | "list" | "map" | "qos";

/** Options every MQTT entity takes (the availability, device and entity options). */
const ENTITY: Readonly<Record<string, Kind>> = {
	availability: "list",
	availability_mode: "string",
	availability_template: "template",
	availability_topic: "string",
	payload_available: "string",
	payload_not_available: "string",
	device: "map",
	origin: "map",
	enabled_by_default: "boolean",
	encoding: "string",
	entity_category: "string",
	entity_picture: "string",
	icon: "string",
	json_attributes_template: "template",
	json_attributes_topic: "string",
	name: "string",
	object_id: "string",
	default_entity_id: "string",
	qos: "qos",
	unique_id: "string",
};

/** light.mqtt, default schema (on/off; no brightness or colour here). */
const LIGHT: Readonly<Record<string, Kind>> = {
	...ENTITY,
	command_topic: "string",
	state_topic: "string",
	state_value_template: "template",
	payload_on: "string",
	payload_off: "string",
	on_command_type: "string",
	optimistic: "boolean",
	retain: "boolean",
	schema: "string",
};

/** sensor.mqtt. */
const SENSOR: Readonly<Record<string, Kind>> = {
	...ENTITY,
	state_topic: "string",
	device_class: "string",
	state_class: "string",
	unit_of_measurement: "string",
	value_template: "template",
	expire_after: "integer",
	force_update: "boolean",
	last_reset_value_template: "template",
	suggested_display_precision: "integer",
};

const DEVICE: Readonly<Record<string, Kind>> = {
	identifiers: "list",
	connections: "list",
	configuration_url: "string",
	hw_version: "string",
	manufacturer: "string",
	model: "string",
	model_id: "string",
	name: "string",
	serial_number: "string",
	suggested_area: "string",
	sw_version: "string",
	via_device: "string",
};

const REQUIRED: Readonly<Record<string, readonly string[]>> = { light: ["command_topic"], sensor: ["state_topic"] };
const COMPONENTS: Readonly<Record<string, Readonly<Record<string, Kind>>>> = { light: LIGHT, sensor: SENSOR };

/** The documented abbreviations of the options above (MQTT discovery, "Supported abbreviations"). */
export const ABBREVIATIONS: Readonly<Record<string, string>> = {
	avty: "availability",
	avty_mode: "availability_mode",
	avty_t: "availability_topic",
	avty_tpl: "availability_template",
	cmd_t: "command_topic",
	dev: "device",
	dev_cla: "device_class",
	e: "encoding",
	en: "enabled_by_default",
	ent_cat: "entity_category",
	ent_pic: "entity_picture",
	exp_aft: "expire_after",
	frc_upd: "force_update",
	ic: "icon",
	json_attr_t: "json_attributes_topic",
	json_attr_tpl: "json_attributes_template",
	lrst_val_tpl: "last_reset_value_template",
	o: "origin",
	obj_id: "object_id",
	opt: "optimistic",
	pl_avail: "payload_available",
	pl_not_avail: "payload_not_available",
	pl_off: "payload_off",
	pl_on: "payload_on",
	ret: "retain",
	stat_cla: "state_class",
	stat_t: "state_topic",
	stat_val_tpl: "state_value_template",
	sug_dsp_prc: "suggested_display_precision",
	uniq_id: "unique_id",
	unit_of_meas: "unit_of_measurement",
	val_tpl: "value_template",
};

export const DEVICE_ABBREVIATIONS: Readonly<Record<string, string>> = {
	cns: "connections",
	cu: "configuration_url",
	hw: "hw_version",
	ids: "identifiers",
	mdl: "model",
	mdl_id: "model_id",
	mf: "manufacturer",
	sa: "suggested_area",
	sn: "serial_number",
	sw: "sw_version",
};

/** The sensor device classes used here, with the units each accepts. */
export const UNITS: Readonly<Record<string, readonly string[]>> = {
	temperature: ["°C", "°F", "K"],
	humidity: ["%"],
	duration: ["d", "h", "min", "s", "ms"],
	signal_strength: ["dB", "dBm"],
	data_size: ["bit", "kbit", "Mbit", "Gbit", "B", "kB", "MB", "GB", "TB", "KiB", "MiB", "GiB"],
};
const STATE_CLASSES = ["measurement", "measurement_angle", "total", "total_increasing"];
const ENTITY_CATEGORIES = ["config", "diagnostic"];

export interface Discovered {
	readonly component: string;
	readonly nodeId: string;
	readonly objectId: string;
	/** The payload with every abbreviation expanded, as Home Assistant reads it. */
	readonly config: Record<string, unknown>;
}

const ID_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";

function isId(text: string): boolean {
	if (text.length === 0) return false;
	for (const c of text) if (ID_CHARS.indexOf(c) < 0) return false;
	return true;
}

function expand(object: Record<string, unknown>, table: Readonly<Record<string, string>>): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const key of Object.keys(object)) {
		const name = table[key] ?? key;
		if (name in out) throw new Error(`${name} given twice (abbreviated and not)`);
		out[name] = object[key];
	}
	return out;
}

function checkKind(where: string, value: unknown, kind: Kind): void {
	const ok =
		kind === "string" || kind === "template"
			? typeof value === "string" && value.length > 0
			: kind === "integer"
				? Number.isInteger(value)
				: kind === "boolean"
					? typeof value === "boolean"
					: kind === "qos"
						? value === 0 || value === 1 || value === 2
						: kind === "list"
							? Array.isArray(value) || typeof value === "string"
							: typeof value === "object" && value !== null && !Array.isArray(value);
	if (!ok) throw new Error(`${where}: expected ${kind}, got ${JSON.stringify(value)}`);
	if (kind === "template" && !(value as string).startsWith("{{")) throw new Error(`${where}: not a template`);
}

/** Checks one retained discovery message; throws naming what is wrong. */
export function validateDiscovery(prefix: string, topic: string, payload: string): Discovered {
	if (!topic.startsWith(`${prefix}/`) || !topic.endsWith("/config")) throw new Error(`${topic}: not <prefix>/.../config`);
	const parts = topic.slice(prefix.length + 1, topic.length - "/config".length).split("/");
	if (parts.length !== 3) throw new Error(`${topic}: expected <component>/<node_id>/<object_id>`);
	const [component, nodeId, objectId] = parts;
	const fields = COMPONENTS[component];
	if (!fields) throw new Error(`${topic}: component ${component} is not one this schema knows`);
	if (!isId(nodeId) || !isId(objectId)) throw new Error(`${topic}: ids must be [a-zA-Z0-9_-]`);
	const parsed = JSON.parse(payload) as unknown;
	if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error(`${topic}: payload is not a JSON dictionary`);
	const config = expand(parsed as Record<string, unknown>, ABBREVIATIONS);
	for (const key of Object.keys(config)) {
		const kind = fields[key];
		if (!kind) throw new Error(`${topic}: ${key} is not a ${component} option`);
		checkKind(`${topic} ${key}`, config[key], kind);
	}
	for (const key of REQUIRED[component]) if (!(key in config)) throw new Error(`${topic}: ${key} is required`);
	if ("availability" in config && "availability_topic" in config) throw new Error(`${topic}: availability and availability_topic together`);
	if (config.device) {
		const device = expand(config.device as Record<string, unknown>, DEVICE_ABBREVIATIONS);
		for (const key of Object.keys(device)) {
			const kind = DEVICE[key];
			if (!kind) throw new Error(`${topic}: device.${key} is not a device option`);
			checkKind(`${topic} device.${key}`, device[key], kind);
		}
		if (!device.identifiers && !device.connections) throw new Error(`${topic}: the device needs identifiers or connections`);
		config.device = device;
	}
	if (config.entity_category !== undefined && !ENTITY_CATEGORIES.includes(config.entity_category as string)) throw new Error(`${topic}: entity_category`);
	if (component === "sensor") {
		const deviceClass = config.device_class as string | undefined;
		if (deviceClass !== undefined) {
			const units = UNITS[deviceClass];
			if (!units) throw new Error(`${topic}: device_class ${deviceClass} not in this schema`);
			if (!units.includes(config.unit_of_measurement as string)) throw new Error(`${topic}: ${String(config.unit_of_measurement)} is not a unit of ${deviceClass}`);
		}
		if (config.state_class !== undefined && !STATE_CLASSES.includes(config.state_class as string)) throw new Error(`${topic}: state_class`);
		if (config.expire_after !== undefined && !((config.expire_after as number) > 0)) throw new Error(`${topic}: expire_after must be positive seconds`);
	}
	return { component, nodeId, objectId, config };
}

/**
 * `{{ value_json.KEY }}` or `{{ value_json.KEY | default(...) }}` over `json`: the value
 * Home Assistant would take (the default where the key is missing). Only these forms.
 */
export function renderValueTemplate(template: string, json: string): unknown {
	const inner = template.slice(2, -2).trim();
	if (!template.startsWith("{{") || !template.endsWith("}}") || !inner.startsWith("value_json.")) throw new Error(`template ${template}: not a form this test renders`);
	const [path, filter] = inner.slice("value_json.".length).split("|").map((s) => s.trim());
	const value = (JSON.parse(json) as Record<string, unknown>)[path];
	if (value !== undefined) return value;
	if (filter === undefined || !filter.startsWith("default(")) throw new Error(`template ${template}: ${path} missing from ${json}`);
	const fallback = filter.slice("default(".length, -1);
	return fallback.startsWith("'") ? fallback.slice(1, -1) : Number(fallback);
}

/**
 * The availability template (`{{ 'offline' if value == 'offline' else 'online' }}`, the only
 * form used) on a status payload.
 */
export function renderAvailability(template: string, value: string): string {
	if (template !== "{{ 'offline' if value == 'offline' else 'online' }}") throw new Error(`availability template ${template}: not a form this test renders`);
	return value === "offline" ? "offline" : "online";
}
