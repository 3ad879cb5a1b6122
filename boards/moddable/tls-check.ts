/**
 * The firmware's own certificate check on Moddable's TLS session (tls-link.ts). The SDK's
 * check (ssl_cert.js) lets an impostor in (issue 13), and its session does not hand out
 * the peer's chain, so the link shows this the bytes it reads during the handshake, the
 * SDK's check is turned off, and the chain is verified with src/tls once the handshake is
 * done, before anything is sent.
 */
import Resource from "Resource";
import { ProtocolError } from "common/errors";
import { CertificateCapture } from "tls/capture";
import { verifyChain } from "tls/verify";
import { epochMs } from "./board";
import { verifySignature } from "./signature";

/** The trust anchors: the configured CA resource, or every CA of the SDK's bundle built in. */
function anchors(ca: string | undefined): Uint8Array[] {
	if (ca) return [new Uint8Array(new Resource(ca))];
	const found: Uint8Array[] = [];
	// ca.ski lists the bundle (20 bytes per CA); the manifest includes the caN.der it wants.
	const count = Resource.exists("ca.ski") ? new Resource("ca.ski").byteLength / 20 : 0;
	for (let i = 0; i < count; i++) if (Resource.exists(`ca${i}.der`)) found.push(new Uint8Array(new Resource(`ca${i}.der`)));
	return found;
}

// Fields `declare`d and set in the constructor, not class or #private fields: less bytecode, and faster in XS.
export class TlsCheck {
	declare readonly capture: CertificateCapture;
	declare readonly name: string;
	declare readonly ca: string | undefined;

	/** `name`: what the leaf must carry (a DNS name or an IPv4 literal); `ca`: a DER resource, else the bundle. */
	constructor(name: string, ca: string | undefined) {
		this.capture = new CertificateCapture();
		this.name = name;
		this.ca = ca;
	}

	/**
	 * What the SDK's session options need: verify false turns off ssl_cert.js's check (this
	 * one replaces it); cache false because a resumed session has no Certificate message.
	 */
	static readonly sessionOptions = { verify: false, cache: false } as const;

	/** Bytes read from the server during the handshake, in order. */
	observe(bytes: Uint8Array): void {
		if (!this.capture.done) this.capture.push(bytes);
	}

	/** After the handshake: undefined if the chain is good, else the error to close with. */
	verify(): ProtocolError | undefined {
		try {
			const capture = this.capture;
			if (capture.error) return new ProtocolError("TLS_CERTIFICATE_REJECTED", capture.error);
			verifyChain({ chain: capture.chain ?? [], anchors: anchors(this.ca), host: this.name, now: epochMs(), verifySignature });
			return void 0;
		} catch (error) {
			if (error instanceof ProtocolError) return error;
			return new ProtocolError("TLS_CERTIFICATE_REJECTED", `certificate check failed: ${error instanceof Error ? error.message : "unknown"}`);
		}
	}
}
