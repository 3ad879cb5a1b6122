/**
 * Interop suites need real peers (mosquitto, libcoap). Where one is missing a suite is
 * skipped with the reason printed, unless REQUIRE_PEERS=1 (as CI sets it): then the
 * missing peer is a failing test, so an interop suite can never skip silently.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, it } from "vitest";

/** The path of an executable found on PATH or in the sbin folders Debian uses. */
export function findExecutable(name: string): string | undefined {
	for (const dir of ["/usr/sbin", "/usr/local/sbin", "/sbin"]) if (existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
	try {
		return execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim() || undefined;
	} catch {
		return undefined;
	}
}

export const peersRequired = process.env.REQUIRE_PEERS === "1";

/** `describe` that runs only when every executable in `needs` exists (see above). */
export function describeWithPeers(name: string, needs: readonly string[], body: () => void): void {
	const missing = needs.filter((executable) => findExecutable(executable) === undefined);
	if (missing.length === 0) {
		describe(name, body);
		return;
	}
	const reason = `${missing.join(", ")} not installed (Debian: apt-get install mosquitto libcoap3-bin openssl)`;
	if (peersRequired) {
		describe(name, () => {
			it("has its peers (REQUIRE_PEERS=1)", () => {
				throw new Error(`REQUIRE_PEERS=1 but ${reason}`);
			});
		});
		return;
	}
	console.warn(`skipping "${name}": ${reason}`);
	describe.skipIf(true)(name, body);
}
