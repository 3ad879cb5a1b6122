/**
 * The test API of the portable suites: the subset of vitest they may use. Under vitest
 * it is vitest itself; bundled for the XS engine, host-tests/xs/harness.ts stands in for
 * this module, so every suite in this folder runs unchanged in both engines.
 */
import { describe, expect, it } from "vitest";
import type { PortableExpect } from "./expect-types";

export { describe, it };
export const check = expect as unknown as PortableExpect;
