/**
 * The firmware's own certificate check on Moddable's TLS socket. The SDK's check
 * (ssl_cert.js) lets an impostor in (issue 13), and its TLS socket does not hand out the
 * peer's chain, so this reads the chain off the wire as the handshake goes by (through the
 * socket class the TLS socket is told to run over), turns the SDK's check off, and
 * verifies the chain with src/tls once the handshake is done, before anything is sent.
 */
import TCP, { type Options as TCPOptions } from "embedded:io/socket/tcp";
import Resource from "Resource";
import type { TlsOptions } from "../../src/common/board";
import { ProtocolError } from "common/errors";
import { CertificateCapture } from "tls/capture";
import { verifyChain } from "tls/verify";
import { epochMs } from "./clock";
import { verifySignature } from "./signature";

/** A TCP socket that shows what it reads to a CertificateCapture until it has the chain. */
class TappedTCP {
	readonly #tcp: TCP;
	readonly #capture: CertificateCapture;
	// The TLS socket keeps its own byte counts on the socket object.
	readable = 0;
	writable = 0;

	constructor(options: TCPOptions & { capture: CertificateCapture }) {
		this.#capture = options.capture;
		this.#tcp = new TCP(options);
	}
	read(buffer: Uint8Array): unknown {
		const result = this.#tcp.read(buffer);
		if (!this.#capture.done) this.#capture.push(buffer); // the TLS socket reads whole buffers
		return result;
	}
	write(bytes: Uint8Array): unknown {
		return this.#tcp.write(bytes);
	}
	close(): unknown {
		return this.#tcp.close();
	}
}

/** The trust anchors: the configured CA resource, or every CA of the SDK's bundle built in. */
function anchors(tls: TlsOptions): Uint8Array[] {
	if (tls.ca) return [new Uint8Array(new Resource(tls.ca))];
	const found: Uint8Array[] = [];
	// ca.ski lists the bundle (20 bytes per CA); the manifest includes the caN.der it wants.
	const count = Resource.exists("ca.ski") ? new Resource("ca.ski").byteLength / 20 : 0;
	for (let i = 0; i < count; i++) if (Resource.exists(`ca${i}.der`)) found.push(new Uint8Array(new Resource(`ca${i}.der`)));
	return found;
}

export class TlsCheck {
	readonly #capture = new CertificateCapture();
	readonly #tls: TlsOptions;
	readonly #host: string;

	constructor(tls: TlsOptions, host: string) {
		this.#tls = tls;
		this.#host = tls.serverName ?? host;
	}

	/** What the TLS socket's options need: the tapped socket class, and the SDK's check off. */
	get socketOptions() {
		return {
			TCP: { io: TappedTCP },
			capture: this.#capture,
			// verify: false turns off ssl_cert.js's check (this one replaces it); cache: false
			// because a resumed session has no Certificate message to check.
			secure: { verify: false, cache: false },
		};
	}

	/** After the handshake: undefined if the chain is good, else the error to close with. */
	verify(): ProtocolError | undefined {
		try {
			const capture = this.#capture;
			if (capture.error) return new ProtocolError("TLS_CERTIFICATE_REJECTED", capture.error);
			verifyChain({ chain: capture.chain ?? [], anchors: anchors(this.#tls), host: this.#host, now: epochMs(), verifySignature });
			return undefined;
		} catch (error) {
			if (error instanceof ProtocolError) return error;
			return new ProtocolError("TLS_CERTIFICATE_REJECTED", `certificate check failed: ${error instanceof Error ? error.message : "unknown"}`);
		}
	}
}
