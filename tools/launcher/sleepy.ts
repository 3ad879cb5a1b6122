/**
 * `npm start -- --mode sleepy`: the host firmware as a sleepy device. Each wake is a
 * process of its own that ends in deep sleep; its retained bytes are kept in a file,
 * and after the sleep the next wake starts from them, as a chip does after its RTC
 * timer fires.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFirmware, type FirmwareEvent, type FirmwareProcess } from "./firmware";

export interface SleepyDevice {
	/** Resolves when the device stopped: after `stop`, or with the exit code of a wake that did not sleep. */
	readonly exited: Promise<number | null>;
	/** Ends the current wake cleanly (it sleeps at once) or the current sleep, then stops cycling. */
	stop(): Promise<void>;
}

export function runSleepyDevice(args: readonly string[], onEvent: (event: FirmwareEvent, line: string) => void): SleepyDevice {
	const folder = mkdtempSync(join(tmpdir(), "lampnode-rtc-"));
	const retained = join(folder, "retained.bin");
	let stopping = false;
	let current: FirmwareProcess | undefined;
	let wakeUp: (() => void) | undefined;

	const cycle = async (): Promise<number | null> => {
		for (let wake = "reset"; !stopping; wake = "timer") {
			let sleepMs: number | undefined;
			current = startFirmware([...args, "--retained", retained, "--wake", wake], (event, line) => {
				if (event.event === "deep-sleep" && typeof event.ms === "number") sleepMs = event.ms;
				onEvent(event, line);
			});
			const code = await current.exited;
			current = undefined;
			if (sleepMs === undefined) return code;
			if (stopping) break;
			await new Promise<void>((resolve) => {
				const timer = setTimeout(resolve, sleepMs);
				wakeUp = () => (clearTimeout(timer), resolve());
			});
			wakeUp = undefined;
		}
		return 0;
	};
	const exited = cycle().finally(() => rmSync(folder, { recursive: true, force: true }));

	return {
		exited,
		async stop() {
			stopping = true;
			wakeUp?.();
			await current?.stop();
			await exited;
		},
	};
}

/**
 * The config a sleepy demo needs unless the user set it: sleepy mode, a client id for
 * the persistent session, and a 10 s sleep so wakes are seen without a long wait.
 */
export function sleepyOverrides(overrides: readonly string[]): string[] {
	const has = (key: string) => overrides.some((o) => o.startsWith(`${key}=`));
	const extra = ["mode=sleepy"];
	if (!has("clientId")) extra.push("clientId=lampnode-sleepy");
	if (!has("sleepInterval")) extra.push("sleepInterval=10");
	return [...extra, ...overrides];
}
