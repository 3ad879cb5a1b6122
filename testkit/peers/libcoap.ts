/**
 * libcoap's example server (`coap-server-notls`, Debian libcoap3-bin) on a free loopback
 * port: /time (observable), /async (separate responses), /example_data (block-wise),
 * dynamic resources created by PUT with `-d`. The test starts and stops it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { freeUdpPort, waitForCoap } from "./ports";
import { findExecutable } from "./require-peer";

export class LibcoapServer {
	private constructor(
		readonly port: number,
		readonly process: ChildProcess,
	) {}

	get url(): string {
		return `coap://127.0.0.1:${this.port}`;
	}

	/** `extra`: more arguments, such as ["-l", "30%"] for loss on what the server sends. */
	static async start(extra: string[] = []): Promise<LibcoapServer> {
		const port = await freeUdpPort();
		const child = spawn(findExecutable("coap-server-notls") as string, ["-A", "127.0.0.1", "-p", String(port), "-d", "20", "-v", "0", ...extra], { stdio: "ignore" });
		const server = new LibcoapServer(port, child);
		await waitForCoap(port).catch(async (error: Error) => {
			await server.stop();
			throw error;
		});
		return server;
	}

	stop(): Promise<void> {
		return new Promise((resolve) => {
			if (this.process.exitCode !== null) return resolve();
			this.process.once("exit", () => resolve());
			this.process.kill("SIGTERM");
		});
	}
}

/**
 * Runs `coap-client-notls` with `args`; resolves with its stdout (the payload) and exit
 * code. `onOutput` sees the stdout so far each time more arrives (an observation's
 * notifications, as they come).
 */
export function coapClient(args: string[], timeoutMs = 10_000, onOutput?: (stdout: string) => void): Promise<{ stdout: string; code: number | null }> {
	return new Promise((resolve) => {
		const child = spawn(findExecutable("coap-client-notls") as string, args, { stdio: ["ignore", "pipe", "pipe"] });
		let stdout = "";
		child.stdout.on("data", (chunk) => {
			stdout += chunk;
			onOutput?.(stdout);
		});
		const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
		child.on("exit", (code) => {
			clearTimeout(timer);
			resolve({ stdout, code });
		});
	});
}
