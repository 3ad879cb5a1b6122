/**
 * Release bytecode (`.xsb`) of a source folder, compiled as mcconfig does: tsc with its
 * generated tsconfig (target and lib es2025, module preserve, source maps), then the
 * SDK's `xsc -c -e` (no `-d`: release) per module. Undefined without MODDABLE.
 *
 * Run directly to print every module's size: `MODDABLE=<sdk> npx tsx tools/bench/xsb.ts
 * src/mqttsn src/coap ...` (default: src/mqttsn src/coap src/common src/tls src/mqtt).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface XsbSizes {
	total: number;
	/** bytes per module, by file name without extension */
	files: Record<string, number>;
}

export function xsbSizes(folder: string, sdk: string | undefined = process.env.MODDABLE): XsbSizes | undefined {
	const xsc = sdk ? join(sdk, "build/bin/lin/release/xsc") : undefined;
	if (!xsc || !existsSync(xsc)) return undefined;
	const out = mkdtempSync(join(tmpdir(), "xsb-"));
	try {
		const names = readdirSync(join(ROOT, folder)).filter((f) => f.endsWith(".ts")).map((f) => f.slice(0, -3)).sort();
		const tsc = join(ROOT, "node_modules/.bin/tsc");
		execFileSync(tsc, ["--ignoreConfig", "--target", "es2025", "--lib", "es2025", "--module", "preserve", "--sourceMap", "--noCheck", "--skipLibCheck", "--rootDir", ROOT, "--outDir", join(out, "js"), ...names.map((n) => join(ROOT, folder, `${n}.ts`))]);
		const files: Record<string, number> = {};
		let total = 0;
		for (const name of names) {
			execFileSync(xsc, [join(out, "js", folder, `${name}.js`), "-c", "-e", "-o", out, "-r", name], { stdio: "pipe" });
			files[name] = statSync(join(out, `${name}.xsb`)).size;
			total += files[name];
		}
		return { total, files };
	} finally {
		rmSync(out, { recursive: true, force: true });
	}
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
	const folders = process.argv.length > 2 ? process.argv.slice(2) : ["src/mqttsn", "src/coap", "src/common", "src/tls", "src/mqtt"];
	let all = 0;
	for (const folder of folders) {
		const sizes = xsbSizes(folder);
		if (!sizes) {
			process.stdout.write("needs MODDABLE=<built Moddable SDK>\n");
			process.exit(1);
		}
		all += sizes.total;
		process.stdout.write(`${folder}\t${sizes.total}\n`);
		for (const [name, bytes] of Object.entries(sizes.files).sort((a, b) => b[1] - a[1])) process.stdout.write(`  ${String(bytes).padStart(6)}  ${name}\n`);
	}
	process.stdout.write(`all\t${all}\n`);
}
