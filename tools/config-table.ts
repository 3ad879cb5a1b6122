/**
 * Writes what follows from the rows of configuration keys (src/app/config-keys.ts, and
 * each protocol's in its section's module): the manifest's "config" defaults and the
 * README's key and rule tables, between
 * `<!-- config-keys:begin SECTION -->` and `<!-- config-keys:end SECTION -->`.
 * `npx tsx tools/config-table.ts` rewrites both files; `--check` only says whether they
 * drifted (host-tests/static/config-table.test.ts runs the same comparison).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { KEYS, parseRow, type KeyRow } from "../src/app/config-keys";
import { KEYS as COAP_KEYS } from "../src/app/config-coap";
import { KEYS as MQTT_KEYS } from "../src/app/config-mqtt";
import { KEYS as MQTTSN_KEYS } from "../src/app/config-mqttsn";
import { KEY_DOCS, RULE_DOCS, type KeyDoc, type Section } from "./config-docs";

export const README_PATH = fileURLToPath(new URL("../README.md", import.meta.url));
/** The manifests' "config" part, which every image includes (manifest.json, manifest_tls.json). */
export const MANIFEST_PATH = fileURLToPath(new URL("../manifests/config.json", import.meta.url));
export const SECTIONS: readonly (Section | "rules")[] = ["main", "rules", "mqttsn", "device", "coap"];

/** The protocols a row applies to, as bits: a protocol's rows are in its section's module. */
export const MQTT = 1;
export const MQTTSN = 2;
export const COAP = 4;
export const ANY = 7;
export const PROTOCOL_BITS: Readonly<Record<string, number>> = { mqtt: MQTT, mqttsn: MQTTSN, coap: COAP };

/** A row, the protocols it applies to, and its flags (config-keys.ts: the words after the kind's fields). */
export type DocRow = KeyRow & { readonly on: number; readonly contextual: boolean; readonly secret: boolean };

/** A row's flags: its words after the kind's fields. */
export function flagsOf(text: string): string[] {
	const words = text.split(" ");
	return words.slice(words[1] === "integer" ? 5 : words[1] === "boolean" || words[1] === "choice" ? 3 : 4);
}

/** A table's rows (each table starts and ends with a newline). */
export function lines(table: string): string[] {
	return table.split("\n").filter((line) => line !== "");
}

/**
 * Every row of every image, in the README's and the manifest's order: the common rows,
 * MQTT's after `protocol`, then MQTT-SN's and CoAP's. A row another protocol has word for
 * word (MQTT-SN's cleanSession and backoff, as MQTT's) is one row applying to both.
 */
function allRows(): DocRow[] {
	const common = lines(KEYS);
	const split = common.findIndex((line) => line.startsWith("protocol ")) + 1;
	const tables: [readonly string[], number][] = [
		[common.slice(0, split), ANY],
		[lines(MQTT_KEYS), MQTT],
		[common.slice(split), ANY],
		[lines(MQTTSN_KEYS), MQTTSN],
		[lines(COAP_KEYS), COAP],
	];
	const texts: string[] = [];
	const on: number[] = [];
	for (const [rows, bit] of tables)
		for (const text of rows) {
			const same = texts.indexOf(text);
			if (same >= 0 && bit !== ANY) on[same] |= bit;
			else {
				texts.push(text);
				on.push(bit);
			}
		}
	return texts.map((text, i) => ({ ...parseRow(text), on: on[i], contextual: flagsOf(text).includes("contextual"), secret: flagsOf(text).includes("secret") }));
}

export const ROWS: readonly DocRow[] = allRows();
const PACKAGE_VERSION = (JSON.parse(readFileSync(fileURLToPath(new URL("../package.json", import.meta.url)), "utf8")) as { version: string }).version;
const PROTOCOL_NAMES: readonly [number, string][] = [
	[MQTT, "MQTT"],
	[MQTTSN, "MQTT-SN"],
	[COAP, "CoAP"],
];

/** The docs' name of a row: the key, or key:protocol where the table has a row per protocol. */
export function docName(row: DocRow): string {
	if (ROWS.filter((r) => r.name === row.name).length === 1) return row.name;
	const protocol = PROTOCOL_NAMES.find(([bit]) => row.on === bit);
	if (!protocol) throw new Error(`${row.name}: a key with a row per protocol needs one protocol per row`);
	return `${row.name}:${protocol[1].toLowerCase().replace("-", "")}`;
}

export function docOf(row: DocRow): KeyDoc {
	const doc = KEY_DOCS[docName(row)];
	if (!doc) throw new Error(`tools/config-docs.ts has no entry for ${docName(row)}`);
	return doc;
}

/**
 * The manifest's "config": every key, with the table's default, or empty where there is
 * none, where it depends on other keys (contextual), or where it differs per protocol.
 */
export function manifestConfig(): Record<string, string | number | boolean> {
	const config: Record<string, string | number | boolean> = {};
	for (const row of ROWS) {
		if (row.name in config) continue;
		const rows = ROWS.filter((r) => r.name === row.name);
		const plain = rows.every((r) => r.default !== undefined && !r.contextual && r.default === row.default);
		config[row.name] = plain && row.default !== undefined ? row.default : "";
	}
	// The build's version, which a device cannot read from package.json.
	config.swVersion = PACKAGE_VERSION;
	return config;
}

function form(row: DocRow, doc: KeyDoc): string {
	switch (row.kind) {
		case "integer":
			return `integer, ${row.min} to ${row.max}`;
		case "boolean":
			return "`true` or `false`";
		case "choice":
			return row.choices.map((c) => `\`${c}\``).join(", ");
		case "topic":
			return "MQTT topic name";
		case "ipv4":
			return "IPv4 `a.b.c.d`";
		case "clientId":
			return `up to ${row.max} printable ASCII characters`;
		case "string":
			return row.max === undefined ? "text" : `text, up to ${row.max} characters`;
		case "uri":
		case "topics":
			if (!doc.form) throw new Error(`tools/config-docs.ts: ${docName(row)} needs a form`);
			return doc.form;
	}
}

function appliesTo(row: DocRow, doc: KeyDoc): string {
	const protocols = row.on === ANY ? "all" : PROTOCOL_NAMES.filter(([bit]) => (row.on & bit) !== 0).map(([, name]) => name).join(", ");
	return doc.mode ? `${protocols}; ${doc.mode}` : protocols;
}

function cell(text: string): string {
	return text.split("|").join("\\|");
}

/** The README's table for one section, without its markers. */
export function renderSection(section: Section | "rules"): string {
	if (section === "rules") {
		const lines = ["| rule (`src/app/config-rules.ts`) | what it says |", "| --- | --- |"];
		for (const name of Object.keys(RULE_DOCS) as (keyof typeof RULE_DOCS)[]) lines.push(`| \`${name}\` | ${cell(RULE_DOCS[name])} |`);
		return lines.join("\n");
	}
	const lines = ["| key | form | default | applies to | meaning |", "| --- | --- | --- | --- | --- |"];
	for (const row of ROWS) {
		const doc = docOf(row);
		if (doc.section !== section) continue;
		const fallback = doc.default ?? (row.default === undefined ? "(none)" : `\`${String(row.default)}\``);
		const secret = row.secret ? " (secret)" : "";
		lines.push(`| \`${row.name}\`${secret} | ${cell(form(row, doc))} | ${cell(fallback)} | ${appliesTo(row, doc)} | ${cell(doc.meaning)} |`);
	}
	return lines.join("\n");
}

export function markers(section: string): { begin: string; end: string } {
	return { begin: `<!-- config-keys:begin ${section} -->`, end: `<!-- config-keys:end ${section} -->` };
}

/** `readme` with every section's table replaced by the table's current rendering. */
export function renderReadme(readme: string): string {
	let text = readme;
	for (const section of SECTIONS) {
		const { begin, end } = markers(section);
		const from = text.indexOf(begin);
		const to = text.indexOf(end);
		if (from < 0 || to < from) throw new Error(`README.md has no ${begin} ... ${end}`);
		text = `${text.slice(0, from + begin.length)}\n${renderSection(section)}\n${text.slice(to)}`;
	}
	return text;
}

/** `manifest` (its text) with "config" replaced by the table's defaults, other keys kept in order. */
export function renderManifest(manifest: string): string {
	const parsed = JSON.parse(manifest) as Record<string, unknown>;
	const out: Record<string, unknown> = {};
	for (const key of Object.keys(parsed)) out[key] = key === "config" ? manifestConfig() : parsed[key];
	return `${JSON.stringify(out, null, "\t")}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const check = process.argv.includes("--check");
	let drifted = false;
	for (const [path, render] of [
		[README_PATH, renderReadme],
		[MANIFEST_PATH, renderManifest],
	] as const) {
		const before = readFileSync(path, "utf8");
		const after = render(before);
		if (before === after) continue;
		drifted = true;
		if (check) console.log(`${path} differs from the table of keys`);
		else writeFileSync(path, after);
	}
	if (check && drifted) process.exit(1);
}
