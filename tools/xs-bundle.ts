/**
 * Bundles TypeScript for the XS engine with esbuild: one classic script, no imports, the
 * portable test API replaced by the XS harness. A Node API reached from the entry fails
 * the bundle (platform "neutral"), which is one more proof that src/ is portable.
 *
 * A module named `*-fixtures` is made in Node (it may run openssl, say) and reaches XS as
 * data: esbuild gets a module exporting the values it exported, Uint8Arrays included.
 */
import { build } from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { preloadedExports } from "./xs-preload";

const HARNESS = fileURLToPath(new URL("../host-tests/xs/harness.ts", import.meta.url));

/** JavaScript source for a fixture value: plain data (objects, arrays, numbers, strings, Uint8Arrays). */
function literal(value: unknown): string {
	if (value instanceof Uint8Array) return `h("${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex")}")`;
	if (Array.isArray(value)) return `[${value.map(literal).join(",")}]`;
	if (value === undefined) return "undefined";
	if (value !== null && typeof value === "object")
		return `{${Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}:${literal(item)}`).join(",")}}`;
	if (typeof value === "function" || typeof value === "symbol" || typeof value === "bigint") throw new Error(`fixtures are data; got a ${typeof value}`);
	return JSON.stringify(value);
}

async function fixtureModule(path: string): Promise<string> {
	const exports = (await import(path)) as Record<string, unknown>;
	const hex = "const h = (s) => { const b = new Uint8Array(s.length / 2); for (let i = 0; i < b.length; i++) b[i] = parseInt(s.substr(2 * i, 2), 16); return b; };";
	return [hex, ...Object.entries(exports).map(([name, value]) => `export const ${name} = ${literal(value)};`)].join("\n");
}

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
					builder.onResolve({ filter: /-fixtures$/ }, (args) => ({ path: join(args.resolveDir, `${args.path}.ts`), namespace: "node-fixtures" }));
					builder.onLoad({ filter: /.*/, namespace: "node-fixtures" }, async (args) => ({
						contents: await fixtureModule(args.path),
						loader: "js",
						resolveDir: dirname(args.path),
					}));
				},
			},
		],
	});
	return result.outputFiles[0].text;
}
