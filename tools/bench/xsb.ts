/**
 * Release bytecode (`.xsb`) of the project's modules, compiled as mcconfig does: tsc with
 * its generated tsconfig (target and lib es2025, module preserve, source maps), then the
 * SDK's `xsc -c -e` (no `-d`: release) per module. Undefined without MODDABLE.
 *
 * Run directly to print every module's size: `MODDABLE=<sdk> npx tsx tools/bench/xsb.ts
 * src/mqttsn src/coap ...` (default: src/mqttsn src/coap src/common src/tls src/mqtt), or
 * `... xsb.ts --image manifest.json esp` for every project module of one image.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { IMAGES, projectModules, readManifest } from "../../host-tests/static/manifest-modules";
import { row, type Row } from "./measure";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface XsbSizes {
	total: number;
	/** bytes per module, by its path relative to the root, without extension */
	files: Record<string, number>;
}

/** The `.xsb` of each file (`.ts` relative to the root; `.js` relative or absolute). */
export function xsbOfFiles(sources: readonly string[], sdk: string | undefined = process.env.MODDABLE): XsbSizes | undefined {
	const xsc = sdk ? join(sdk, "build/bin/lin/release/xsc") : undefined;
	if (!xsc || !existsSync(xsc)) return undefined;
	const out = mkdtempSync(join(tmpdir(), "xsb-"));
	try {
		const typescript = sources.filter((f) => f.endsWith(".ts"));
		const tsc = join(ROOT, "node_modules/.bin/tsc");
		execFileSync(tsc, ["--ignoreConfig", "--target", "es2025", "--lib", "es2025", "--module", "preserve", "--sourceMap", "--noCheck", "--skipLibCheck", "--rootDir", ROOT, "--outDir", join(out, "js"), ...typescript.map((f) => join(ROOT, f))]);
		const files: Record<string, number> = {};
		let total = 0;
		for (const source of sources) {
			const name = source.slice(0, -3);
			const js = source.endsWith(".ts") ? join(out, "js", `${name}.js`) : resolve(ROOT, source);
			const xsb = join(out, `${name.replaceAll("/", "+")}.xsb`);
			execFileSync(xsc, [js, "-c", "-e", "-o", out, "-r", name.replaceAll("/", "+")], { stdio: "pipe" });
			files[name] = statSync(xsb).size;
			total += files[name];
		}
		return { total, files };
	} finally {
		rmSync(out, { recursive: true, force: true });
	}
}

/** The `.xsb` of every module directly in `folder`, by file name without extension. */
export function xsbSizes(folder: string, sdk: string | undefined = process.env.MODDABLE): XsbSizes | undefined {
	const names = readdirSync(join(ROOT, folder)).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")).sort();
	const sizes = xsbOfFiles(names.map((f) => `${folder}/${f}`), sdk);
	if (!sizes) return undefined;
	const files: Record<string, number> = {};
	for (const [path, bytes] of Object.entries(sizes.files)) files[path.slice(folder.length + 1)] = bytes;
	return { total: sizes.total, files };
}

/**
 * The project's bytecode in one image: every module of ours that `manifest` maps on
 * `platform` (mcconfig compiles each mapped module into the image, imported or not).
 */
export function imageXsb(manifest: string, platform: string, sdk: string | undefined = process.env.MODDABLE): XsbSizes | undefined {
	const files = [...projectModules(readManifest(manifest), platform).values()].sort();
	return xsbOfFiles(files, sdk);
}

/**
 * Issue 14's target: the project's bytecode in the ESP8266 images a third under the ~172 KB
 * it had when the issue was filed, so the debug image fits the 1 MB code region with room.
 */
const IMAGE_TARGET = Math.round((172 * 1024 * 2) / 3);

/** One row per image the project builds for the ESP8266 (bench `xs.image.*.xsb`). */
export async function imageRows(): Promise<Row[]> {
	const rows: Row[] = [];
	for (const manifest of IMAGES) {
		const sizes = imageXsb(manifest, "esp");
		const id = `xs.image.${manifest.replace(/^manifest_?|\.json$/g, "") || "default"}.xsb`;
		rows.push(row(id, `bytes of .xsb, every project module ${manifest} maps on esp`, false, sizes?.total ?? Number.NaN, null, sizes ? `<= ${IMAGE_TARGET}` : "needs MODDABLE"));
	}
	return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
	const image = process.argv[2] === "--image";
	const parts = image ? [process.argv.slice(3, 5).join(" ") || "manifest.json esp"] : process.argv.length > 2 ? process.argv.slice(2) : ["src/mqttsn", "src/coap", "src/common", "src/tls", "src/mqtt"];
	let all = 0;
	for (const part of parts) {
		const [manifest, platform] = part.split(" ");
		const sizes = image ? imageXsb(manifest, platform ?? "esp") : xsbSizes(part);
		if (!sizes) {
			process.stdout.write("needs MODDABLE=<built Moddable SDK>\n");
			process.exit(1);
		}
		all += sizes.total;
		process.stdout.write(`${part}\t${sizes.total}\n`);
		for (const [name, bytes] of Object.entries(sizes.files).sort((a, b) => b[1] - a[1])) process.stdout.write(`  ${String(bytes).padStart(6)}  ${name}\n`);
	}
	if (!image) process.stdout.write(`all\t${all}\n`);
}
