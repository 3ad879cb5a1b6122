/**
 * The host board's configuration: the manifest's "config" (what a device would get from
 * mc/config) with overrides from the command line, as `mcconfig ... key=value` does.
 */
import { existsSync, readFileSync } from "node:fs";
import type { RawConfig } from "../../src/app/config-reader";

/** The manifests' "config" part (manifests/config.json), which every image includes. */
export const MANIFEST_PATH = new URL("../../manifests/config.json", import.meta.url);

export function manifestConfig(): Record<string, unknown> {
	const manifest = JSON.parse(readFileSync(MANIFEST_PATH, "utf8")) as { config?: Record<string, unknown> };
	return { ...manifest.config };
}

/** Keys that name a PEM file on the host (a resource name on a device): the CA, our certificate, its key. */
const PEM_FILES = ["brokerCa", "brokerCert", "brokerKey"] as const;

/**
 * Applies `key=value` overrides. On the host, `brokerCa`, `brokerCert` and `brokerKey`
 * name PEM files, which are read here so the board gets the PEM text itself (a device
 * gets resource names instead). The key's text is passed on, never printed.
 */
export function hostConfig(overrides: readonly string[], base: RawConfig = manifestConfig()): RawConfig {
	const config: Record<string, unknown> = { ...base };
	for (const override of overrides) {
		const equals = override.indexOf("=");
		if (equals <= 0) throw new Error(`override "${override}" is not key=value`);
		config[override.slice(0, equals)] = override.slice(equals + 1);
	}
	for (const key of PEM_FILES) {
		const path = config[key];
		if (typeof path === "string" && path !== "" && existsSync(path)) config[key] = readFileSync(path, "utf8");
	}
	return config;
}
