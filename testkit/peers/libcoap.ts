/**
 * libcoap's example server (`coap-server-notls`, Debian libcoap3-bin) on a free loopback
 * port: /time (observable), /async (separate responses), /example_data (block-wise),
 * dynamic resources created by PUT with `-d`. The test starts and stops it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { freeUdpPort, waitForCoap } from "./ports";
import { findExecutable } from "./require-peer";

/**
 * A libcoap server of any build (`coap-server-notls`, `-openssl`, `-gnutls`), bound to
 * 127.0.0.1:`port` with `args`; ready once its plain endpoint answers a CoAP ping.
 */
export class LibcoapProcess {
	protected constructor(
		readonly port: number,
		readonly process: ChildProcess,
	) {}

	protected static async spawn(executable: string, port: number, args: string[]): Promise<ChildProcess> {
		const child = spawn(findExecutable(executable) as string, ["-A", "127.0.0.1", "-p", String(port), "-d", "20", "-v", "0", ...args], { stdio: "ignore" });
		await waitForCoap(port).catch(async (error: Error) => {
			await stopChild(child);
			throw error;
		});
		return child;
	}

	stop(): Promise<void> {
		return stopChild(this.process);
	}
}

function stopChild(child: ChildProcess): Promise<void> {
	return new Promise((resolve) => {
		if (child.exitCode !== null) return resolve();
		child.once("exit", () => resolve());
		child.kill("SIGTERM");
	});
}

export class LibcoapServer extends LibcoapProcess {

	get url(): string {
		return `coap://127.0.0.1:${this.port}`;
	}

	/** `extra`: more arguments, such as ["-l", "30%"] for loss on what the server sends. */
	static async start(extra: string[] = []): Promise<LibcoapServer> {
		const port = await freeUdpPort();
		return new LibcoapServer(port, await LibcoapProcess.spawn("coap-server-notls", port, extra));
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
