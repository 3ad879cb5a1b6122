/**
 * Runs every portable suite (host-tests/portable) inside Moddable's XS engine, the
 * engine on the device, and reports each XS test as a vitest test of its own. It also
 * loads the same suites in Node with the test API swapped for a counter, so the XS run
 * must have run exactly the tests Node's portable run registers, by name.
 */
import { readdirSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";
import { bundleForXs } from "../../tools/xs-bundle";
import { FREEZE_AS_PRELOAD } from "../../tools/xs-preload";
import { XsMachine } from "../../tools/xsnap";
import type { XsTestResult } from "./harness";

const PORTABLE = fileURLToPath(new URL("../portable/", import.meta.url));
const suites = readdirSync(PORTABLE).filter((name) => name.endsWith(".test.ts")).sort();

/** Names of the tests the portable suites register in Node, as the XS harness names them. */
const registered = vi.hoisted(() => ({ names: [] as string[] }));
vi.mock("../portable/test-api", () => {
	const path: string[] = [];
	return {
		describe: (name: string, body: () => void) => {
			path.push(name);
			try {
				body();
			} finally {
				path.pop();
			}
		},
		it: (name: string) => void registered.names.push([...path, name].join(" > ")),
		check: () => {
			throw new Error("a portable test body ran while its tests were being counted");
		},
	};
});

/** Loads every portable suite in Node with the counting test API above. */
async function portableTestsInNode(): Promise<string[]> {
	for (const name of suites) await import(join(PORTABLE, name));
	return registered.names;
}

interface XsRun {
	readonly results: XsTestResult[];
	/** What FREEZE_AS_PRELOAD froze before the tests ran. */
	readonly preload: { builtInsFrozen: boolean; preloadedFunctions: number; preloadedFrozen: boolean };
}

async function runPortableSuitesInXs(): Promise<XsRun> {
	const entry = [
		`import { runAll } from "../xs/harness";`,
		...suites.map((name) => `import "./${name}";`),
		// Imports run first; then the runtime is frozen as the device's preload leaves it.
		FREEZE_AS_PRELOAD,
		`runAll().then((results) => { globalThis.xsResults = JSON.stringify({ results, preload: globalThis.xsPreload }); });`,
	].join("\n");
	const script = await bundleForXs(entry, PORTABLE, { preload: true });
	const dir = mkdtempSync(join(tmpdir(), "xs-tests-"));
	const machine = new XsMachine();
	try {
		const path = join(dir, "suites.js");
		writeFileSync(path, script);
		await machine.runScript(path);
		const reply = await machine.evaluate(`new TextEncoder().encode(globalThis.xsResults ?? "null").buffer`);
		const run = JSON.parse(new TextDecoder().decode(reply.result)) as XsRun | null;
		if (!run) throw new Error(`the XS run did not finish: ${machine.output}`);
		return run;
	} finally {
		await machine.close();
		rmSync(dir, { recursive: true, force: true });
	}
}

const { results, preload } = await runPortableSuitesInXs();
const inNode = await portableTestsInNode();
const passed = results.filter((r) => r.ok).length;
console.log(`XS engine (xsnap-worker): ${passed} of ${results.length} portable tests passed, from ${suites.length} suites`);

describe("XS engine", () => {
	it("ran exactly the portable tests Node registers", () => {
		expect(suites.length).toBeGreaterThan(0);
		expect(inNode.length).toBeGreaterThan(suites.length);
		const ran = new Set(results.map((r) => r.name));
		const missing = inNode.filter((name) => !ran.has(name));
		expect(missing, "registered in Node, not run in XS").toEqual([]);
		expect(results.length, "tests run in XS vs registered in Node").toBe(inNode.length);
	});
	it("ran them on a runtime frozen as Moddable's preload leaves it", () => {
		expect(preload.builtInsFrozen).toBe(true);
		expect(preload.preloadedFunctions).toBeGreaterThan(100);
		expect(preload.preloadedFrozen).toBe(true);
	});
	for (const result of results) {
		it(result.name, () => {
			if (!result.ok) throw new Error(result.error);
		});
	}
});
