/**
 * Each image parses the config sections of the protocols it includes and no other, as it
 * runs only their uplinks: the manifest maps `app/config-sections/table` beside
 * `app/uplinks/table`, per image and per platform, and leaves the other protocols' section
 * modules (and the protocol modules only they import) out of the image. Checked on the
 * manifests' module maps, by loading the mapped tables, and by parsing the manifest's
 * config (every key, with its default) with each image's sections.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/common/errors";
import { parseConfig, type Protocol } from "../../src/app/config";
import type { ConfigSections } from "../../src/app/config-sections/table";
import type { UplinkTable } from "../../src/app/uplink";
import { IMAGES, projectModules, readManifest, ROOT, sections } from "./manifest-modules";

const PROTOCOLS: readonly Protocol[] = ["mqtt", "mqttsn", "coap"];

/** Per image and platform: the files mapped as the two tables, and the protocols they include. */
interface Expected {
	readonly uplinks: string;
	readonly sections: string;
	readonly protocols: readonly Protocol[];
}
const ALL: Expected = { uplinks: "table", sections: "table", protocols: PROTOCOLS };
const MQTT: Expected = { uplinks: "mqtt", sections: "mqtt", protocols: ["mqtt"] };
const EXPECTED: Record<(typeof IMAGES)[number], Record<string, Expected>> = {
	"manifest.json": { esp: MQTT, esp32: ALL, lin: ALL },
	"manifest_tls.json": { esp: MQTT, esp32: MQTT, lin: MQTT },
	"manifest_mqttsn.json": Object.fromEntries(["esp", "esp32", "lin"].map((p) => [p, { uplinks: "mqttsn", sections: "mqttsn", protocols: ["mqttsn"] }])),
	"manifest_coap.json": Object.fromEntries(["esp", "esp32", "lin"].map((p) => [p, { uplinks: "coap", sections: "coap", protocols: ["coap"] }])),
	"manifest_coaps.json": Object.fromEntries(["esp", "esp32", "lin"].map((p) => [p, { uplinks: "coaps", sections: "coap", protocols: ["coap"] }])),
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
	coap: ["app/config-coap", "coap/uri", "coap/option-numbers", "coap/parameters"],
};

/** What each protocol needs beside the manifest's defaults to start. */
const NEEDS: Record<Protocol, Record<string, unknown>> = {
	mqtt: { broker: "mqtt://127.0.0.1" },
	mqttsn: { protocol: "mqttsn", gateway: "udp://127.0.0.1:1884" },
	coap: { protocol: "coap" },
};

const load = async <T>(file: string): Promise<T> => (await import(join(ROOT, file))) as T;

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
		describe(`${image} on ${platform}: the config sections of ${expected.protocols.join(", ")}`, () => {
			const modules = projectModules(manifest, platform);

			it("maps its own table of sections beside its table of uplinks", () => {
				expect(modules.get("app/config-sections/table")).toBe(`src/app/config-sections/${expected.sections}.ts`);
				expect(modules.get("app/uplinks/table")).toBe(`src/app/uplinks/${expected.uplinks}.ts`);
			});

			it("carries the config modules of its protocols and of no other", () => {
				for (const protocol of PROTOCOLS)
					for (const name of CONFIG_MODULES[protocol]) expect(modules.has(name), `${name}`).toBe(expected.protocols.includes(protocol));
			});

			it("parses the same protocols it has uplinks for", async () => {
				const { SECTIONS } = await load<{ SECTIONS: ConfigSections }>(modules.get("app/config-sections/table") ?? "");
				const { UPLINKS } = await load<{ UPLINKS: UplinkTable }>(modules.get("app/uplinks/table") ?? "");
				expect(PROTOCOLS.filter((p) => SECTIONS[p] !== undefined)).toEqual(expected.protocols);
				expect(PROTOCOLS.filter((p) => UPLINKS[p] !== undefined)).toEqual(expected.protocols);
			});

			it("parses the manifest's config (every protocol's keys) for its protocols, and refuses the others naming protocol", async () => {
				const { SECTIONS } = await load<{ SECTIONS: ConfigSections }>(modules.get("app/config-sections/table") ?? "");
				const config = Object.assign({}, ...sections(manifest, platform).map((s) => s.config ?? {})) as Record<string, unknown>;
				expect(Object.keys(config)).toEqual(expect.arrayContaining(["gateway", "tRetry", "blockSize", "coapPsk", "brokerCa"]));
				for (const protocol of PROTOCOLS) {
					const raw = { ...config, ...NEEDS[protocol], clientId: "lamp-1", ssid: "net" };
					if (expected.protocols.includes(protocol)) {
						const parsed = parseConfig(raw, { wifi: true }, SECTIONS);
						// The full parse, as the host gives it: an image reads its protocol's keys as every image does.
						expect(parsed).toEqual(parseConfig(raw, { wifi: true }));
						expect(parsed.protocol).toBe(protocol);
					} else {
						const error = configError(() => parseConfig(raw, { wifi: true }, SECTIONS));
						expect([error.key, error.expected]).toEqual(["protocol", `one of the protocols this image includes: ${expected.protocols.join(", ")}`]);
					}
				}
			});
		});
	}
}
