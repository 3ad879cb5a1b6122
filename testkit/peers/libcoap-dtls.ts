/**
 * libcoap's DTLS builds (Debian libcoap3-bin): `coap-server-openssl` / `-gnutls` with a
 * pre-shared key on a free loopback port pair (coap on `port`, coaps on `port + 1`, as
 * libcoap binds them), and `coap-client-openssl` / `-gnutls` runs with `-k KEY -u ID`.
 * The tests start and stop them.
 */
import { spawn } from "node:child_process";
import { LibcoapProcess } from "./libcoap";
import { freeUdpPort, udpPortFree } from "./ports";
import { findExecutable } from "./require-peer";

export type DtlsFlavour = "openssl" | "gnutls";

export class LibcoapDtlsServer extends LibcoapProcess {

	/** coaps://127.0.0.1:port+1 */
	get url(): string {
		return `coaps://127.0.0.1:${this.port + 1}`;
	}

	static async start(flavour: DtlsFlavour, key: string, extra: string[] = []): Promise<LibcoapDtlsServer> {
		let port = await freeUdpPort();
		while (!(await udpPortFree(port + 1))) port = await freeUdpPort();
		// The plain endpoint answers a CoAP ping once the server is up; the DTLS one is bound with it.
		return new LibcoapDtlsServer(port, await LibcoapProcess.spawn(`coap-server-${flavour}`, port, ["-k", key, ...extra]));
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
