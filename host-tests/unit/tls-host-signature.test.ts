/**
 * The host board's signature primitive (node:crypto) and the chain check running on it:
 * the same cases as the portable suite, with real signatures instead of recorded ones,
 * and the recorded bytes cross-checked against OpenSSL's own certificate verification.
 */
import { X509Certificate, constants, createHash, createPublicKey, publicDecrypt } from "node:crypto";
import { describe, expect, it } from "vitest";
import { verifySignature } from "../../boards/host/signature";
import { ProtocolError } from "../../src/common/errors";
import { pkcs1v15Block } from "../../src/tls/keys";
import { verifyChain } from "../../src/tls/verify";
import { parseCertificate } from "../../src/tls/x509";
import { makeTlsChains } from "../../testkit/peers/tls-chains";
import { chainCases, flipLastByte } from "../portable/tls-cases";

const f = makeTlsChains();
const flip = (bytes: Uint8Array, at: number) => {
	const copy = bytes.slice();
	copy[at] ^= 0x80;
	return copy;
};

describe("host verifySignature (node:crypto)", () => {
	const leaf = parseCertificate(f.certs.rsaLeaf);
	const issuer = parseCertificate(f.certs.rsaInter);
	const ecLeaf = parseCertificate(f.certs.ecLeaf);
	const ecIssuer = parseCertificate(f.certs.ecInter);

	it("accepts the real signatures, RSA and ECDSA", () => {
		expect(verifySignature(leaf.signatureAlgorithm!, issuer.publicKeyInfo, leaf.tbs, leaf.signature)).toBe(true);
		expect(verifySignature(ecLeaf.signatureAlgorithm!, ecIssuer.publicKeyInfo, ecLeaf.tbs, ecLeaf.signature)).toBe(true);
	});

	it("rejects a flipped signature byte, a flipped signed byte and another key", () => {
		for (const at of [0, 100, leaf.signature.length - 1]) expect(verifySignature(leaf.signatureAlgorithm!, issuer.publicKeyInfo, leaf.tbs, flip(leaf.signature, at))).toBe(false);
		expect(verifySignature(ecLeaf.signatureAlgorithm!, ecIssuer.publicKeyInfo, ecLeaf.tbs, flip(ecLeaf.signature, ecLeaf.signature.length - 1))).toBe(false);
		expect(verifySignature(leaf.signatureAlgorithm!, issuer.publicKeyInfo, flip(leaf.tbs, 50), leaf.signature)).toBe(false);
		expect(verifySignature(leaf.signatureAlgorithm!, parseCertificate(f.certs.rsaRoot).publicKeyInfo, leaf.tbs, leaf.signature)).toBe(false);
	});

	it("answers false, without throwing, for a key of the other kind or no key at all", () => {
		expect(verifySignature("ecdsa-with-SHA256", issuer.publicKeyInfo, leaf.tbs, leaf.signature)).toBe(false);
		expect(verifySignature("sha256WithRSAEncryption", ecIssuer.publicKeyInfo, ecLeaf.tbs, ecLeaf.signature)).toBe(false);
		expect(verifySignature("sha256WithRSAEncryption", Uint8Array.of(0x30, 0), leaf.tbs, leaf.signature)).toBe(false);
	});

	it("agrees with OpenSSL's certificate verification on every recorded pair", () => {
		const byKey = new Map(Object.values(f.certs).map((der) => [Buffer.from(parseCertificate(der).publicKeyInfo).toString("hex"), der]));
		for (const verdict of f.verdicts) {
			const subject = Object.values(f.certs).find((der) => Buffer.from(parseCertificate(der).signature).equals(Buffer.from(verdict.signature)));
			const signer = byKey.get(Buffer.from(verdict.publicKeyInfo).toString("hex"));
			expect(subject && signer && new X509Certificate(subject).verify(new X509Certificate(signer).publicKey)).toBe(true);
		}
	});

	it("builds the PKCS#1 v1.5 block OpenSSL decrypts the signature to", () => {
		const key = createPublicKey({ key: Buffer.from(issuer.publicKeyInfo), format: "der", type: "spki" });
		const block = publicDecrypt({ key, padding: constants.RSA_NO_PADDING }, leaf.signature);
		const digest = createHash("sha256").update(leaf.tbs).digest();
		expect(Buffer.from(pkcs1v15Block("SHA256", digest, 256) as Uint8Array).equals(block)).toBe(true);
	});

	it("builds the SHA-384 block too (its DigestInfo differs in three octets)", () => {
		const root = parseCertificate(f.certs.rsaRoot);
		const key = createPublicKey({ key: Buffer.from(root.publicKeyInfo), format: "der", type: "spki" });
		const block = publicDecrypt({ key, padding: constants.RSA_NO_PADDING }, issuer.signature);
		const digest = createHash("sha384").update(issuer.tbs).digest();
		expect(issuer.signatureAlgorithm).toBe("sha384WithRSAEncryption");
		expect(Buffer.from(pkcs1v15Block("SHA384", digest, block.length) as Uint8Array).equals(block)).toBe(true);
		expect(pkcs1v15Block("SHA384", digest.subarray(0, 32), block.length)).toBeUndefined();
	});
});

describe("verifyChain on node:crypto", () => {
	for (const c of chainCases(f)) {
		it(`${c.rejects ? "refuses" : "accepts"} ${c.name}`, () => {
			const run = () => verifyChain({ chain: c.chain, anchors: c.anchors, host: c.host, now: c.now ?? f.now, verifySignature });
			if (!c.rejects) return run();
			expect(run).toThrow(ProtocolError);
			expect(run).toThrow(c.rejects);
		});
	}

	it("refuses a leaf whose signature was altered, with real crypto too", () => {
		expect(() => verifyChain({ chain: [flipLastByte(f.certs.directLeaf)], anchors: [f.certs.ecRoot], host: "broker.test", now: f.now, verifySignature })).toThrow(
			"does not verify with the trust anchor",
		);
	});
});
