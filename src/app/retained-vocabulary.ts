/**
 * The sleepy firmware's vocabulary for retained sessions (power/vocabulary.ts): the
 * topics it is configured with, and the payloads it writes itself in binary, so a wake
 * that could not deliver its reading keeps it, with its status and marker, in a few dozen
 * bytes of RTC memory. Each form is checked to give back the exact bytes (vocabulary.ts),
 * so a payload of another shape is kept raw, never altered.
 */
import { encodeUtf8, readUtf8 } from "../common/utf8";
import { vocabulary, type PayloadForm, type Vocabulary } from "../power/vocabulary";
import type { FirmwareConfig } from "./config";
import { readingJson } from "./lamp-app";
import { isCanonicalDecimal } from "../common/text";

/**
 * What a sleepy device says on its status topic before it sleeps: when to expect it back.
 * One function, so the wake (sleepy.ts) and this vocabulary, which keeps it in 9
 * bytes, write it alike.
 */
export function asleepStatus(sleepIntervalMs: number, epochMs: number): string {
	const wakeAt = epochMs > 0 ? ',"wakeAt":' + (Math.floor((epochMs + sleepIntervalMs) / 1000)) : "";
	return '{"status":"asleep","wakeIn":' + (sleepIntervalMs / 1000) + wakeAt + "}";
}

/** The configured topics, then any a protocol adds (the MQTT wake marker). */
export function sleepyVocabulary(config: FirmwareConfig, extraTopics: readonly string[] = []): Vocabulary {
	const lamp = config.lamp;
	return vocabulary([lamp.topic, lamp.stateTopic, lamp.statusTopic, config.device.telemetryTopic].concat(extraTopics), FORMS);
}

/** `{"t":21.4,"h":48.2,"ts":1764000000}`: int16 tenths of a degree, uint16 tenths of a percent, uint32 seconds (0: no ts). */
const READING: PayloadForm = {
	compact(payload) {
		const value = parseObject(payload);
		if (!value || !isTenths(value.t, -32768, 32767) || !isTenths(value.h, 0, 65535) || !isSeconds(value.ts, true)) return void 0;
		const t = Math.round((value.t as number) * 10);
		const h = Math.round((value.h as number) * 10);
		// A typed array keeps the low 8 bits of what is stored: t's sign too.
		const bytes = put32(new Uint8Array(8), 4, (value.ts as number | undefined) ?? 0);
		bytes[0] = t >> 8;
		bytes[1] = t;
		bytes[2] = h >> 8;
		bytes[3] = h;
		return bytes;
	},
	expand(bytes) {
		if (bytes.length !== 8) return new Uint8Array(0);
		const t = ((bytes[0] << 24) >> 16) | bytes[1];
		const h = (bytes[2] << 8) | bytes[3];
		const ts = readU32(bytes, 4);
		return encodeUtf8(readingJson({ temperature: t / 10, humidity: h / 10 }, ts * 1000));
	},
};

/** `{"status":"asleep","wakeIn":300,"wakeAt":1764000300}`: uint32 seconds each (wakeAt 0: none). */
const ASLEEP: PayloadForm = {
	compact(payload) {
		const value = parseObject(payload);
		if (!value || value.status !== "asleep" || !isSeconds(value.wakeIn, false) || !isSeconds(value.wakeAt, true)) return void 0;
		return put32(put32(new Uint8Array(8), 0, value.wakeIn as number), 4, (value.wakeAt as number | undefined) ?? 0);
	},
	expand(bytes) {
		if (bytes.length !== 8) return new Uint8Array(0);
		const wakeIn = readU32(bytes, 0);
		const wakeAt = readU32(bytes, 4);
		// asleepStatus adds the interval to the epoch it is given: hand it the epoch that gives wakeAt.
		return encodeUtf8(asleepStatus(wakeIn * 1000, wakeAt > 0 ? wakeAt * 1000 - wakeIn * 1000 : 0));
	},
};

/** A decimal number (the MQTT wake marker's nonce, the boot count): uint32. */
const DECIMAL: PayloadForm = {
	compact(payload) {
		const text = readUtf8(payload);
		return isCanonicalDecimal(text, 10) && Number(text) <= 0xffffffff ? put32(new Uint8Array(4), 0, Number(text)) : void 0;
	},
	expand: (bytes) => (bytes.length === 4 ? encodeUtf8(String(readU32(bytes, 0))) : new Uint8Array(0)),
};

/** The lamp's words: one byte. */
const WORDS = ["on", "off", "online", "offline"];
const WORD: PayloadForm = {
	compact(payload) {
		const index = WORDS.indexOf(readUtf8(payload));
		return index >= 0 ? new Uint8Array([index]) : void 0;
	},
	expand: (bytes) => encodeUtf8(bytes.length === 1 ? (WORDS[bytes[0]] ?? "") : ""),
};

const FORMS: readonly PayloadForm[] = [READING, ASLEEP, DECIMAL, WORD];

function parseObject(payload: Uint8Array): Record<string, unknown> | undefined {
	// Only the firmware's own JSON objects are worth parsing; anything else is kept raw.
	if (payload.length < 2 || payload.length > 96 || payload[0] !== 0x7b) return void 0;
	try {
		const value: unknown = JSON.parse(readUtf8(payload));
		return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : void 0;
	} catch {
		return void 0;
	}
}

function isTenths(value: unknown, min: number, max: number): boolean {
	return typeof value === "number" && Number.isFinite(value) && Math.round(value * 10) >= min && Math.round(value * 10) <= max;
}

/** A whole number of seconds in a uint32 (optional: may be absent). */
function isSeconds(value: unknown, optional: boolean): boolean {
	if (value === void 0) return optional;
	return typeof value === "number" && Number.isInteger(value) && value > 0 && value <= 0xffffffff;
}

/** `value` big-endian at `at`; gives `bytes` back. */
function put32(bytes: Uint8Array, at: number, value: number): Uint8Array {
	bytes[at] = value >>> 24;
	bytes[at + 1] = value >>> 16;
	bytes[at + 2] = value >>> 8;
	bytes[at + 3] = value;
	return bytes;
}

function readU32(bytes: Uint8Array, at: number): number {
	return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}
