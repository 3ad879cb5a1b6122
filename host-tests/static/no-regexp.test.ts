/**
 * The firmware holds no regular expression. Moddable's linker strips the built-ins an image
 * never uses ("strip": "*" in manifest_base.json); with no RegExp anywhere it drops XS's
 * regular-expression engine, about 36 KB of the ESP8266's 1 MB code region. One literal in
 * any firmware module brings it all back, so this test names it.
 *
 * The linker keeps a built-in when any module uses a name it is stored under, whatever the
 * object (xslStrip.c), so a property merely called `search` keeps String.prototype.search,
 * which keeps RegExp.prototype.exec and the whole matcher (xsre.c, ~12 KB). The names below
 * are those that reach the matcher even with the RegExp constructor stripped: `search`,
 * `match`, `matchAll` and `exec` (`replace`, `split` and `test` reach it only through RegExp).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { ROOT, firmwareSources } from "./manifest-modules";

/** Names that keep the regular-expression matcher linked, whatever they name in our code. */
const MATCHER_NAMES = new Set(["search", "match", "matchAll", "exec"]);

function regexpSites(file: string): string[] {
	const source = ts.createSourceFile(file, readFileSync(join(ROOT, file), "utf8"), ts.ScriptTarget.Latest, true);
	const sites: string[] = [];
	const visit = (node: ts.Node) => {
		if (node.kind === ts.SyntaxKind.RegularExpressionLiteral || (ts.isIdentifier(node) && (node.text === "RegExp" || MATCHER_NAMES.has(node.text))))
			sites.push(`${relative(ROOT, join(ROOT, file))}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1} ${node.getText().slice(0, 40)}`);
		ts.forEachChild(node, visit);
	};
	visit(source);
	return sites;
}

describe("firmware without regular expressions", () => {
	it("has no RegExp literal or constructor, and no name that keeps the matcher, in any firmware module", () => {
		const files = firmwareSources();
		expect(files.length).toBeGreaterThan(50);
		expect(files.flatMap(regexpSites)).toEqual([]);
	});

	it("finds one where there is one (the check itself works)", () => {
		const source = ts.createSourceFile("x.ts", "const ok = /^a+$/.test(s);", ts.ScriptTarget.Latest, true);
		let found = 0;
		const visit = (node: ts.Node) => {
			if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) found++;
			ts.forEachChild(node, visit);
		};
		visit(source);
		expect(found).toBe(1);
	});

	it("names a property that keeps the matcher (the check itself works)", () => {
		const dir = mkdtempSync(join(tmpdir(), "matcher-"));
		writeFileSync(join(dir, "x.ts"), "export const target = { search: 1 };\nconst n = target.search;\n");
		expect(regexpSites(relative(ROOT, join(dir, "x.ts"))).map((site) => site.replace(/^.*:(\d+) /, "$1 "))).toEqual(["1 search", "2 search"]);
	});
});
