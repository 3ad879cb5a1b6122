/** The shape of the certificate fixtures the TLS suites share (made by testkit/peers/tls-chains.ts). */
import type { SignatureAlgorithm } from "../../src/common/board";

/** One signature node:crypto found valid: the key, the signed bytes, the signature. */
export interface SignatureVerdict {
	readonly algorithm: SignatureAlgorithm;
	readonly publicKeyInfo: Uint8Array;
	readonly signed: Uint8Array;
	readonly signature: Uint8Array;
}

export interface TlsFixtures {
	/** When the certificates were made (ms since the epoch): the clock the suites verify at. */
	readonly now: number;
	/** DER certificates by name (see tls-chains.ts for what each is). */
	readonly certs: Readonly<Record<string, Uint8Array>>;
	/** Validity as OpenSSL reads it, to check the parser's dates against. */
	readonly validity: Readonly<Record<string, { readonly notBefore: number; readonly notAfter: number }>>;
	/** Every (key of one fixture, certificate of another) pair whose signature node:crypto verified. */
	readonly verdicts: readonly SignatureVerdict[];
}
