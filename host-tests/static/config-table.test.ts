/**
 * The rows of configuration keys (src/app/config-keys.ts, and each protocol's in its
 * section's module) are the one statement of every key's form and default: the
 * manifest's "config", the README's tables and the meanings in
 * tools/config-docs.ts must follow it. `npx tsx tools/config-table.ts` rewrites the first
 * two when this fails. Also: no secret has a default, every rule is documented, and the
 * config modules import each other without a cycle.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KEYS } from "../../src/app/config-keys";
import { parseConfig } from "../../src/app/firmware";
import * as coapSection from "../../src/app/config-coap";
import * as mqttSection from "../../src/app/config-mqtt";
import * as mqttsnSection from "../../src/app/config-mqttsn";
import * as rules from "../../src/app/config-rules";
import { KEY_DOCS, RULE_DOCS } from "../../tools/config-docs";
import { docName, flagsOf, lines, manifestConfig, PROTOCOL_BITS, README_PATH, renderReadme, ROWS } from "../../tools/config-table";
import { imports, readManifest, resolveName, ROOT } from "./manifest-modules";
import { Default } from "../../src/coap/types";
import { COAP_PORT } from "../../src/coap/uri";
import { N_RETRY, T_RETRY, T_WAIT } from "../../src/mqttsn/timers";

describe("config table", () => {
	it("is what manifest.json's \"config\" holds, key for key and in order", () => {
		const config = readManifest().config as Record<string, unknown>;
		expect(Object.entries(config)).toEqual(Object.entries(manifestConfig()));
	});

	it("is what the README's config tables say", () => {
		const readme = readFileSync(README_PATH, "utf8");
		expect(renderReadme(readme) === readme, "README.md drifted from the table: run npx tsx tools/config-table.ts").toBe(true);
	});

	it("parses, as the manifest gives it, for every protocol and mode, with each protocol's own defaults", () => {
		const manifest = readManifest().config as Record<string, unknown>;
		const needs: Record<string, Record<string, unknown>> = {
			mqtt: { broker: "mqtt://127.0.0.1" },
			mqttsn: { protocol: "mqttsn", gateway: "udp://127.0.0.1:1884" },
			coap: { protocol: "coap" },
		};
		for (const protocol of Object.keys(needs))
			for (const mode of ["always-on", "sleepy"]) {
				const config = parseConfig({ ...manifest, ...needs[protocol], mode, clientId: "lamp-1", ssid: "net" }, { wifi: true });
				expect(config.protocol).toBe(protocol);
				if (config.protocol === "mqttsn") {
					expect(config.mqttsn.maxPacketSize).toBe(1024);
					expect(config.mqttsn.keepAlive).toBe(mode === "sleepy" ? 443 : 60);
					expect(config.mqttsn.localPort).toBe(mode === "sleepy" ? 1885 : 0);
				}
				if (config.protocol === "mqtt") expect([config.mqtt.maxPacketSize, config.mqtt.keepAlive]).toEqual([8192, 60]);
			}
	});

	it("defaults to the protocols' own numbers, which it writes out so that no image carries a protocol for its defaults", () => {
		const defaultOf = (name: string, protocol: string) => ROWS.find((row) => row.name === name && row.on === PROTOCOL_BITS[protocol])?.default;
		expect([defaultOf("tRetry", "mqttsn"), defaultOf("nRetry", "mqttsn"), defaultOf("tWait", "mqttsn")]).toEqual([T_RETRY, N_RETRY, T_WAIT]);
		expect(defaultOf("coapPort", "coap")).toBe(COAP_PORT);
		expect(["ackTimeout", "ackRandomFactorTenths", "maxRetransmit", "nstart"].map((name) => defaultOf(name, "coap"))).toEqual([
			Default.ACK_TIMEOUT,
			Default.ACK_RANDOM_FACTOR * 10,
			Default.MAX_RETRANSMIT,
			Default.NSTART,
		]);
		// Nor does the table import them back: the config reader is in every image.
		expect(imports("src/app/config-keys.ts").map((site) => site.specifier)).toEqual([]);
	});

	it("has a meaning in tools/config-docs.ts for every row, and none for a key it lacks", () => {
		expect(Object.keys(KEY_DOCS).sort()).toEqual(ROWS.map(docName).sort());
	});

	it("states a row's default in its docs' default column, where the docs write that column", () => {
		for (const row of ROWS) {
			const written = KEY_DOCS[docName(row)]?.default;
			if (written !== undefined && row.default !== undefined) expect(written, docName(row)).toContain(`\`${String(row.default)}\``);
		}
	});

	it("has one row per name and protocol", () => {
		for (const row of ROWS) expect(ROWS.filter((r) => r.name === row.name && (r.on & row.on) !== 0), row.name).toHaveLength(1);
	});

	it("has a protocol's rows in its section's module only, none of a name the common rows have", () => {
		// The reader looks in the common rows first: a protocol's row of one of their names would never be read.
		const common = new Set(lines(KEYS).map((line) => line.slice(0, line.indexOf(" "))));
		for (const section of [mqttSection, mqttsnSection, coapSection]) {
			const names = lines(section.KEYS).map((line) => line.slice(0, line.indexOf(" ")));
			expect(names.filter((name) => common.has(name))).toEqual([]);
			expect(new Set(names).size).toBe(names.length);
		}
		// Each table is "\n" + rows + "\n", as the reader's lookup of "\n" + name + " " expects.
		for (const table of [KEYS, mqttSection.KEYS, mqttsnSection.KEYS, coapSection.KEYS]) expect([table[0], table.at(-1), table.includes("\n\n")]).toEqual(["\n", "\n", false]);
	});

	it("flags a row with contextual or secret only, after the kind's fields", () => {
		for (const table of [KEYS, mqttSection.KEYS, mqttsnSection.KEYS, coapSection.KEYS])
			for (const line of lines(table)) for (const flag of flagsOf(line)) expect(["contextual", "secret"], line).toContain(flag);
		expect(ROWS.filter((row) => row.contextual).map((row) => docName(row))).toEqual(["netmask", "dns", "stateTopic", "statusTopic", "keepAlive:mqttsn", "mqttsnPort", "tRetry", "coapPort"]);
	});

	it("gives no secret a default, in the table or in any manifest section", () => {
		const secrets = ROWS.filter((row) => row.secret).map((row) => row.name);
		expect(secrets.sort()).toEqual(["brokerKey", "brokerPassword", "coapPsk", "password"]);
		for (const row of ROWS) if (row.secret) expect(row.default, row.name).toBeUndefined();
		const manifest = readManifest() as { config?: Record<string, unknown>; platforms?: Record<string, { config?: Record<string, unknown> }> };
		const sections = [manifest.config ?? {}, ...Object.values(manifest.platforms ?? {}).map((p) => p.config ?? {})];
		for (const section of sections) for (const name of secrets) expect(section[name] ?? "", name).toBe("");
	});

	it("keeps every platform's config to keys of the table", () => {
		const names = new Set(ROWS.map((row) => row.name as string));
		for (const [platform, section] of Object.entries(readManifest().platforms ?? {}))
			for (const key of Object.keys((section as { config?: object }).config ?? {})) expect(names.has(key), `${platform}: ${key}`).toBe(true);
	});

	it("documents every rule of config-rules.ts and of the protocols' sections in tools/config-docs.ts", () => {
		// A section's rules are its exported functions but its parsers.
		const sectionRules = [mqttSection, mqttsnSection, coapSection].flatMap((section) => Object.entries(section).filter(([name, value]) => typeof value === "function" && !name.startsWith("parse")).map(([name]) => name));
		expect(sectionRules.length).toBe(10);
		expect(Object.keys(RULE_DOCS).sort()).toEqual([...Object.keys(rules), ...sectionRules].sort());
	});

	it("is read by config modules that import each other without a cycle", () => {
		// Each image's table of protocols (protocols/), which reads the sections, among them.
		const files = [
			...readdirSync(join(ROOT, "src/app")).filter((name) => name.startsWith("config") && name.endsWith(".ts")),
			...readdirSync(join(ROOT, "src/app/protocols")).map((name) => `protocols/${name}`),
		];
		expect(files).toContain("protocols/table.ts");
		const edges = new Map<string, string[]>();
		for (const file of files) {
			const name = `app/${file.slice(0, -3)}`;
			edges.set(
				name,
				imports(join("src/app", file))
					.map((site) => resolveName(name, site.specifier))
					.filter((target): target is string => target !== undefined && target.startsWith("app/config")),
			);
		}
		const cycles: string[] = [];
		const visit = (name: string, path: readonly string[]) => {
			if (path.includes(name)) {
				cycles.push([...path.slice(path.indexOf(name)), name].join(" -> "));
				return;
			}
			for (const next of edges.get(name) ?? []) visit(next, [...path, name]);
		};
		for (const name of edges.keys()) visit(name, []);
		expect(cycles).toEqual([]);
	});
});
