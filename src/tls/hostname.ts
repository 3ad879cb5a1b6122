/**
 * Does a server certificate name the host the firmware dialled? RFC 6125 as the web
 * uses it today: DNS names from subjectAltName only (no fallback to the subject's CN,
 * which RFC 6125 6.4.4 allows only for certificates without DNS names and CAs stopped
 * issuing in 2012; Go and the browsers no longer look at it), a wildcard only as the
 * whole left-most label, and an IP literal only against an iPAddress entry.
 */
import type { Certificate } from "./x509";
import { sameBytes } from "./der";
import { ipv4Octets } from "../common/text";

/** The four bytes of a dotted-quad IPv4 literal, or undefined for anything else. */
function ipv4Bytes(host: string): Uint8Array | undefined {
	const octets = ipv4Octets(host);
	return octets && Uint8Array.from(octets);
}

const canonical = (name: string) => (name.endsWith(".") ? name.slice(0, -1) : name).toLowerCase();

export function hostMatches(certificate: Certificate, host: string): boolean {
	const ip = ipv4Bytes(host);
	if (ip) return certificate.ipAddresses.some((address) => sameBytes(address, ip));
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
