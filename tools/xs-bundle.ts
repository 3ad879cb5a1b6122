/**
 * Bundles TypeScript for the XS engine with esbuild: one classic script, no imports, the
 * portable test API replaced by the XS harness. A Node API reached from the entry fails
 * the bundle (platform "neutral"), which is one more proof that src/ is portable.
 */
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { preloadedExports } from "./xs-preload";

const HARNESS = fileURLToPath(new URL("../host-tests/xs/harness.ts", import.meta.url));

/**
 * Bundles `source` (module text, imports resolved from `resolveDir`) into a script. With
 * `preload`, the firmware's exported functions are registered for FREEZE_AS_PRELOAD.
 */
export async function bundleForXs(source: string, resolveDir: string, options: { preload?: boolean } = {}): Promise<string> {
	const result = await build({
		stdin: { contents: source, resolveDir, loader: "ts", sourcefile: "xs-entry.ts" },
		bundle: true,
		write: false,
		format: "iife",
		platform: "neutral",
		target: "es2022",
		logLevel: "silent",
		plugins: [
			...(options.preload ? [preloadedExports] : []),
			{
				name: "portable-test-api",
				setup(builder) {
					builder.onResolve({ filter: /\/test-api$/ }, () => ({ path: HARNESS }));
				},
			},
		],
	});
	return result.outputFiles[0].text;
}
