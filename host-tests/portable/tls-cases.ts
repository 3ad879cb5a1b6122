/**
 * The chain verification cases, written once: the portable suite runs them with the
 * signature verdicts node:crypto recorded (so they also run in XS), and a host test runs
 * them with node:crypto itself.
 */
import type { TlsFixtures } from "./tls-fixture-types";

export interface ChainCase {
	readonly name: string;
	readonly chain: readonly Uint8Array[];
	readonly anchors: readonly Uint8Array[];
	readonly host: string;
	/** The board's clock; the fixtures' time unless given (0: not set yet). */
	readonly now?: number;
	/** A fragment of the rejection's message; absent when the chain must be accepted. */
	readonly rejects?: string;
}

/** `der` with one byte of its signature (the last byte of the certificate) flipped. */
export function flipLastByte(der: Uint8Array): Uint8Array {
	const copy = der.slice();
	copy[copy.length - 1] ^= 0x01;
	return copy;
}

export function chainCases(f: TlsFixtures): ChainCase[] {
	const c = f.certs;
	const host = "broker.test";
	return [
		{ name: "a good RSA-2048 chain (leaf, intermediate) to the root", chain: [c.rsaLeaf, c.rsaInter], anchors: [c.rsaRoot], host },
		{ name: "a good RSA chain sent with the root itself", chain: [c.rsaLeaf, c.rsaInter, c.rsaRoot], anchors: [c.rsaRoot], host },
		{ name: "a good ECDSA chain (P-256 leaf, P-384 intermediate, SHA-384) to the root", chain: [c.ecLeaf, c.ecInter], anchors: [c.ecRoot], host },
		{ name: "the right chain among several anchors", chain: [c.ecLeaf, c.ecInter], anchors: [c.rsaRoot, c.bareCa, c.ecRoot], host },
		{ name: "issue 13's impostor: an untrusted CA's leaf sent with the trusted root", chain: [c.evilLeaf, c.ecRoot], anchors: [c.ecRoot], host, rejects: "server certificate is not issued by certificate 1" },
		{ name: "an impostor whose CA took the trusted root's name, root sent along", chain: [c.twinLeaf, c.ecRoot], anchors: [c.ecRoot], host, rejects: "server certificate signature does not verify with certificate 1" },
		{ name: "an impostor whose CA took the trusted root's name, leaf alone", chain: [c.twinLeaf], anchors: [c.ecRoot], host, rejects: "signature does not verify with the trust anchor" },
		{ name: "the impostor's whole chain (its own CA included)", chain: [c.evilLeaf, c.evilCa], anchors: [c.ecRoot], host, rejects: "certificate 1 is issued by an unknown CA" },
		{ name: "a good chain for another host name", chain: [c.ecLeaf, c.ecInter], anchors: [c.ecRoot], host: "other.test", rejects: "server certificate does not name other.test" },
		{ name: "a host name that only ends like the certificate's", chain: [c.ecLeaf, c.ecInter], anchors: [c.ecRoot], host: "evilbroker.test", rejects: "does not name" },
		{ name: "an expired server certificate", chain: [c.expiredLeaf, c.ecInter], anchors: [c.ecRoot], host, rejects: "server certificate has expired" },
		{ name: "a server certificate not valid yet", chain: [c.futureLeaf, c.ecInter], anchors: [c.ecRoot], host, rejects: "server certificate is not valid yet" },
		{ name: "an expired certificate while the board's clock is unknown (dates skipped)", chain: [c.expiredLeaf, c.ecInter], anchors: [c.ecRoot], host, now: 0 },
		{ name: "an intermediate past its validity", chain: [c.ecLeaf, c.ecInter], anchors: [c.ecRoot], host, now: f.validity.ecInter.notAfter + 1000, rejects: "certificate 1 has expired" },
		{ name: "a trust anchor past its validity", chain: [c.bareLeaf], anchors: [c.bareCa], host, now: f.validity.bareCa.notAfter + 1000, rejects: "trust anchor has expired" },
		{ name: "a chain from an unknown CA", chain: [c.ecLeaf, c.ecInter], anchors: [c.rsaRoot], host, rejects: "certificate 1 is issued by an unknown CA" },
		{ name: "no trust anchors at all", chain: [c.ecLeaf, c.ecInter], anchors: [], host, rejects: "unknown CA" },
		{ name: "a CA without key identifiers, as the anchor of a lone leaf", chain: [c.bareLeaf], anchors: [c.bareCa], host },
		{ name: "a CA without key identifiers, sent along", chain: [c.bareLeaf, c.bareCa], anchors: [c.bareCa], host },
		{ name: "a leaf signed directly by the anchor", chain: [c.directLeaf], anchors: [c.ecRoot], host },
		{ name: "a leaf signed directly by the anchor, root sent along", chain: [c.directLeaf, c.ecRoot], anchors: [c.ecRoot], host },
		{ name: "an IP-address leaf for its address", chain: [c.ipLeaf, c.ecInter], anchors: [c.ecRoot], host: "127.0.0.1" },
		{ name: "an IP-address leaf for another address", chain: [c.ipLeaf, c.ecInter], anchors: [c.ecRoot], host: "127.0.0.2", rejects: "does not name 127.0.0.2" },
		{ name: "an IP-address leaf for its DNS name", chain: [c.ipLeaf, c.ecInter], anchors: [c.ecRoot], host },
		{ name: "an IP literal against DNS names only", chain: [c.ecLeaf, c.ecInter], anchors: [c.ecRoot], host: "127.0.0.1", rejects: "does not name" },
		{ name: "a wildcard for one label", chain: [c.wildLeaf, c.ecInter], anchors: [c.ecRoot], host: "Broker.Lamp.test" },
		{ name: "a wildcard for the bare domain", chain: [c.wildLeaf, c.ecInter], anchors: [c.ecRoot], host: "lamp.test", rejects: "does not name" },
		{ name: "a wildcard for two labels", chain: [c.wildLeaf, c.ecInter], anchors: [c.ecRoot], host: "a.broker.lamp.test", rejects: "does not name" },
		{ name: "a server certificate used as a CA", chain: [c.subLeaf, c.ecLeaf, c.ecInter], anchors: [c.ecRoot], host, rejects: "certificate 1 is not a CA" },
		{ name: "a certificate for TLS clients only", chain: [c.clientLeaf, c.ecInter], anchors: [c.ecRoot], host, rejects: "not for TLS servers" },
		{ name: "a flipped signature byte on the leaf", chain: [flipLastByte(c.ecLeaf), c.ecInter], anchors: [c.ecRoot], host, rejects: "server certificate signature does not verify" },
		{ name: "a flipped signature byte on the intermediate", chain: [c.rsaLeaf, flipLastByte(c.rsaInter)], anchors: [c.rsaRoot], host, rejects: "certificate 1 signature does not verify with the trust anchor" },
		{ name: "a truncated certificate", chain: [c.ecLeaf.subarray(0, 200), c.ecInter], anchors: [c.ecRoot], host, rejects: "certificate 0: malformed" },
		{ name: "no certificate", chain: [], anchors: [c.ecRoot], host, rejects: "no certificate" },
		{ name: "a chain longer than the cap", chain: [c.ecLeaf, c.ecInter, c.ecInter, c.ecInter, c.ecInter, c.ecInter, c.ecInter], anchors: [c.ecRoot], host, rejects: "more than 6" },
		{ name: "a certificate larger than the cap", chain: [new Uint8Array(9000)], anchors: [c.ecRoot], host, rejects: "larger than 8192 bytes" },
	];
}
