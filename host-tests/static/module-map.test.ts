/**
 * Every module the firmware loads resolves on every platform the manifest builds for,
 * under the names mcconfig gives them: checked statically, so CI catches what would
 * otherwise be a "module not found" on the device. The SDK's own modules are checked
 * against the SDK manifest that provides them, which the project's manifest must include.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { IMAGES, ROOT, valueExports, imports, includes, preloaded, preloadPatterns, projectModules, readManifest, resolveName, sdkModules, type Manifest } from "./manifest-modules";

/**
 * Modules the Moddable SDK provides, and the SDK manifests that bring each in ("" = always
 * there). A module the platform's section maps to an SDK file itself ("$(...)") needs none.
 */
const TLS_SOCKET = "$(MODDABLE)/examples/io/tcp/tlssocket/manifest.json";
const SDK_MODULES: Record<string, readonly string[]> = {
	"mc/config": [""],
	timer: ["$(MODDABLE)/examples/manifest_base.json"],
	time: ["$(MODDABLE)/examples/manifest_base.json"],
	Resource: ["$(MODDABLE)/examples/manifest_base.json"],
	net: ["$(MODDABLE)/examples/manifest_net.json", TLS_SOCKET],
	wifi: ["$(MODULES)/network/wifi/manifest.json"],
	instrumentation: ["$(MODULES)/base/instrumentation/manifest.json"],
	"embedded:io/digital": ["$(MODDABLE)/modules/io/manifest.json", "$(MODULES)/io/digital/manifest.json"],
	"embedded:io/socket/tcp": ["$(MODDABLE)/modules/io/manifest.json", TLS_SOCKET],
	"embedded:io/socket/udp": ["$(MODDABLE)/modules/io/manifest.json", TLS_SOCKET],
	"embedded:io/socket/tcp/tls": [TLS_SOCKET],
	// The TLS session itself (tls-link.ts drives it).
	"ssl/session": [TLS_SOCKET, "$(MODULES)/crypt/tls_419.json"],
	// The TLS socket's manifest brings modules/crypt/tls_common.json, and with it these.
	crypt: [TLS_SOCKET, "$(MODULES)/crypt/tls_419.json", "$(MODULES)/crypt/digest/manifest.json"],
	rsa: [TLS_SOCKET, "$(MODULES)/crypt/tls_419.json"],
	ecdsa: [TLS_SOCKET, "$(MODULES)/crypt/tls_419.json"],
	curve: [TLS_SOCKET, "$(MODULES)/crypt/tls_419.json"],
	ecp: [TLS_SOCKET, "$(MODULES)/crypt/tls_419.json"],
	"pins/rmt": ["$(MODDABLE)/modules/pins/rmt/manifest.json"],
	// The XOR the SDK's WebSocket client masks with; manifests/websocket.json maps its folder with "*".
	logical: ["$(MODULES)/data/logical/*"],
};

for (const image of IMAGES) describe(`${image}: module map`, () => checkImage(readManifest(image)));

function checkImage(manifest: Manifest): void {
	const platforms = Object.keys(manifest.platforms ?? {}).filter((p) => p !== "...");
	it("builds for esp32 and esp (ESP8266)", () => {
		expect(platforms).toEqual(expect.arrayContaining(["esp32", "esp"]));
	});

	for (const platform of platforms) {
		describe(`platform ${platform}`, () => {
			const duplicates: string[] = [];
			const modules = projectModules(manifest, platform, duplicates);
			const sdkMapped = sdkModules(manifest, platform);

			it("maps each module name to one file", () => {
				expect(duplicates).toEqual([]);
			});

			it("has a main module", () => {
				expect(modules.get("main")).toMatch(/^boards\//);
			});

			it("resolves every import reachable from main, under XS's naming rules", () => {
				const { problems, seen } = unresolved(manifest, platform);
				expect(problems).toEqual([]);
				expect(seen.size).toBeGreaterThan(10);
			});

			// mcconfig type-checks each module with tsc, which follows type-only imports too and
			// reads relative ones as files, module names through this platform's map: a stub
			// mapped in for one platform must not lead tsc to a module the platform lacks.
			it("types every module mcconfig compiles: each import, type-only ones too, resolves", () => {
				const problems: string[] = [];
				const files = new Set<string>();
				const visit = (file: string) => {
					if (files.has(file) || !/\.ts$/.test(file) || file.endsWith(".d.ts")) return;
					files.add(file);
					for (const site of imports(file)) {
						const where = `${file}:${site.line} "${site.specifier}"`;
						if (site.specifier.startsWith(".")) {
							const target = join(dirname(file), site.specifier.replace(/\.js$/, ""));
							const found = [".ts", ".d.ts", ".js"].map((ext) => target + ext).find((path) => existsSync(join(ROOT, path)));
							if (found) visit(found);
							else problems.push(`${where}: no such file`);
							continue;
						}
						const name = site.specifier.replace(/\.js$/, "");
						const mapped = modules.get(name);
						if (mapped) visit(mapped);
						else if (!(name in SDK_MODULES) && !sdkMapped.has(name)) problems.push(`${where}: tsc finds no module "${name}" for ${platform}`);
					}
				};
				for (const file of modules.values()) visit(file);
				expect(problems).toEqual([]);
			});

			it("preloads only modules the image has", () => {
				const unknown = preloadPatterns(manifest, platform).filter((p) => !p.endsWith("*") && !modules.has(p) && !sdkMapped.has(p) && !(p in SDK_MODULES));
				expect(unknown).toEqual([]);
			});

			it("preloads every project module (flash, not RAM)", () => {
				const patterns = preloadPatterns(manifest, platform);
				// As mcconfig matches them: a wildcard preloads JavaScript modules only, a TypeScript one needs its name.
				const missing = [...modules.entries()].filter(([name, file]) => name !== "main" && !preloaded(patterns, name, file.endsWith(".ts"))).map(([name]) => name);
				expect(missing).toEqual([]);
			});
		});
	}
}

/**
 * Walks the imports XS loads from main on `platform`: every problem (a module the image
 * does not define, an SDK module without the manifest that provides it) and the names seen.
 */
function unresolved(manifest: Manifest, platform: string): { problems: string[]; seen: Set<string> } {
	const modules = projectModules(manifest, platform);
	const included = includes(manifest, platform);
	const sdkMapped = sdkModules(manifest, platform);
	const problems: string[] = [];
	const seen = new Set<string>();
	const visit = (name: string) => {
		if (seen.has(name)) return;
		seen.add(name);
		const file = modules.get(name);
		if (!file) return;
		for (const site of imports(file)) {
			if (site.typeOnly) continue;
			const target = resolveName(name, site.specifier);
			const where = `${file}:${site.line} "${site.specifier}"`;
			if (target === undefined) problems.push(`${where} climbs above the module root (module "${name}")`);
			else if (modules.has(target)) visit(target);
			else if (sdkMapped.has(target)) continue; // mapped to an SDK file by the manifest itself
			else if (target in SDK_MODULES) {
				const providers = SDK_MODULES[target];
				const provided = providers.includes("") || sdkMapped.has(target) || providers.some((p) => included.includes(p));
				if (!provided) problems.push(`${where}: SDK module needs one of ${providers.join(", ")} in the manifest's include`);
			} else problems.push(`${where} resolves to module "${target}", which the manifest does not define for ${platform}`);
		}
	};
	visit("main");
	return { problems, seen };
}

describe("what each image includes, per platform", () => {
	const full = readManifest("manifest.json");
	const tls = readManifest("manifest_tls.json");
	const coaps = readManifest("manifest_coaps.json");
	const mqttsn = readManifest("manifest_mqttsn.json");
	const coap = readManifest("manifest_coap.json");
	/**
	 * What every image needs of the protocols (manifests/core.json: MQTT's topic rules, which
	 * the config reader checks topics with) is in every image; the rest of each protocol is
	 * not, its config section neither (image-sections.test.ts).
	 */
	const configNeeds = (name: string) => projectModules(readManifest("manifests/core.json"), "esp").has(name);
	const names = (manifest: Manifest, platform: string) => [...projectModules(manifest, platform).keys()];
	const part = (prefix: string) => (n: string) => n.startsWith(prefix) && !configNeeds(n);
	const adapters = (allowed: readonly string[]) => (n: string) => n.startsWith("app/adapters/") && !allowed.includes(n);

	for (const platform of ["esp32", "lin"]) {
		it(`manifest.json on ${platform}: everything, MQTT 5 and DTLS too, with the board's crypto`, () => {
			const modules = projectModules(full, platform);
			expect(modules.get("app/protocols/table")).toBe("src/app/protocols/table.ts");
			expect([...modules.keys()]).toEqual(expect.arrayContaining(["mqtt/client", "mqtt/v5/session", "mqttsn/client", "coap/client", "coap/server", "dtls/layer", "app/adapters/mqttsn", "app/adapters/coap"]));
			expect(modules.get("moddable/crypto")).toBe("boards/moddable/crypto.ts");
		});
	}
	it("manifest.json on esp (ESP8266): MQTT 3.1.1 only, without the SDK's crypt natives", () => {
		const modules = projectModules(full, "esp");
		expect(modules.get("app/protocols/table")).toBe("src/app/protocols/mqtt.ts");
		const out = [part("mqttsn/"), part("coap/"), part("dtls/"), part("mqtt/v5/"), adapters(["app/adapters/mqtt"])];
		expect([...modules.keys()].filter((n) => out.some((f) => f(n)))).toEqual([]);
		expect([...modules.keys()]).toEqual(expect.arrayContaining(["mqtt/client", "app/adapters/mqtt"]));
		expect(modules.get("moddable/crypto")).toBe("boards/esp8266/no-crypto.ts");
		expect(includes(full, "esp").filter((i) => i.startsWith("$(MODULES)/crypt/"))).toEqual([]);
	});
	for (const platform of ["esp", "esp32", "lin"]) {
		it(`manifest_tls.json on ${platform}: MQTT 3.1.1 only, no MQTT-SN, CoAP or DTLS module config does not need`, () => {
			const list = names(tls, platform);
			const out = [part("mqttsn/"), part("coap/"), part("dtls/"), part("mqtt/v5/"), adapters(["app/adapters/mqtt"])];
			expect(list.filter((n) => out.some((f) => f(n)))).toEqual([]);
			expect(list).toEqual(expect.arrayContaining(["mqtt/client", "app/adapters/mqtt", "app/protocols/table"]));
			expect(projectModules(tls, platform).get("app/protocols/table")).toBe("src/app/protocols/mqtt.ts");
		});
		it(`manifest_mqttsn.json on ${platform}: MQTT-SN only`, () => {
			const modules = projectModules(mqttsn, platform);
			const out = [part("mqtt/"), part("coap/"), part("dtls/"), adapters(["app/adapters/mqttsn"])];
			expect([...modules.keys()].filter((n) => out.some((f) => f(n)))).toEqual([]);
			expect([...modules.keys()]).toEqual(expect.arrayContaining(["mqttsn/client", "app/adapters/mqttsn"]));
			expect(modules.get("app/protocols/table")).toBe("src/app/protocols/mqttsn.ts");
		});
		it(`manifest_coap.json on ${platform}: plain CoAP only, no DTLS`, () => {
			const modules = projectModules(coap, platform);
			const out = [part("mqtt/"), part("mqttsn/"), part("dtls/"), adapters(["app/adapters/coap", "app/adapters/coap-state"])];
			expect([...modules.keys()].filter((n) => out.some((f) => f(n)))).toEqual([]);
			expect([...modules.keys()]).toEqual(expect.arrayContaining(["coap/client", "coap/server", "app/adapters/coap"]));
			expect(modules.get("app/protocols/table")).toBe("src/app/protocols/coap.ts");
		});
		it(`manifest_coaps.json on ${platform}: CoAP and DTLS only, with the board's crypto`, () => {
			const modules = projectModules(coaps, platform);
			const out = [part("mqtt/"), part("mqttsn/"), adapters(["app/adapters/coap", "app/adapters/coap-state"])];
			expect([...modules.keys()].filter((n) => out.some((f) => f(n)))).toEqual([]);
			expect([...modules.keys()]).toEqual(expect.arrayContaining(["coap/client", "coap/server", "dtls/layer", "app/adapters/coap"]));
			expect(modules.get("app/protocols/table")).toBe("src/app/protocols/coaps.ts");
			expect(modules.get("moddable/crypto")).toBe("boards/moddable/crypto.ts");
		});
	}
	it("manifest_coaps.json on esp brings the SDK's crypt natives the board's crypto needs", () => {
		expect(includes(coaps, "esp")).toContain("$(MODULES)/crypt/digest/manifest.json");
	});
	it("the check fails for an image that lacks a module it imports (DTLS taken out of manifest_coaps.json)", () => {
		const { "dtls/*": _dtls, ...rest } = coaps.modules ?? {};
		for (const platform of ["esp", "esp32", "lin"]) {
			const { problems } = unresolved({ ...coaps, modules: rest }, platform);
			expect(problems.some((p) => p.includes(`resolves to module "dtls/layer"`))).toBe(true);
		}
	});
	it("every table of protocols exports PROTOCOLS", () => {
		for (const table of ["table", "mqtt", "mqttsn", "coap", "coaps"]) expect(valueExports(`src/app/protocols/${table}.ts`)).toEqual(["PROTOCOLS"]);
	});
});

describe("XS module name resolution", () => {
	it("resolves relative specifiers against the importer's name, dropping .js", () => {
		expect(resolveName("mqtt/session", "./codec")).toBe("mqtt/codec");
		expect(resolveName("mqtt/session", "./codec.js")).toBe("mqtt/codec");
		expect(resolveName("app/firmware", "../mqtt/client")).toBe("mqtt/client");
		expect(resolveName("main", "./x")).toBe("x");
		expect(resolveName("main", "../../src/app/firmware")).toBeUndefined();
		expect(resolveName("moddable/board", "timer")).toBe("timer");
	});
});
