/**
 * Runs every portable suite (host-tests/portable) inside Moddable's XS engine, the
 * engine on the device, and reports each XS test as a vitest test of its own.
 */
import { readdirSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { bundleForXs } from "../../tools/xs-bundle";
import { XsMachine } from "../../tools/xsnap";
import type { XsTestResult } from "./harness";

const PORTABLE = fileURLToPath(new URL("../portable/", import.meta.url));
const suites = readdirSync(PORTABLE).filter((name) => name.endsWith(".test.ts")).sort();

async function runPortableSuitesInXs(): Promise<XsTestResult[]> {
	const entry = [
		`import { runAll } from "../xs/harness";`,
		...suites.map((name) => `import "./${name}";`),
		`runAll().then((results) => { globalThis.xsResults = JSON.stringify(results); });`,
	].join("\n");
	const script = await bundleForXs(entry, PORTABLE);
	const dir = mkdtempSync(join(tmpdir(), "xs-tests-"));
	const machine = new XsMachine();
	try {
		const path = join(dir, "suites.js");
		writeFileSync(path, script);
		await machine.runScript(path);
		const reply = await machine.evaluate(`new TextEncoder().encode(globalThis.xsResults ?? "null").buffer`);
		const results = JSON.parse(new TextDecoder().decode(reply.result)) as XsTestResult[] | null;
		if (!results) throw new Error(`the XS run did not finish: ${machine.output}`);
		return results;
	} finally {
		await machine.close();
		rmSync(dir, { recursive: true, force: true });
	}
}

const results = await runPortableSuitesInXs();
const passed = results.filter((r) => r.ok).length;
console.log(`XS engine (xsnap-worker): ${passed} of ${results.length} portable tests passed, from ${suites.length} suites`);

describe("XS engine", () => {
	it("ran every portable suite", () => {
		expect(suites.length).toBeGreaterThan(0);
		expect(results.length).toBeGreaterThan(suites.length);
	});
	for (const result of results) {
		it(result.name, () => {
			if (!result.ok) throw new Error(result.error);
		});
	}
});
