/**
 * Adds one plain closing line to vitest's output, "vitest: N passed, N failed, N
 * skipped", with the XS-engine tests counted apart, so CI logs and scripts can read the
 * result without parsing vitest's colourful summary.
 */
import type { Reporter, TestModule } from "vitest/node";

export default class SummaryReporter implements Reporter {
	onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
		let passed = 0;
		let failed = 0;
		let skipped = 0;
		let xs = 0;
		for (const module of modules) {
			const inXs = module.moduleId.includes("/host-tests/xs/");
			for (const test of module.children.allTests()) {
				const state = test.result().state;
				if (state === "passed") {
					passed++;
					if (inXs) xs++;
				} else if (state === "failed") failed++;
				else skipped++;
			}
			if (module.state() === "failed" && module.children.size === 0) failed++;
		}
		process.stdout.write(`\nof which ${xs} ran inside the XS engine\nvitest: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
	}
}
