/**
 * `npm run bench` works: a smoke run (every benchmark, briefly) writes results.json with
 * a row per id. The figures themselves are the benchmark's business, not a test's.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";

it("npm run bench -- --smoke writes a result row per benchmark", async () => {
	const dir = mkdtempSync(join(tmpdir(), "bench-"));
	try {
		const out = join(dir, "results.json");
		const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "tools/bench/run.ts", "--smoke", "--out", out], { timeout: 120_000 });
		const rows = JSON.parse(readFileSync(out, "utf8")) as { id: string; unit: string; ours: number; baseline: number | null; ratio: number | null }[];
		expect(rows.map((r) => r.id)).toEqual(expect.arrayContaining(["mqtt.publish.codec", "mqtt.connect.codec", "mqtt.subscribe.codec", "coap.post.codec", "mqtt.qos1.throughput", "mqtt.qos0.throughput", "xs.mqtt.publish.encode", "xs.mqtt.publish.decode", "xs.client.heap", "cycle.mqtt.roundtrips", "cycle.mqtt.bytes"]));
		for (const r of rows) {
			// Rates are positive; allocation figures may rightly be 0.
			expect(Number.isFinite(r.ours) && r.ours >= 0).toBe(true);
			expect(r.unit).toMatch(/is better/);
			if (r.baseline !== null) expect(r.ratio).toBeGreaterThan(0);
			expect(stdout).toContain(r.id);
		}
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});
