/** The assertions both engines implement (a subset of vitest's `expect`). */
export interface Matchers {
	toBe(expected: unknown): void;
	toEqual(expected: unknown): void;
	toBeUndefined(): void;
	toBeDefined(): void;
	toBeTruthy(): void;
	toBeFalsy(): void;
	toBeGreaterThan(value: number): void;
	toBeGreaterThanOrEqual(value: number): void;
	toBeLessThan(value: number): void;
	toBeLessThanOrEqual(value: number): void;
	toHaveLength(length: number): void;
	toContain(item: unknown): void;
	toMatch(pattern: RegExp | string): void;
	toBeInstanceOf(type: abstract new (...args: never[]) => unknown): void;
	/** `fn` throws; with an argument, the message contains it or matches it. */
	toThrow(expected?: string | RegExp): void;
}

export interface PortableExpect {
	(actual: unknown): Matchers & { readonly not: Matchers };
}
