/**
 * Each image parses the config sections of the protocols it includes and no other, and
 * refuses what it lacks of them (MQTT 5, DTLS), as it runs only their uplinks: the manifest
 * maps one table, `app/protocols/table`, per image and per platform, whose entries pair a
 * section with an uplink, and leaves the other protocols' section modules (and the protocol
 * modules only they import) out of the image. Checked on the manifests' module maps, by
 * loading the mapped table, and by parsing the manifest's config (every key, with its
 * default) with each image's table.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/common/errors";
import type { Protocol } from "../../src/app/config";
import { parseConfig } from "../../src/app/firmware";
import type { ProtocolTable } from "../../src/app/uplink";
import { IMAGES, projectModules, readManifest, ROOT, sections } from "./manifest-modules";

const PROTOCOLS: readonly Protocol[] = ["mqtt", "mqttsn", "coap"];

/** Per image and platform: the file mapped as the table, and the protocols it includes. */
interface Expected {
	readonly table: string;
	readonly protocols: readonly Protocol[];
}
const ALL: Expected = { table: "table", protocols: PROTOCOLS };
const MQTT: Expected = { table: "mqtt", protocols: ["mqtt"] };
const everywhere = (expected: Expected) => ({ esp: expected, esp32: expected, lin: expected });
const EXPECTED: Record<(typeof IMAGES)[number], Record<string, Expected>> = {
	"manifest.json": { esp: MQTT, esp32: ALL, lin: ALL },
	"manifest_tls.json": everywhere(MQTT),
	"manifest_mqttsn.json": everywhere({ table: "mqttsn", protocols: ["mqttsn"] }),
	"manifest_coap.json": everywhere({ table: "coap", protocols: ["coap"] }),
	"manifest_coaps.json": everywhere({ table: "coaps", protocols: ["coap"] }),
};

/**
 * The modules of each protocol's config that an image without the protocol must not carry:
 * its section, what only the section reads (MQTT-SN's sleepy timing, the timers and short
 * topics its defaults and rules use; CoAP's URI reader, with the option numbers it
 * uses, and RFC 7252 parameters).
 */
const CONFIG_MODULES: Record<Protocol, readonly string[]> = {
	mqtt: ["app/config-mqtt"],
	mqttsn: ["app/config-mqttsn", "app/sleepy-mqttsn-timing", "mqttsn/timers", "mqttsn/short-topic"],
	coap: ["app/config-coap", "coap/uri", "coap/types"],
};

/** What each protocol needs beside the manifest's defaults to start. */
const NEEDS: Record<Protocol, Record<string, unknown>> = {
	mqtt: { broker: "mqtt://127.0.0.1" },
	mqttsn: { protocol: "mqttsn", gateway: "udp://127.0.0.1:1884" },
	coap: { protocol: "coap" },
};

/** What a protocol's section accepts only where the image has the module that runs it. */
const FEATURES = [
	{ module: "mqtt/v5/session", protocol: "mqtt", keys: { mqttVersion: "5" }, key: "mqttVersion" },
	{ module: "dtls/layer", protocol: "coap", keys: { coapPskIdentity: "lamp", coapPsk: "00112233445566778899aabbccddeeff" }, key: "coapPsk" },
] as const;

const load = async (file: string): Promise<ProtocolTable> => ((await import(join(ROOT, file))) as { PROTOCOLS: ProtocolTable }).PROTOCOLS;

function configError(run: () => unknown): ConfigError {
	try {
		run();
	} catch (error) {
		if (error instanceof ConfigError) return error;
		throw error;
	}
	throw new Error("no ConfigError");
}

for (const image of IMAGES) {
	const manifest = readManifest(image);
	for (const [platform, expected] of Object.entries(EXPECTED[image])) {
		describe(`${image} on ${platform}: the protocols ${expected.protocols.join(", ")}`, () => {
			const modules = projectModules(manifest, platform);
			const config = Object.assign({}, ...sections(manifest, platform).map((s) => s.config ?? {})) as Record<string, unknown>;
			const raw = (protocol: Protocol, keys: Record<string, unknown> = {}) => ({ ...config, ...NEEDS[protocol], clientId: "lamp-1", ssid: "net", ...keys });

			it("maps its own table of protocols, and no other table", () => {
				expect(modules.get("app/protocols/table")).toBe(`src/app/protocols/${expected.table}.ts`);
				expect([...modules.keys()].filter((name) => name.startsWith("app/protocols/"))).toEqual(["app/protocols/table"]);
			});

			it("carries the config modules of its protocols and of no other", () => {
				for (const protocol of PROTOCOLS)
					for (const name of CONFIG_MODULES[protocol]) expect(modules.has(name), `${name}`).toBe(expected.protocols.includes(protocol));
			});

			it("has a section and an uplink for each of its protocols, and nothing for the others", async () => {
				const table = await load(modules.get("app/protocols/table") ?? "");
				expect(PROTOCOLS.filter((p) => table[p] !== undefined)).toEqual(expected.protocols);
				for (const protocol of expected.protocols) expect([typeof table[protocol]?.section, typeof table[protocol]?.uplink]).toEqual(["function", "function"]);
			});

			it("parses the manifest's config (every protocol's keys) for its protocols, and refuses the others naming protocol", async () => {
				const table = await load(modules.get("app/protocols/table") ?? "");
				expect(Object.keys(config)).toEqual(expect.arrayContaining(["gateway", "tRetry", "blockSize", "coapPsk", "brokerCa"]));
				for (const protocol of PROTOCOLS) {
					if (expected.protocols.includes(protocol)) {
						const parsed = parseConfig(raw(protocol), { wifi: true }, table);
						// The full parse, as the host gives it: an image reads its protocol's keys as every image does.
						expect(parsed).toEqual(parseConfig(raw(protocol), { wifi: true }));
						expect(parsed.protocol).toBe(protocol);
					} else {
						const error = configError(() => parseConfig(raw(protocol), { wifi: true }, table));
						expect([error.key, error.expected]).toEqual(["protocol", `one of the protocols this image includes: ${expected.protocols.join(", ")}`]);
					}
				}
			});

			it("accepts MQTT 5 and coaps exactly where it carries the module that runs them, refusing them naming the key", async () => {
				const table = await load(modules.get("app/protocols/table") ?? "");
				for (const feature of FEATURES) {
					const run = () => parseConfig(raw(feature.protocol, feature.keys), { wifi: true }, table);
					if (!expected.protocols.includes(feature.protocol)) expect(configError(run).key).toBe("protocol");
					else if (modules.has(feature.module)) expect(run().protocol).toBe(feature.protocol);
					else expect(configError(run).key).toBe(feature.key);
				}
			});
		});
	}
}
