/**
 * libcoap's DTLS builds (Debian libcoap3-bin): `coap-server-openssl` / `-gnutls` with a
 * pre-shared key on a free loopback port pair (coap on `port`, coaps on `port + 1`, as
 * libcoap binds them), and `coap-client-openssl` / `-gnutls` runs with `-k KEY -u ID`.
 * The tests start and stop them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { freeUdpPort, udpPortFree, waitForCoap } from "./ports";
import { findExecutable } from "./require-peer";

export type DtlsFlavour = "openssl" | "gnutls";

export class LibcoapDtlsServer {
	private constructor(
		readonly port: number,
		readonly process: ChildProcess,
	) {}

	/** coaps://127.0.0.1:port+1 */
	get url(): string {
		return `coaps://127.0.0.1:${this.port + 1}`;
	}

	static async start(flavour: DtlsFlavour, key: string, extra: string[] = []): Promise<LibcoapDtlsServer> {
		let port = await freeUdpPort();
		while (!(await udpPortFree(port + 1))) port = await freeUdpPort();
		const child = spawn(findExecutable(`coap-server-${flavour}`) as string, ["-A", "127.0.0.1", "-p", String(port), "-k", key, "-d", "20", "-v", "0", ...extra], { stdio: "ignore" });
		const server = new LibcoapDtlsServer(port, child);
		// The plain endpoint answers a CoAP ping once the server is up; the DTLS one is bound with it.
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

/** Runs `coap-client-<flavour>` with `args`; stdout (the payload), stderr and exit code. `onOutput` sees stdout as it grows. */
export function coapsClient(flavour: DtlsFlavour, args: string[], timeoutMs = 10_000, onOutput?: (stdout: string) => void): Promise<{ stdout: string; stderr: string; code: number | null }> {
	return new Promise((resolve) => {
		const child = spawn(findExecutable(`coap-client-${flavour}`) as string, args, { stdio: ["ignore", "pipe", "pipe"] });
		let stdout = "";
		let stderr = "";
		child.stdout.on("data", (chunk) => {
			stdout += chunk;
			onOutput?.(stdout);
		});
		child.stderr.on("data", (chunk) => (stderr += chunk));
		const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
		child.on("exit", (code) => {
			clearTimeout(timer);
			resolve({ stdout, stderr, code });
		});
	});
}
