/** The host board's signature primitive for certificate checks: Node's crypto (OpenSSL). */
import { createPublicKey, verify } from "node:crypto";
import type { SignatureAlgorithm, SignatureVerifier } from "../../src/common/board";

const ALGORITHMS: Readonly<Record<SignatureAlgorithm, { hash: string; key: string }>> = {
	sha256WithRSAEncryption: { hash: "sha256", key: "rsa" },
	sha384WithRSAEncryption: { hash: "sha384", key: "rsa" },
	"ecdsa-with-SHA256": { hash: "sha256", key: "ec" },
	"ecdsa-with-SHA384": { hash: "sha384", key: "ec" },
};

export const verifySignature: SignatureVerifier = (algorithm, publicKeyInfo, signed, signature) => {
	const wanted = ALGORITHMS[algorithm];
	try {
		const key = createPublicKey({ key: Buffer.from(publicKeyInfo), format: "der", type: "spki" });
		// An RSA algorithm with an EC key (or the reverse) is a wrong signature, not a question.
		if (!wanted || key.asymmetricKeyType !== wanted.key) return false;
		// RSA keys get PKCS#1 v1.5 (Node's default for "rsa"), ECDSA signatures are DER.
		return verify(wanted.hash, signed, key, signature);
	} catch {
		return false;
	}
};
