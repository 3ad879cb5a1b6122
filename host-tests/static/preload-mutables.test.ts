/**
 * No firmware module makes, while it is being preloaded, a built-in object that it changes
 * at run time. Moddable's linker runs the preloaded modules' bodies at build time and puts
 * what they made in flash; an Array or a plain object is aliased to RAM when written, but an
 * ArrayBuffer, TypedArray, DataView, Map, Set, WeakMap, WeakSet or Date is not ("XS Linker
 * Warnings" in the SDK's documentation): its setters throw, and a native function handed
 * its buffer writes into flash, which faults on the chip. Neither the host nor the XS tests
 * preload, and the simulator never runs the chip's natives, so only this test can see it.
 *
 * Such an object made at module level (not inside a function) is refused unless it is
 * empty (a buffer or view of length 0 has nothing to write) or listed below with the
 * reason it is never changed.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { ROOT, firmwareSources } from "./manifest-modules";

const NOT_ALIASED = new Set([
	"ArrayBuffer",
	"DataView",
	"Date",
	"Map",
	"Set",
	"WeakMap",
	"WeakSet",
	"Uint8Array",
	"Int8Array",
	"Uint16Array",
	"Int16Array",
	"Uint32Array",
	"Int32Array",
	"Float32Array",
	"Float64Array",
	"BigInt64Array",
	"BigUint64Array",
	"Uint8ClampedArray",
]);

/** `file:Name` of module-level objects that are only ever read, and why. */
const READ_ONLY: Record<string, string> = {
	"src/dtls/connection.ts:Uint8Array": "CCS, the ChangeCipherSpec body (one byte, 1), only ever copied into a record",
	"src/coap/message-layer.ts:Map": "NO_ENTRIES, the empty table an endpoint reads until it makes its own at the first entry; never written",
	"src/dtls/handshake-messages.ts:Uint8Array": "EXTENSIONS, an empty renegotiation_info, only ever copied into a hello",
	"src/tls/keys.ts:Uint8Array": "key algorithm and curve OIDs, only compared; DIGEST_INFO, only copied into a PKCS#1 block",
	"src/tls/x509.ts:Uint8Array": "signature algorithm and extended key usage OIDs, only compared",
};

/** `new Uint8Array(0)` and the like: nothing in it to change. */
function empty(node: ts.NewExpression): boolean {
	const args = node.arguments ?? [];
	return node.expression.getText().endsWith("Array") && args.length === 1 && ts.isNumericLiteral(args[0]) && Number(args[0].text) === 0;
}

/** `file:Name` for each `new Name(...)` or `Name.of(...)` / `Name.from(...)` the module's body runs as it is loaded (function bodies are left out; static class fields are in). */
export function preloadConstructions(file: string, text: string): string[] {
	const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
	const found: string[] = [];
	const visit = (node: ts.Node): void => {
		if (ts.isFunctionLike(node) && !ts.isClassStaticBlockDeclaration(node)) return;
		if (ts.isPropertyDeclaration(node) && !node.modifiers?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword)) return;
		if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && NOT_ALIASED.has(node.expression.text) && !empty(node))
			found.push(`${file}:${node.expression.text}`);
		// A typed array's own factories make one as well (an empty `of()` has nothing to change).
		if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && ts.isIdentifier(node.expression.expression)) {
			const made = node.expression.expression.text;
			if (NOT_ALIASED.has(made) && (node.expression.name.text === "from" || (node.expression.name.text === "of" && node.arguments.length > 0))) found.push(`${file}:${made}`);
		}
		ts.forEachChild(node, visit);
	};
	visit(source);
	return found;
}

describe("preloaded modules make nothing in flash that they change", () => {
	it("no firmware module makes a buffer, view, Map, Set or Date as it loads, but the listed read-only ones", () => {
		const files = firmwareSources();
		expect(files.length).toBeGreaterThan(50);
		const found = files.flatMap((file) => preloadConstructions(file, readFileSync(join(ROOT, file), "utf8")));
		expect(found.filter((site) => !(site in READ_ONLY))).toEqual([]);
		// Every listed exception is still there (a stale entry would excuse a new one).
		for (const site of Object.keys(READ_ONLY)) expect(found).toContain(site);
	});

	it("finds one at module level and in a static field, not inside a function (the check itself works)", () => {
		const text = [
			"const widths = new Uint16Array(160);",
			"const parts = { cache: new Map() };",
			"class C { static table = new Set(); field = new Uint8Array(4); method() { return new DataView(new ArrayBuffer(2)); } }",
			"export function capture() { const buffer = new Uint8Array(8); return () => new Date(); }",
			"export const EMPTY = new Uint8Array(0);",
			"const OID = Uint8Array.of(0x2a, 0x86); const NONE = Uint8Array.of(); const copy = Int8Array.from([1]);",
		].join("\n");
		expect(preloadConstructions("x.ts", text)).toEqual(["x.ts:Uint16Array", "x.ts:Map", "x.ts:Set", "x.ts:Uint8Array", "x.ts:Int8Array"]);
	});
});
