/**
 * What Moddable's preload does to a firmware image, applied to an XS test bundle, so the
 * portable suites run on a runtime shaped like the device's. After the preload phase the
 * XS linker freezes the prototypes of the built-ins and every function, built-in or from a
 * preloaded module, class constructors included (documentation/xs/preload.md, "Automatic
 * Freezing of Built-ins"). Code that works on an unfrozen engine can throw there: the
 * override mistake (`this.name = ...` in an Error subclass) is the classic case.
 */
import { readFile } from "node:fs/promises";
import type { Plugin } from "esbuild";

/** The firmware's modules, preloaded into flash on the device. */
const PRELOADED = /\/(src|boards)\/.+\.ts$/;
const EXPORTED = /^export\s+(?:default\s+)?(?:abstract\s+)?(?:class|function\*?|async\s+function|const(?!\s+enum\b)|let)\s+([A-Za-z_$][\w$]*)/gm;

/** Registers every exported function and class of the preloaded modules for freezing (not a `const enum`, which is no function). */
export const preloadedExports: Plugin = {
	name: "preloaded-exports",
	setup(builder) {
		builder.onLoad({ filter: PRELOADED }, async ({ path }) => {
			const source = await readFile(path, "utf8");
			const names = [...source.matchAll(EXPORTED)].map((match) => match[1]);
			if (names.length === 0) return undefined;
			return { contents: `${source}\n;(globalThis.__preloaded ??= []).push(${names.join(", ")});\n`, loader: "ts" };
		});
	},
};

/**
 * Script text that freezes, once every module has run: the registered functions of the
 * preloaded modules, then everything reachable from the global object's built-ins (their
 * prototypes, methods and accessors). It leaves `globalThis.xsPreload` saying what it froze,
 * so the test run can prove it ran on a frozen runtime.
 */
export const FREEZE_AS_PRELOAD = `
{
	const preloaded = (globalThis.__preloaded ?? []).filter((value) => typeof value === "function");
	// A class's prototype and its methods too: assigning an instance property that a frozen
	// prototype holds (\`this.publish = ...\` over a method) throws there (the override mistake).
	for (const fn of preloaded) {
		Object.freeze(fn);
		const prototype = fn.prototype;
		if (!prototype) continue;
		for (const key of Reflect.ownKeys(prototype)) {
			const property = Object.getOwnPropertyDescriptor(prototype, key);
			if (property && typeof property.value === "function") Object.freeze(property.value);
		}
		Object.freeze(prototype);
	}
	// The global object itself stays open, as on the device (globalThis.globalThis is it).
	const seen = new Set([globalThis]);
	const freeze = (value) => {
		if ((typeof value !== "object" && typeof value !== "function") || value === null || seen.has(value)) return;
		seen.add(value);
		Object.freeze(value);
		for (const key of Reflect.ownKeys(value)) {
			const property = Object.getOwnPropertyDescriptor(value, key);
			if (!property) continue;
			if ("value" in property) freeze(property.value);
			else (freeze(property.get), freeze(property.set));
		}
		freeze(Object.getPrototypeOf(value));
	};
	for (const key of Reflect.ownKeys(globalThis)) {
		if (key === "__preloaded") continue;
		freeze(Object.getOwnPropertyDescriptor(globalThis, key)?.value);
	}
	globalThis.xsPreload = {
		builtInsFrozen: Object.isFrozen(Error.prototype) && Object.isFrozen(Object.prototype),
		preloadedFunctions: preloaded.length,
		preloadedFrozen: preloaded.every((fn) => Object.isFrozen(fn) && (!fn.prototype || Object.isFrozen(fn.prototype))),
	};
}
`;
