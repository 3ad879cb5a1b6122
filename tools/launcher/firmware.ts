/**
 * The firmware as a child process on the host board (boards/host/main.ts), the way a
 * device is a separate machine: it can be stopped cleanly, killed to test the will, or
 * restarted after a simulated deep sleep. Its events arrive as JSON lines.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface FirmwareEvent {
	readonly event: string;
	readonly [field: string]: unknown;
}

export interface FirmwareProcess {
	readonly child: ChildProcess;
	/** Resolves with the exit code once the process has ended. */
	readonly exited: Promise<number | null>;
	/** Asks for a clean stop ("offline", DISCONNECT), then waits for the exit. */
	stop(timeoutMs?: number): Promise<number | null>;
}

/** Starts the host firmware with `args` (--broker, --set key=value ...). */
export function startFirmware(args: readonly string[], onEvent: (event: FirmwareEvent, line: string) => void): FirmwareProcess {
	const child = spawn(process.execPath, ["--import", "tsx", "boards/host/main.ts", ...args], {
		cwd: ROOT,
		stdio: ["ignore", "pipe", "inherit"],
	});
	createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
		try {
			onEvent(JSON.parse(line) as FirmwareEvent, line);
		} catch {
			onEvent({ event: "output", text: line }, JSON.stringify({ event: "output", text: line }));
		}
	});
	const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
	return {
		child,
		exited,
		async stop(timeoutMs = 6000) {
			if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
			const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
			const code = await exited;
			clearTimeout(timer);
			return code;
		},
	};
}
