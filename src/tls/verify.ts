/**
 * The firmware's own check of a TLS server's certificate chain, run after the handshake
 * on boards whose TLS stack does not check it well enough (Moddable's ssl_cert.js skips
 * certificates whose signature fails, checks only the last one against the anchors and
 * refuses a leaf signed directly by the anchor). RFC 5280 path validation cut down to
 * what a device trusting a few anchors needs:
 *
 * - the chain is taken as presented, leaf first (RFC 5246 7.4.2): each certificate is
 *   issued by the next one (issuer name = next subject, signature checked with its key);
 * - it ends at a trust anchor: a presented certificate with an anchor's subject and key,
 *   or the last one is signed by an anchor (so a leaf signed directly by the anchor, and
 *   anchors without an Authority Key Identifier, work: keys are found by name, not AKI);
 * - every certificate above the leaf that is not the anchor is a CA allowed to sign
 *   certificates, within its path length; the leaf may serve TLS (extendedKeyUsage);
 * - every certificate, anchors too, is within its validity dates;
 * - the leaf names the host (hostname.ts).
 *
 * Every failure is a ProtocolError TLS_CERTIFICATE_REJECTED whose message says what failed.
 */
import type { SignatureVerifier } from "../common/board";
import * as asn1 from "./der";
import { hostMatches } from "./hostname";
import { parseCertificate, type Certificate } from "./x509";

/** More would be an unusual PKI or a peer wasting the device's memory and time. */
const MAX_CHAIN_LENGTH = 6;
/** Certificates with many names run to a few KB; larger ones are refused unparsed. */
const MAX_CERTIFICATE_SIZE = 8192;

export interface ChainCheck {
	/** DER certificates as the server sent them, leaf first. */
	readonly chain: readonly Uint8Array[];
	/** DER certificates the firmware trusts (built into the image). */
	readonly anchors: readonly Uint8Array[];
	/** The host name or IPv4 literal the firmware connected to. */
	readonly host: string;
	/** Milliseconds since the epoch; 0 when the board's clock is not set (no SNTP yet). */
	readonly now: number;
	readonly verifySignature: SignatureVerifier;
}

function parse(der: Uint8Array, what: string): Certificate {
	if (der.length > MAX_CERTIFICATE_SIZE) throw asn1.rejected(`${what} is larger than ${MAX_CERTIFICATE_SIZE} bytes`);
	try {
		return parseCertificate(der);
	} catch (error) {
		throw asn1.rejected(`${what}: ${error instanceof Error ? error.message : "malformed"}`);
	}
}

function signedBy(certificate: Certificate, what: string, issuer: Certificate, check: ChainCheck): boolean {
	const algorithm = certificate.signatureAlgorithm;
	if (!algorithm) throw asn1.rejected(`${what} has an unsupported signature algorithm`);
	try {
		return check.verifySignature(algorithm, issuer.publicKeyInfo, certificate.tbs, certificate.signature);
	} catch {
		return false; // a key the primitive cannot use signs nothing
	}
}

function checkDates(certificate: Certificate, what: string, now: number): void {
	// A board that has not learnt the time yet (epochMs() === 0, before SNTP) cannot judge
	// dates at all: the check is skipped rather than refusing every certificate, as the
	// SDK's own TLS does. Names and signatures are still checked.
	if (now === 0) return;
	if (now < certificate.notBefore) throw asn1.rejected(`${what} is not valid yet`);
	if (now > certificate.notAfter) throw asn1.rejected(`${what} has expired`);
}

export function verifyChain(check: ChainCheck): void {
	const chain = check.chain;
	const now = check.now;
	if (chain.length === 0) throw asn1.rejected("the server sent no certificate");
	if (chain.length > MAX_CHAIN_LENGTH) throw asn1.rejected(`chain of ${chain.length} certificates, more than ${MAX_CHAIN_LENGTH}`);
	const certificates = chain.map((der, i) => parse(der, `certificate ${i}`));
	// An anchor the parser cannot read (an unsupported critical extension, say) anchors nothing.
	const anchors: Certificate[] = [];
	const given = check.anchors;
	for (let i = 0; i < given.length; i++) {
		try {
			anchors.push(parse(given[i], "trust anchor"));
		} catch {
			// skipped
		}
	}

	// Up the chain until a certificate is an anchor or is signed by one; every other way out throws.
	for (let i = 0; ; i++) {
		const certificate = certificates[i];
		const what = i === 0 ? "server certificate" : `certificate ${i}`;
		checkDates(certificate, what, now);
		// Trusted by configuration: no CA flag needed, nothing above it matters.
		if (anchors.some((a) => asn1.sameBytes(a.subject, certificate.subject) && asn1.sameBytes(a.publicKeyInfo, certificate.publicKeyInfo))) break;
		if (i > 0) {
			if (!certificate.ca || !certificate.keyCertSign) throw asn1.rejected(`${what} is not a CA that may sign certificates`);
			if (certificate.pathLength !== undefined && i - 1 > certificate.pathLength) throw asn1.rejected(`${what} exceeds its path length`);
		}
		const next = certificates[i + 1];
		if (next) {
			if (!asn1.sameBytes(certificate.issuer, next.subject)) throw asn1.rejected(`${what} is not issued by certificate ${i + 1}`);
			if (!signedBy(certificate, what, next, check)) throw asn1.rejected(`${what} signature does not verify with certificate ${i + 1}`);
			continue;
		}
		// The last one presented: an anchor must have signed it.
		const issuers = anchors.filter((a) => asn1.sameBytes(a.subject, certificate.issuer));
		if (issuers.length === 0) throw asn1.rejected(`${what} is issued by an unknown CA`);
		const issuer = issuers.find((a) => signedBy(certificate, what, a, check));
		if (!issuer) throw asn1.rejected(`${what} signature does not verify with the trust anchor`);
		checkDates(issuer, "trust anchor", now);
		break;
	}

	const leaf = certificates[0];
	if (!leaf.serverAuth) throw asn1.rejected("server certificate is not for TLS servers (extendedKeyUsage)");
	if (!hostMatches(leaf, check.host)) throw asn1.rejected(`server certificate does not name ${check.host}`);
}
