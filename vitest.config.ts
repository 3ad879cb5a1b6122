import { defineConfig } from "vitest/config";

export default defineConfig({
	test: {
		include: ["host-tests/**/*.test.ts"],
		testTimeout: 30_000,
		hookTimeout: 60_000,
		// Interop suites start brokers on free ports; two cores run them side by side fine.
		pool: "forks",
		reporters: ["default", "./host-tests/summary-reporter.ts"],
	},
});
