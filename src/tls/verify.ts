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
import { parseCertificate, rejected, sameBytes } from "./x509";
import type { Certificate } from "./x509";

/** Caps, a `const enum` so each use is written as its number. */
const enum Max {
	/** More would be an unusual PKI or a peer wasting the device's memory and time. */
	CHAIN_LENGTH = 6,
	/** Certificates with many names run to a few KB; larger ones are refused unparsed. */
	CERTIFICATE_SIZE = 8192,
}

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

export function verifyChain(check: ChainCheck): void {
	const chain = check.chain;
	const now = check.now;
	const count = chain.length;
	if (count === 0) throw rejected("the server sent no certificate");
	if (count > Max.CHAIN_LENGTH) throw rejected(`chain of ${count} certificates, more than ${Max.CHAIN_LENGTH}`);
	// The chain then the anchors, parsed in one pass. An anchor the parser cannot read (an
	// unsupported critical extension, say) anchors nothing; a presented one rejects the chain.
	const certificates: Certificate[] = [];
	const anchors: Certificate[] = [];
	const all = chain.concat(check.anchors);
	for (let i = 0; i < all.length; i++) {
		const der = all[i];
		try {
			if (der.length > Max.CERTIFICATE_SIZE) throw Error(`larger than ${Max.CERTIFICATE_SIZE} bytes`);
			(i < count ? certificates : anchors).push(parseCertificate(der));
		} catch (error) {
			if (i < count) throw rejected(`certificate ${i}: ${(error as Error).message}`);
		}
	}

	// Up the chain until a certificate is an anchor; every other way out throws. The anchor
	// that signed the last one presented is put after it, so its dates are checked here too.
	for (let i = 0; ; i++) {
		const certificate = certificates[i];
		const what = i === 0 ? "server certificate" : i < count ? `certificate ${i}` : "trust anchor";
		// A board that has not learnt the time yet (epochMs() === 0, before SNTP) cannot judge
		// dates at all: the check is skipped rather than refusing every certificate, as the
		// SDK's own TLS does. Names and signatures are still checked.
		if (now !== 0) {
			if (now < certificate.notBefore) throw rejected(`${what} is not valid yet`);
			if (now > certificate.notAfter) throw rejected(`${what} has expired`);
		}
		// Trusted by configuration: no CA flag needed, nothing above it matters (the anchor put
		// after the chain is one: not compared again).
		if (i === count || anchors.some((a) => sameBytes(a.subject, certificate.subject) && sameBytes(a.publicKeyInfo, certificate.publicKeyInfo))) break;
		if (i > 0) {
			if (!certificate.ca || !certificate.keyCertSign) throw rejected(`${what} is not a CA that may sign certificates`);
			if (certificate.pathLength !== void 0 && i - 1 > certificate.pathLength) throw rejected(`${what} exceeds its path length`);
		}
		// Its issuer: the next one presented, or for the last one an anchor of that name.
		const next = certificates[i + 1];
		const by = next ? `certificate ${i + 1}` : "the trust anchor";
		const issuers = next ? [next] : anchors.filter((a) => sameBytes(a.subject, certificate.issuer));
		if (next ? !sameBytes(certificate.issuer, next.subject) : issuers.length === 0) throw rejected(next ? `${what} is not issued by ${by}` : `${what} is issued by an unknown CA`);
		const algorithm = certificate.signatureAlgorithm;
		if (!algorithm) throw rejected(`${what} has an unsupported signature algorithm`);
		const issuer = issuers.find((a) => {
			try {
				return check.verifySignature(algorithm, a.publicKeyInfo, certificate.tbs, certificate.signature);
			} catch {
				return false; // a key the primitive cannot use signs nothing
			}
		});
		if (!issuer) throw rejected(`${what} signature does not verify with ${by}`);
		if (!next) certificates.push(issuer);
	}

	const leaf = certificates[0];
	if (!leaf.serverAuth) throw rejected("server certificate is not for TLS servers (extendedKeyUsage)");
	/*
	 * Does the leaf name the host the firmware dialled? RFC 6125 as the web uses it today:
	 * DNS names from subjectAltName only (no fallback to the subject's CN, which RFC 6125
	 * 6.4.4 allows only for certificates without DNS names and CAs stopped issuing in 2012;
	 * Go and the browsers no longer look at it), a wildcard only as the whole left-most
	 * label, and an IP literal only against an iPAddress entry.
	 */
	const host = check.host;
	// A dotted-quad IPv4 literal: its four octets against each iPAddress entry.
	const ip = ipv4Octets(host);
	let named = ip ? leaf.ipAddresses.some((address) => sameBytes(address, ip)) : false;
	if (!ip && !host.includes(":")) {
		// (an IPv6 literal, with ":", names nothing: the boards speak IPv4 only)
		const name = canonical(host);
		const dot = name.indexOf(".");
		const names = leaf.dnsNames;
		for (let i = 0; i < names.length; i++) {
			const pattern = canonical(names[i]);
			// "*.example.com" matches "a.example.com", not "example.com" nor "a.b.example.com";
			// and never a bare "*.com" (the rest must have two labels at least).
			if (pattern === name || (pattern.startsWith("*.") && pattern.indexOf(".", 2) > 0 && dot > 0 && name.slice(dot) === pattern.slice(1))) named = true;
		}
	}
	if (!named) throw rejected(`server certificate does not name ${host}`);
}

const canonical = (name: string) => (name.endsWith(".") ? name.slice(0, -1) : name).toLowerCase();
