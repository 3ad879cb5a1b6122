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
 * - the leaf names the host (hostMatches below).
 *
 * Every failure is a ProtocolError TLS_CERTIFICATE_REJECTED whose message says what failed.
 */
import type { SignatureVerifier } from "../common/board";
import { ipv4Octets } from "../common/text";
import * as x509 from "./x509";
import type { Certificate } from "./x509";

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
	if (der.length > MAX_CERTIFICATE_SIZE) throw x509.rejected(`${what} is larger than ${MAX_CERTIFICATE_SIZE} bytes`);
	try {
		return x509.parseCertificate(der);
	} catch (error) {
		throw x509.rejected(`${what}: ${error instanceof Error ? error.message : "malformed"}`);
	}
}

function signedBy(certificate: Certificate, what: string, issuer: Certificate, check: ChainCheck): boolean {
	const algorithm = certificate.signatureAlgorithm;
	if (!algorithm) throw x509.rejected(`${what} has an unsupported signature algorithm`);
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
	if (now < certificate.notBefore) throw x509.rejected(`${what} is not valid yet`);
	if (now > certificate.notAfter) throw x509.rejected(`${what} has expired`);
}

export function verifyChain(check: ChainCheck): void {
	const chain = check.chain;
	const now = check.now;
	if (chain.length === 0) throw x509.rejected("the server sent no certificate");
	if (chain.length > MAX_CHAIN_LENGTH) throw x509.rejected(`chain of ${chain.length} certificates, more than ${MAX_CHAIN_LENGTH}`);
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
		if (anchors.some((a) => x509.sameBytes(a.subject, certificate.subject) && x509.sameBytes(a.publicKeyInfo, certificate.publicKeyInfo))) break;
		if (i > 0) {
			if (!certificate.ca || !certificate.keyCertSign) throw x509.rejected(`${what} is not a CA that may sign certificates`);
			if (certificate.pathLength !== undefined && i - 1 > certificate.pathLength) throw x509.rejected(`${what} exceeds its path length`);
		}
		const next = certificates[i + 1];
		if (next) {
			if (!x509.sameBytes(certificate.issuer, next.subject)) throw x509.rejected(`${what} is not issued by certificate ${i + 1}`);
			if (!signedBy(certificate, what, next, check)) throw x509.rejected(`${what} signature does not verify with certificate ${i + 1}`);
			continue;
		}
		// The last one presented: an anchor must have signed it.
		const issuers = anchors.filter((a) => x509.sameBytes(a.subject, certificate.issuer));
		if (issuers.length === 0) throw x509.rejected(`${what} is issued by an unknown CA`);
		const issuer = issuers.find((a) => signedBy(certificate, what, a, check));
		if (!issuer) throw x509.rejected(`${what} signature does not verify with the trust anchor`);
		checkDates(issuer, "trust anchor", now);
		break;
	}

	const leaf = certificates[0];
	if (!leaf.serverAuth) throw x509.rejected("server certificate is not for TLS servers (extendedKeyUsage)");
	if (!hostMatches(leaf, check.host)) throw x509.rejected(`server certificate does not name ${check.host}`);
}

/**
 * Does a server certificate name the host the firmware dialled? RFC 6125 as the web
 * uses it today: DNS names from subjectAltName only (no fallback to the subject's CN,
 * which RFC 6125 6.4.4 allows only for certificates without DNS names and CAs stopped
 * issuing in 2012; Go and the browsers no longer look at it), a wildcard only as the
 * whole left-most label, and an IP literal only against an iPAddress entry.
 */
const canonical = (name: string) => (name.endsWith(".") ? name.slice(0, -1) : name).toLowerCase();

function hostMatches(certificate: Certificate, host: string): boolean {
	// A dotted-quad IPv4 literal: its four octets against each iPAddress entry.
	const ip = ipv4Octets(host);
	if (ip) return certificate.ipAddresses.some((address) => x509.sameBytes(address, ip));
	if (host.includes(":")) return false; // an IPv6 literal: the boards speak IPv4 only
	const name = canonical(host);
	const dot = name.indexOf(".");
	const names = certificate.dnsNames;
	for (let i = 0; i < names.length; i++) {
		const pattern = canonical(names[i]);
		if (pattern === name) return true;
		// "*.example.com" matches "a.example.com", not "example.com" nor "a.b.example.com";
		// and never a bare "*.com" (the rest must have two labels at least).
		if (pattern.startsWith("*.") && pattern.indexOf(".", 2) > 0 && dot > 0 && name.slice(dot) === pattern.slice(1)) return true;
	}
	return false;
}
