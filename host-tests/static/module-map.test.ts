/**
 * Every module the firmware loads resolves on every platform the manifest builds for,
 * under the names mcconfig gives them: checked statically, so CI catches what would
 * otherwise be a "module not found" on the device. The SDK's own modules are checked
 * against the SDK manifest that provides them, which the project's manifest must include.
 */
import { describe, expect, it } from "vitest";
import { imports, includes, preloaded, preloadPatterns, projectModules, readManifest, resolveName } from "./manifest-modules";

/** Modules the Moddable SDK provides, and the SDK manifest that brings each in ("" = always there). */
const SDK_MODULES: Record<string, string> = {
	"mc/config": "",
	timer: "$(MODDABLE)/examples/manifest_base.json",
	time: "$(MODDABLE)/examples/manifest_base.json",
	Resource: "$(MODDABLE)/examples/manifest_base.json",
	net: "$(MODDABLE)/examples/manifest_net.json",
	"embedded:io/digital": "$(MODDABLE)/modules/io/manifest.json",
	"embedded:io/socket/tcp": "$(MODDABLE)/modules/io/manifest.json",
	"embedded:io/socket/udp": "$(MODDABLE)/modules/io/manifest.json",
	"embedded:io/socket/tcp/tls": "$(MODDABLE)/examples/io/tcp/tlssocket/manifest.json",
	// The TLS session itself (modules/crypt/tls_419.json, which the tlssocket manifest includes).
	"ssl/session": "$(MODDABLE)/examples/io/tcp/tlssocket/manifest.json",
	"pins/rmt": "$(MODDABLE)/modules/pins/rmt/manifest.json",
};

const manifest = readManifest();
const platforms = Object.keys(manifest.platforms ?? {}).filter((p) => p !== "...");

describe("manifest module map", () => {
	it("builds for esp32 and esp (ESP8266)", () => {
		expect(platforms).toEqual(expect.arrayContaining(["esp32", "esp"]));
	});

	for (const platform of platforms) {
		describe(`platform ${platform}`, () => {
			const modules = projectModules(manifest, platform);
			const included = includes(manifest, platform);

			it("has a main module", () => {
				expect(modules.get("main")).toMatch(/^boards\//);
			});

			it("resolves every import reachable from main, under XS's naming rules", () => {
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
						else if (target in SDK_MODULES) {
							const provider = SDK_MODULES[target];
							if (provider && !included.includes(provider)) problems.push(`${where}: SDK module needs ${provider} in the manifest's include`);
						} else problems.push(`${where} resolves to module "${target}", which the manifest does not define for ${platform}`);
					}
				};
				visit("main");
				expect(problems).toEqual([]);
				expect(seen.size).toBeGreaterThan(10);
			});

			it("preloads every project module (flash, not RAM)", () => {
				const patterns = preloadPatterns(manifest, platform);
				const missing = [...modules.keys()].filter((name) => name !== "main" && !preloaded(patterns, name));
				expect(missing).toEqual([]);
			});
		});
	}
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
