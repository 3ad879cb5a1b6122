/**
 * The firmware's own certificate chain check (src/tls) on chains openssl made for this
 * run. Signatures are answered from the verdicts node:crypto recorded for these exact
 * bytes (the XS engine has no crypto of its own), so everything else, parsing, chain
 * building, anchors, dates, names and caps, runs for real in both engines.
 */
import type { SignatureVerifier } from "../../src/common/board";
import { ProtocolError } from "../../src/common/errors";
import { CertificateCapture, MAX_CERTIFICATE_MESSAGE } from "../../src/tls/capture";
import { sameBytes } from "../../src/tls/x509";
import { ecdsaSignature, parsePublicKey, pkcs1v15Block } from "../../src/tls/keys";
import { verifyChain } from "../../src/tls/verify";
import { parseCertificate } from "../../src/tls/x509";
import { concat } from "./bytes";
import { expectProtocolError } from "./errors";
import { describe, check, it } from "./test-api";
import { chainCases } from "./tls-cases";
import type { SignatureVerdict } from "./tls-fixture-types";
import { tlsFixtures as f } from "./tls-fixtures";

/** True only for a (key, bytes, signature) that node:crypto verified. */
function recordedVerdicts(verdicts: readonly SignatureVerdict[]): SignatureVerifier & { asked: number } {
	const verifier = Object.assign(
		(algorithm: string, publicKeyInfo: Uint8Array, signed: Uint8Array, signature: Uint8Array) => {
			verifier.asked++;
			return verdicts.some(
				(v) => v.algorithm === algorithm && sameBytes(v.signature, signature) && sameBytes(v.publicKeyInfo, publicKeyInfo) && sameBytes(v.signed, signed),
			);
		},
		{ asked: 0 },
	);
	return verifier;
}

/** `der` claiming sha1WithRSAEncryption where it says sha256WithRSAEncryption (both copies, outer and signed). */
function sha1(der: Uint8Array): Uint8Array {
	const copy = der.slice();
	for (let i = 0; i + 9 <= copy.length; i++)
		if (copy[i] === 0x2a && copy[i + 1] === 0x86 && copy[i + 7] === 0x01 && copy[i + 8] === 0x0b) copy[i + 8] = 0x05;
	return copy;
}

const length3 = (n: number) => [n >> 16, (n >> 8) & 0xff, n & 0xff];
const record = (type: number, body: Uint8Array) => concat([type, 3, 3, body.length >> 8, body.length & 0xff], body);
const handshake = (type: number, body: Uint8Array) => concat([type, ...length3(body.length)], body);
const certificateMessage = (chain: Uint8Array[]) => {
	const list = concat(...chain.flatMap((der) => [length3(der.length), der]));
	return handshake(11, concat(length3(list.length), list));
};

describe("TLS chain verification", () => {
	describe("verifyChain", () => {
		for (const c of chainCases(f)) {
			it(`${c.rejects ? "refuses" : "accepts"} ${c.name}`, () => {
				const run = () => verifyChain({ chain: c.chain, anchors: c.anchors, host: c.host, now: c.now ?? f.now, verifySignature: recordedVerdicts(f.verdicts) });
				if (!c.rejects) return run();
				const error = expectProtocolError(run, "TLS_CERTIFICATE_REJECTED");
				check(error.message).toContain(c.rejects);
			});
		}

		it("checks every signature up the chain: two for a leaf and an intermediate", () => {
			const verifier = recordedVerdicts(f.verdicts);
			verifyChain({ chain: [f.certs.rsaLeaf, f.certs.rsaInter], anchors: [f.certs.rsaRoot], host: "broker.test", now: f.now, verifySignature: verifier });
			check(verifier.asked).toBe(2);
		});

		it("treats a primitive that throws as a signature that does not verify", () => {
			const throwing: SignatureVerifier = () => {
				throw new Error("unsupported key");
			};
			const error = expectProtocolError(
				() => verifyChain({ chain: [f.certs.directLeaf], anchors: [f.certs.ecRoot], host: "broker.test", now: f.now, verifySignature: throwing }),
				"TLS_CERTIFICATE_REJECTED",
			);
			check(error).toBeInstanceOf(ProtocolError);
			check(error.message).toContain("does not verify");
		});
	});

	describe("the recorded verdicts", () => {
		it("hold one signer for every certificate, and nothing for altered bytes", () => {
			check(f.verdicts).toHaveLength(Object.keys(f.certs).length);
			const verifier = recordedVerdicts(f.verdicts);
			const leaf = parseCertificate(f.certs.ecLeaf);
			const issuer = parseCertificate(f.certs.ecInter);
			check(verifier(leaf.signatureAlgorithm!, issuer.publicKeyInfo, leaf.tbs, leaf.signature)).toBe(true);
			check(verifier(leaf.signatureAlgorithm!, leaf.publicKeyInfo, leaf.tbs, leaf.signature)).toBe(false);
		});
	});

	describe("parseCertificate", () => {
		it("reads every fixture's dates as OpenSSL does, UTCTime and GeneralizedTime", () => {
			for (const name of Object.keys(f.certs)) {
				const certificate = parseCertificate(f.certs[name]);
				check([name, certificate.notBefore, certificate.notAfter]).toEqual([name, f.validity[name].notBefore, f.validity[name].notAfter]);
			}
			check(parseCertificate(f.certs.ecRoot).notAfter).toBeGreaterThan(Date.UTC(2050, 0, 1));
		});

		it("reads algorithms, names, CA flags and key usages", () => {
			const rsaLeaf = parseCertificate(f.certs.rsaLeaf);
			check(rsaLeaf.signatureAlgorithm).toBe("sha256WithRSAEncryption");
			check(parseCertificate(f.certs.rsaInter).signatureAlgorithm).toBe("sha384WithRSAEncryption");
			check(parseCertificate(f.certs.ecLeaf).signatureAlgorithm).toBe("ecdsa-with-SHA384");
			check(parseCertificate(f.certs.ecInter).signatureAlgorithm).toBe("ecdsa-with-SHA256");
			check(rsaLeaf.dnsNames).toEqual(["broker.test"]);
			check(rsaLeaf.ca).toBe(false);
			check(rsaLeaf.serverAuth).toBe(true);
			check(parseCertificate(f.certs.clientLeaf).serverAuth).toBe(false);
			const ip = parseCertificate(f.certs.ipLeaf);
			check(ip.ipAddresses).toEqual([Uint8Array.of(127, 0, 0, 1)]);
			check(ip.dnsNames).toEqual(["broker.test"]);
			const bare = parseCertificate(f.certs.bareCa);
			check([bare.ca, bare.keyCertSign]).toEqual([true, true]);
			check(sameBytes(bare.issuer, bare.subject)).toBe(true);
			check(sameBytes(parseCertificate(f.certs.bareLeaf).issuer, bare.subject)).toBe(true);
		});

		it("keeps views into the certificate rather than copies", () => {
			const der = f.certs.rsaLeaf;
			const certificate = parseCertificate(der);
			check(certificate.tbs.buffer === der.buffer && certificate.publicKeyInfo.buffer === der.buffer).toBe(true);
		});

		it("refuses a BOOLEAN that is not one octet (an empty cA flag must not read the byte after it)", () => {
			const der = f.certs.bareCa.slice();
			// basicConstraints' value: SEQUENCE { BOOLEAN TRUE } is 30 03 01 01 ff; its BOOLEAN made empty, the ff left after it.
			let at = -1;
			for (let i = 0; i + 5 <= der.length && at < 0; i++) if (der[i] === 0x30 && der[i + 1] === 3 && der[i + 2] === 1 && der[i + 3] === 1 && der[i + 4] === 0xff) at = i;
			check(at > 0).toBe(true);
			der[at + 3] = 0;
			check(expectProtocolError(() => parseCertificate(der), "TLS_CERTIFICATE_REJECTED").message).toContain("BOOLEAN");
		});

		it("refuses a validity time with a byte that is not a digit", () => {
			// notBefore is the first UTCTime (17 0d) or GeneralizedTime (18 0f); each of its digits in turn made "/" (just below "0") or ":" (just above "9").
			const der = f.certs.ecLeaf;
			let at = -1;
			for (let i = 0; i + 2 <= der.length && at < 0; i++) if ((der[i] === 0x17 && der[i + 1] === 13) || (der[i] === 0x18 && der[i + 1] === 15)) at = i + 2;
			check(at > 0).toBe(true);
			for (let i = at; i < at + der[at - 1] - 1; i++) {
				for (const bad of [0x2f, 0x3a]) {
					const broken = der.slice();
					broken[i] = bad;
					check(expectProtocolError(() => parseCertificate(broken), "TLS_CERTIFICATE_REJECTED").message).toContain("validity time");
				}
			}
		});

		it("refuses trailing bytes and indefinite lengths", () => {
			expectProtocolError(() => parseCertificate(concat(f.certs.ecLeaf, [0])), "TLS_CERTIFICATE_REJECTED");
			const indefinite = f.certs.ecLeaf.slice();
			indefinite[1] = 0x80;
			expectProtocolError(() => parseCertificate(indefinite), "TLS_CERTIFICATE_REJECTED");
		});

		it("reads a certificate signed with another algorithm, which only an anchor may be", () => {
			const rsaSha1 = sha1(f.certs.rsaLeaf);
			check(parseCertificate(rsaSha1).signatureAlgorithm).toBeUndefined();
			const run = () => verifyChain({ chain: [rsaSha1, f.certs.rsaInter], anchors: [f.certs.rsaRoot], host: "broker.test", now: f.now, verifySignature: recordedVerdicts(f.verdicts) });
			check(expectProtocolError(run, "TLS_CERTIFICATE_REJECTED").message).toContain("server certificate has an unsupported signature algorithm");
			// Most of the SDK's CA bundle is self-signed with SHA-1: as anchors they must work.
			verifyChain({ chain: [f.certs.rsaLeaf, f.certs.rsaInter], anchors: [sha1(f.certs.rsaRoot)], host: "broker.test", now: f.now, verifySignature: recordedVerdicts(f.verdicts) });
			verifyChain({ chain: [f.certs.rsaLeaf, f.certs.rsaInter, sha1(f.certs.rsaRoot)], anchors: [sha1(f.certs.rsaRoot)], host: "broker.test", now: f.now, verifySignature: recordedVerdicts(f.verdicts) });
		});

		it("skips an anchor it cannot read instead of refusing every chain", () => {
			verifyChain({ chain: [f.certs.ecLeaf, f.certs.ecInter], anchors: [Uint8Array.of(0x30, 0x00), f.certs.ecRoot], host: "broker.test", now: f.now, verifySignature: recordedVerdicts(f.verdicts) });
		});
	});

	describe("keys for a board's big-number crypto", () => {
		it("reads RSA and EC public keys", () => {
			const rsa = parsePublicKey(parseCertificate(f.certs.rsaLeaf).publicKeyInfo);
			check(rsa?.kind === "rsa" && [rsa.modulus.length, Array.from(rsa.exponent)]).toEqual([256, [1, 0, 1]]);
			const p256 = parsePublicKey(parseCertificate(f.certs.ecLeaf).publicKeyInfo);
			check(p256?.kind === "ec" && [p256.curve, p256.point.length]).toEqual(["P-256", 65]);
			const p384 = parsePublicKey(parseCertificate(f.certs.ecInter).publicKeyInfo);
			check(p384?.kind === "ec" && [p384.curve, p384.point.length]).toEqual(["P-384", 97]);
			check(parsePublicKey(Uint8Array.of(0x30, 0x00))).toBeUndefined();
		});

		it("reads ECDSA r and s without sign octets", () => {
			const rs = ecdsaSignature(parseCertificate(f.certs.ecLeaf).signature);
			check(rs !== undefined && rs.r.length <= 48 && rs.s.length <= 48 && rs.r[0] !== 0).toBe(true);
			check(ecdsaSignature(Uint8Array.of(0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01))).toBeUndefined(); // negative r
		});

		it("builds the PKCS#1 v1.5 block a signature decrypts to", () => {
			const digest = new Uint8Array(32).fill(0xab);
			const block = pkcs1v15Block("SHA256", digest, 256) as Uint8Array;
			check(Array.from(block.subarray(0, 3))).toEqual([0, 1, 0xff]);
			check(block[256 - 32 - 19 - 1]).toBe(0);
			check(block[256 - 32 - 19 - 2]).toBe(0xff);
			check(Array.from(block.subarray(256 - 32))).toEqual(Array.from(digest));
			check(pkcs1v15Block("SHA384", new Uint8Array(48), 64)).toBeUndefined();
		});
	});

	describe("CertificateCapture", () => {
		const chain = [f.certs.ecLeaf, f.certs.ecInter];
		const serverHello = handshake(2, new Uint8Array(70).fill(7));
		const certificate = certificateMessage(chain);
		const done = handshake(14, new Uint8Array(0));
		const split = 300;
		const flight = concat(
			record(22, concat(serverHello, certificate.subarray(0, split))),
			record(22, concat(certificate.subarray(split), done)),
			record(20, Uint8Array.of(1)),
			record(22, new Uint8Array(40).fill(0x55)), // encrypted Finished: never looked at
		);

		it("keeps the chain from a Certificate message split over records, fed in one piece or byte by byte", () => {
			const whole = new CertificateCapture();
			whole.push(flight);
			check(whole.chain).toEqual(chain);
			const bytes = new CertificateCapture();
			for (let i = 0; i < flight.length; i++) bytes.push(flight.subarray(i, i + 1));
			check([bytes.done, bytes.error]).toEqual([true, undefined]);
			check(bytes.chain).toEqual(chain);
		});

		it("stops at ChangeCipherSpec without a chain when there was none", () => {
			const capture = new CertificateCapture();
			capture.push(concat(record(22, serverHello), record(20, Uint8Array.of(1))));
			check([capture.done, capture.chain]).toEqual([true, undefined]);
		});

		it("refuses a Certificate message over its cap, and a malformed one", () => {
			const large = new CertificateCapture();
			large.push(record(22, Uint8Array.of(11, ...length3(MAX_CERTIFICATE_MESSAGE + 1))));
			check(large.error).toContain("more than");
			const malformed = new CertificateCapture();
			malformed.push(record(22, handshake(11, Uint8Array.of(0, 0, 9, 0, 0, 1, 0x30))));
			check([malformed.done, malformed.error]).toEqual([true, "malformed certificate message"]);
		});
	});
});
