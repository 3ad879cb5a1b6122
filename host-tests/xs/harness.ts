/**
 * The portable suites' test API inside the XS engine: describe/it register tests,
 * `check` implements the assertions of expect-types.ts, and `runAll` runs every test in
 * order and reports each result. It stands in for test-api.ts in the XS bundle.
 */
import type { Matchers, PortableExpect } from "../portable/expect-types";

export interface XsTestResult {
	readonly name: string;
	readonly ok: boolean;
	readonly error?: string;
}

interface Test {
	readonly name: string;
	readonly fn: () => void | Promise<void>;
}

const tests: Test[] = [];
const path: string[] = [];

export function describe(name: string, body: () => void): void {
	path.push(name);
	try {
		body();
	} finally {
		path.pop();
	}
}

export function it(name: string, fn: () => void | Promise<void>): void {
	tests.push({ name: [...path, name].join(" > "), fn });
}

export async function runAll(): Promise<XsTestResult[]> {
	const results: XsTestResult[] = [];
	for (const test of tests) {
		try {
			await test.fn();
			results.push({ name: test.name, ok: true });
		} catch (error) {
			results.push({ name: test.name, ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
		}
	}
	return results;
}

class AssertionError extends Error {}
// On the prototype, as in src/common/errors.ts: the built-ins are frozen in this run.
Object.defineProperty(AssertionError.prototype, "name", { value: "AssertionError" });

function matchers(actual: unknown, negated: boolean): Matchers {
	const assert = (pass: boolean, message: string) => {
		if (pass === negated) throw new AssertionError(`expected ${show(actual)} ${negated ? "not " : ""}${message}`);
	};
	const number = () => {
		if (typeof actual !== "number") throw new AssertionError(`expected a number, got ${show(actual)}`);
		return actual;
	};
	return {
		toBe: (expected) => assert(Object.is(actual, expected), `to be ${show(expected)}`),
		toEqual: (expected) => assert(deepEqual(actual, expected), `to equal ${show(expected)}`),
		toBeUndefined: () => assert(actual === undefined, "to be undefined"),
		toBeDefined: () => assert(actual !== undefined, "to be defined"),
		toBeTruthy: () => assert(Boolean(actual), "to be truthy"),
		toBeFalsy: () => assert(!actual, "to be falsy"),
		toBeGreaterThan: (value) => assert(number() > value, `to be greater than ${value}`),
		toBeGreaterThanOrEqual: (value) => assert(number() >= value, `to be at least ${value}`),
		toBeLessThan: (value) => assert(number() < value, `to be less than ${value}`),
		toBeLessThanOrEqual: (value) => assert(number() <= value, `to be at most ${value}`),
		toHaveLength: (length) => assert((actual as { length?: unknown })?.length === length, `to have length ${length}`),
		toContain: (item) => {
			const pass = typeof actual === "string" ? actual.includes(String(item)) : Array.from(actual as Iterable<unknown>).includes(item);
			assert(pass, `to contain ${show(item)}`);
		},
		toMatch: (pattern) => {
			const text = String(actual);
			assert(typeof pattern === "string" ? text.includes(pattern) : pattern.test(text), `to match ${String(pattern)}`);
		},
		toBeInstanceOf: (type) => assert(actual instanceof type, `to be an instance of ${type.name}`),
		toThrow: (expected) => {
			if (typeof actual !== "function") throw new AssertionError("toThrow needs a function");
			let thrown: unknown;
			let threw = false;
			try {
				actual();
			} catch (error) {
				threw = true;
				thrown = error;
			}
			const message = thrown instanceof Error ? thrown.message : String(thrown);
			const pass =
				threw && (expected === undefined || (typeof expected === "string" ? message.includes(expected) : expected.test(message)));
			if (pass === negated)
				throw new AssertionError(
					`expected the function ${negated ? "not " : ""}to throw${expected === undefined ? "" : ` ${String(expected)}`}${threw ? `; it threw "${message}"` : ""}`,
				);
		},
	};
}

export const check: PortableExpect = (actual: unknown) => Object.assign(matchers(actual, false), { not: matchers(actual, true) });

/** Structural equality as vitest's toEqual: own enumerable keys, undefined-valued keys ignored. */
function deepEqual(a: unknown, b: unknown): boolean {
	if (Object.is(a, b)) return true;
	if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
	if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
		if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.constructor !== b.constructor) return false;
		const x = a as unknown as ArrayLike<number>;
		const y = b as unknown as ArrayLike<number>;
		if (x.length !== y.length) return false;
		for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
		return true;
	}
	if (Array.isArray(a) !== Array.isArray(b)) return false;
	if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
	if (a instanceof Map || b instanceof Map || a instanceof Set || b instanceof Set)
		return a.constructor === b.constructor && deepEqual([...(a as Iterable<unknown>)], [...(b as Iterable<unknown>)]);
	const x = a as Record<string, unknown>;
	const y = b as Record<string, unknown>;
	const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
	for (const key of keys) if (!deepEqual(x[key], y[key])) return false;
	return true;
}

function show(value: unknown): string {
	if (typeof value === "string") return JSON.stringify(value);
	if (typeof value === "function") return `[function ${value.name}]`;
	if (ArrayBuffer.isView(value)) return `${value.constructor.name}[${Array.from(value as unknown as ArrayLike<number>).join(",")}]`;
	try {
		return JSON.stringify(value, (_key, item: unknown) => (ArrayBuffer.isView(item) ? Array.from(item as unknown as ArrayLike<number>) : item)) ?? String(value);
	} catch {
		return String(value);
	}
}
