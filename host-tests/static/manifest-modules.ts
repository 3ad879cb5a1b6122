/**
 * How Moddable's mcconfig and XS name and find the firmware's modules, modelled from
 * manifest.json, so tests can check without the SDK that every import resolves at run
 * time on every platform (module names are where Moddable projects break: see
 * ARCHITECTURE.md).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import ts from "typescript";

export const ROOT = join(import.meta.dirname, "../..");

type OneOrMany = string | string[];
interface Section {
	include?: OneOrMany;
	modules?: Record<string, OneOrMany>;
	preload?: OneOrMany;
	config?: Record<string, unknown>;
	error?: string;
}
export interface Manifest extends Section {
	platforms?: Record<string, Section>;
}

const list = (value: OneOrMany | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

export function readManifest(): Manifest {
	const manifest = JSON.parse(readFileSync(join(ROOT, "manifest.json"), "utf8")) as Manifest;
	// The project's own parts (manifests/*.json), merged as mcconfig does: their paths are relative to the part.
	for (const part of list(manifest.include).filter((p) => !p.startsWith("$("))) {
		const section = JSON.parse(readFileSync(join(ROOT, part), "utf8")) as Section;
		const base = dirname(part);
		const modules = (manifest.modules ??= {});
		for (const [name, target] of Object.entries(section.modules ?? {})) modules[name] = list(target).map((t) => (t.startsWith("$(") ? t : "./" + posix.join(base, t)));
		manifest.preload = [...list(manifest.preload), ...list(section.preload)];
	}
	return manifest;
}

/** The sections mcconfig merges for `platform`: the top level and the platform's own. */
export function sections(manifest: Manifest, platform: string): Section[] {
	const own = manifest.platforms?.[platform] ?? manifest.platforms?.["..."];
	return own ? [manifest, own] : [manifest];
}

/** The project's modules on `platform`: module name -> source file (relative to ROOT). */
export function projectModules(manifest: Manifest, platform: string): Map<string, string> {
	const modules = new Map<string, string>();
	for (const section of sections(manifest, platform)) {
		for (const [name, targets] of Object.entries(section.modules ?? {})) {
			for (const target of list(targets)) {
				if (target.startsWith("$(")) continue;
				const path = posix.normalize(target);
				if (name.endsWith("*") && path.endsWith("*")) {
					const folder = dirname(path);
					if (!existsSync(join(ROOT, folder))) continue;
					for (const file of readdirSync(join(ROOT, folder))) {
						const match = /^(.*)\.(ts|js)$/.exec(file);
						if (match && !file.endsWith(".d.ts")) modules.set(name.slice(0, -1) + match[1], posix.join(folder, file));
					}
				} else {
					for (const extension of [".ts", ".js"]) if (existsSync(join(ROOT, path + extension))) modules.set(name, path + extension);
				}
			}
		}
	}
	return modules;
}

export function preloadPatterns(manifest: Manifest, platform: string): string[] {
	return sections(manifest, platform).flatMap((s) => list(s.preload));
}

export function includes(manifest: Manifest, platform: string): string[] {
	return sections(manifest, platform).flatMap((s) => list(s.include));
}

/**
 * True if a preload pattern ("mqtt/*" or an exact name) covers `name`. mcconfig matches a
 * wildcard against JavaScript modules only (its filterPreload), so a TypeScript module
 * (`typescript` true) is preloaded only under its exact name; otherwise it is silently
 * loaded into RAM at run time.
 */
export function preloaded(patterns: readonly string[], name: string, typescript = false): boolean {
	return patterns.some((p) => (p.endsWith("*") ? !typescript && name.startsWith(p.slice(0, -1)) : p === name));
}

/** Module names the platform's sections map to SDK files ("$(...)") themselves. */
export function sdkModules(manifest: Manifest, platform: string): Set<string> {
	const names = new Set<string>();
	for (const section of sections(manifest, platform))
		for (const [name, targets] of Object.entries(section.modules ?? {})) if (list(targets).some((t) => t.startsWith("$("))) names.add(name);
	return names;
}

export interface ImportSite {
	readonly specifier: string;
	/** `import type` / `export type`: erased by the compiler, never loaded. */
	readonly typeOnly: boolean;
	readonly line: number;
}

/** Every static import and re-export in a source file. */
export function imports(file: string): ImportSite[] {
	const text = readFileSync(join(ROOT, file), "utf8");
	const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
	const sites: ImportSite[] = [];
	for (const statement of source.statements) {
		if ((ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)) {
			const typeOnly = ts.isImportDeclaration(statement) ? statement.importClause?.isTypeOnly === true : statement.isTypeOnly;
			sites.push({ specifier: statement.moduleSpecifier.text, typeOnly, line: source.getLineAndCharacterOfPosition(statement.getStart(source)).line + 1 });
		}
	}
	return sites;
}

/**
 * The module name XS loads for `specifier` imported by module `importer`: relative
 * specifiers resolve against the importer's name (not its file path), ".js" is dropped.
 * Returns undefined for a relative path that climbs above the root of names.
 */
export function resolveName(importer: string, specifier: string): string | undefined {
	const bare = specifier.replace(/\.js$/, "");
	if (!bare.startsWith("./") && !bare.startsWith("../")) return bare;
	const base = importer.includes("/") ? importer.slice(0, importer.lastIndexOf("/")) : "";
	const parts = base ? base.split("/") : [];
	for (const part of bare.split("/")) {
		if (part === ".") continue;
		if (part === "..") {
			if (parts.length === 0) return undefined;
			parts.pop();
		} else parts.push(part);
	}
	return parts.join("/");
}
