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

/** The images the project builds: every one is checked. */
export const IMAGES = ["manifest.json", "manifest_tls.json", "manifest_mqttsn.json", "manifest_coap.json", "manifest_coaps.json"] as const;

/**
 * `file`'s manifest with the project's own includes (manifests/*.json) merged in, as
 * mcconfig merges them: modules and preloads of every part together, paths made
 * relative to ROOT, platform sections merged by platform. SDK includes ("$(...)") stay
 * listed in `include`.
 */
export function readManifest(file = "manifest.json"): Manifest {
	const merged: Manifest = {};
	mergeInto(merged, file, new Set());
	return merged;
}

/**
 * Merges `file` into `target`. A project manifest a platform section includes (`only`)
 * counts for that platform alone, as mcconfig reads it: its top level and its own section
 * for the platform go into target's section for the platform, its other platforms nowhere.
 * mcconfig reads each manifest once per build, hence `seen` per platform ("" for all).
 */
function mergeInto(target: Manifest, file: string, seen: Set<string>, only?: string): void {
	if (seen.has(`:${file}`) || seen.has(`${only ?? ""}:${file}`)) return;
	seen.add(`${only ?? ""}:${file}`);
	const manifest = JSON.parse(readFileSync(join(ROOT, file), "utf8")) as Manifest;
	const dir = dirname(file);
	const sectionFor = (platform: string): Section => {
		target.platforms ??= {};
		return (target.platforms[platform] ??= {});
	};
	const top: Section = only === undefined ? target : sectionFor(only);
	for (const include of list(manifest.include)) {
		if (include.startsWith("$(")) top.include = [...list(top.include), include];
		else mergeInto(target, posix.join(dir, include), seen, only);
	}
	mergeSection(top, manifest, dir);
	for (const [platform, section] of Object.entries(manifest.platforms ?? {})) {
		if (only !== undefined && platform !== only) continue;
		const own = sectionFor(platform);
		for (const include of list(section.include)) {
			if (include.startsWith("$(")) own.include = [...list(own.include), include];
			else mergeInto(target, posix.join(dir, include), seen, platform);
		}
		mergeSection(own, section, dir);
	}
}

function mergeSection(target: Section, section: Section, dir: string): void {
	const local = (path: string) => (path.startsWith("./") || path.startsWith("../") ? posix.join(dir, path) : path);
	for (const [name, targets] of Object.entries(section.modules ?? {})) {
		target.modules ??= {};
		target.modules[name] = [...list(target.modules[name]), ...list(targets).map(local)];
	}
	if (section.preload !== undefined) target.preload = [...list(target.preload), ...list(section.preload)];
	if (section.config !== undefined) target.config = { ...target.config, ...section.config };
	if (section.error !== undefined) target.error = section.error;
}

/** The sections mcconfig merges for `platform`: the top level and the platform's own. */
export function sections(manifest: Manifest, platform: string): Section[] {
	const own = manifest.platforms?.[platform] ?? manifest.platforms?.["..."];
	return own ? [manifest, own] : [manifest];
}

/** Project files a section excludes ("~"), without their extension, relative to ROOT. */
export function excluded(manifest: Manifest, platform: string): Set<string> {
	const out = new Set<string>();
	for (const section of sections(manifest, platform)) for (const path of list(section.modules?.["~"])) if (!path.startsWith("$(")) out.add(posix.normalize(path));
	return out;
}

/**
 * The project's modules on `platform`: module name -> source file (relative to ROOT).
 * As mcconfig does, a file excluded with "~" is never mapped, and a file is mapped under
 * the first name that claims it; `duplicates` collects names two files claim.
 */
export function projectModules(manifest: Manifest, platform: string, duplicates: string[] = []): Map<string, string> {
	const modules = new Map<string, string>();
	const skip = excluded(manifest, platform);
	const claimed = new Set<string>();
	const add = (name: string, file: string) => {
		if (skip.has(file.replace(/\.(ts|js)$/, "")) || claimed.has(file)) return;
		claimed.add(file);
		if (modules.has(name)) duplicates.push(`${name}: ${modules.get(name)} and ${file}`);
		else modules.set(name, file);
	};
	for (const section of sections(manifest, platform)) {
		for (const [name, targets] of Object.entries(section.modules ?? {})) {
			if (name === "~") continue;
			for (const target of list(targets)) {
				if (target.startsWith("$(")) continue;
				const path = posix.normalize(target);
				if (name.endsWith("*") && path.endsWith("*")) {
					const folder = dirname(path);
					if (!existsSync(join(ROOT, folder))) continue;
					for (const file of readdirSync(join(ROOT, folder))) {
						const match = /^(.*)\.(ts|js)$/.exec(file);
						if (match && !file.endsWith(".d.ts")) add(name.slice(0, -1) + match[1], posix.join(folder, file));
					}
				} else {
					for (const extension of [".ts", ".js"]) if (existsSync(join(ROOT, path + extension))) add(name, path + extension);
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
		for (const [name, targets] of Object.entries(section.modules ?? {})) if (name !== "~" && list(targets).some((t) => t.startsWith("$("))) names.add(name);
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

/** The names a module exports as values (what a stand-in module must export too); types are left out. */
export function valueExports(file: string): string[] {
	const text = readFileSync(join(ROOT, file), "utf8");
	const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
	const names: string[] = [];
	const exported = (node: ts.Node) => ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
	for (const statement of source.statements) {
		if (ts.isVariableStatement(statement) && exported(statement)) {
			for (const declaration of statement.declarationList.declarations) if (ts.isIdentifier(declaration.name)) names.push(declaration.name.text);
		} else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isEnumDeclaration(statement)) && exported(statement) && statement.name) {
			names.push(statement.name.text);
		} else if (ts.isExportDeclaration(statement) && !statement.isTypeOnly && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
			for (const element of statement.exportClause.elements) if (!element.isTypeOnly) names.push(element.name.text);
		}
	}
	return names.sort();
}

/** Firmware folders: src/ and the Moddable boards (the host board runs on Node and may use anything). */
const FIRMWARE = ["src", "boards/moddable", "boards/esp32", "boards/esp8266", "boards/lin", "boards/simulated"];

/** Every firmware module (.ts or .js, no declarations), by its path relative to ROOT. */
export function firmwareSources(dirs: readonly string[] = FIRMWARE): string[] {
	return dirs.flatMap((dir) =>
		readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
			const path = join(dir, entry.name);
			if (entry.isDirectory()) return firmwareSources([path]);
			return /\.(ts|js)$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [path] : [];
		}),
	);
}
