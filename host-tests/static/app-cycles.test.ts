/**
 * src/app has no import cycles: the device (always-on, sleepy) sits above the uplink
 * interface, each protocol's adapter below it, and nothing below imports what is above.
 * Type-only imports count too: a cycle in types is a cycle in the design.
 */
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, imports } from "./manifest-modules";

/** Cycles among config's own files are another branch's to remove: tolerated here, not required. */
const configOnly = (cycle: string) => cycle.split(" -> ").every((file) => file.startsWith("src/app/config"));

function files(folder: string): string[] {
	return readdirSync(join(ROOT, folder), { withFileTypes: true }).flatMap((entry) =>
		entry.isDirectory() ? files(posix.join(folder, entry.name)) : entry.name.endsWith(".ts") ? [posix.join(folder, entry.name)] : [],
	);
}

function appGraph(): Map<string, string[]> {
	const graph = new Map<string, string[]>();
	for (const file of files("src/app")) {
		const targets: string[] = [];
		for (const site of imports(file)) {
			if (!site.specifier.startsWith(".")) continue;
			const target = posix.normalize(posix.join(dirname(file), site.specifier.replace(/\.js$/, ""))) + ".ts";
			if (target.startsWith("src/app/") && existsSync(join(ROOT, target))) targets.push(target);
		}
		graph.set(file, targets);
	}
	return graph;
}

/** Every cycle in `graph`, each reported once, from its smallest node. */
function cyclesIn(graph: ReadonlyMap<string, readonly string[]>): string[] {
	const cycles = new Set<string>();
	const walk = (start: string, at: string, path: string[]) => {
		for (const next of graph.get(at) ?? []) {
			if (next === start) cycles.add([...path, start].join(" -> "));
			else if (!path.includes(next) && next > start) walk(start, next, [...path, next]);
		}
	};
	for (const file of graph.keys()) walk(file, file, [file]);
	return [...cycles];
}

describe("src/app imports", () => {
	it("form no cycle", () => {
		expect(cyclesIn(appGraph()).filter((cycle) => !configOnly(cycle))).toEqual([]);
	});
	it("the check finds cycles where there are some", () => {
		const graph = new Map([["a", ["b"]], ["b", ["c", "a"]], ["c", ["a"]], ["d", ["a"]]]);
		expect(cyclesIn(graph).sort()).toEqual(["a -> b -> a", "a -> b -> c -> a"]);
	});
});
