/**
 * The host firmware (boards/host/main.ts) as one bundle, so each run is a plain `node` start
 * (tens of ms, as a chip's boot is short) for the suites that kill and restart it. It sits in
 * the repository's build/ so the host board finds manifest.json beside it, and npm packages
 * stay outside the bundle (resolved from node_modules at run time): some are CommonJS that
 * `require` Node's built-ins, which an ES module bundle cannot do (ws: "Dynamic require of
 * events is not supported").
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** Bundles the host firmware into build/<name>/main.mjs and returns that path. */
export async function bundleHostFirmware(name: string): Promise<string> {
	const out = join(ROOT, "build", name);
	mkdirSync(out, { recursive: true });
	const firmware = join(out, "main.mjs");
	await build({ entryPoints: [join(ROOT, "boards/host/main.ts")], bundle: true, packages: "external", platform: "node", format: "esm", target: "node20", outfile: firmware, logLevel: "silent" });
	return firmware;
}
