/**
 * Public keys and signatures in the shapes a board's big-number crypto needs, read from
 * their DER forms: for boards whose signature primitives take raw integers and points
 * (Moddable's rsa and ecdsa modules) rather than DER.
 */
import * as asn1 from "./der";

export type PublicKey =
	| { readonly kind: "rsa"; readonly modulus: Uint8Array; readonly exponent: Uint8Array }
	| { readonly kind: "ec"; readonly curve: "P-256" | "P-384"; readonly point: Uint8Array };

const RSA_ENCRYPTION = Uint8Array.of(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01);
const EC_PUBLIC_KEY = Uint8Array.of(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01);
const P256 = Uint8Array.of(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07);
const P384 = Uint8Array.of(0x2b, 0x81, 0x04, 0x00, 0x22);

/** An unsigned big-endian integer without its DER sign octet or leading zeros. */
export function magnitude(bytes: Uint8Array): Uint8Array {
	let at = 0;
	while (at < bytes.length - 1 && bytes[at] === 0) at++;
	return bytes.subarray(at);
}

/** The key in a DER SubjectPublicKeyInfo, or undefined for a kind or curve not listed above. */
export function parsePublicKey(publicKeyInfo: Uint8Array): PublicKey | undefined {
	try {
		const spki = new asn1.DerReader(publicKeyInfo).expect(asn1.SEQUENCE, "key").enter();
		const algorithm = spki.expect(asn1.SEQUENCE, "key").enter().expect(asn1.OID, "key");
		const key = spki.bitString("key");
		if (algorithm.contentsAre(RSA_ENCRYPTION)) {
			const numbers = new asn1.DerReader(key).expect(asn1.SEQUENCE, "key").enter();
			const modulus = magnitude(numbers.expect(asn1.INTEGER, "key").value());
			const exponent = magnitude(numbers.expect(asn1.INTEGER, "key").value());
			return { kind: "rsa", modulus, exponent };
		}
		if (algorithm.contentsAre(EC_PUBLIC_KEY)) {
			algorithm.expect(asn1.OID, "key");
			const curve = algorithm.contentsAre(P256) ? "P-256" : algorithm.contentsAre(P384) ? "P-384" : undefined;
			return curve && { kind: "ec", curve, point: key };
		}
	} catch {
		// malformed: no key
	}
	return undefined;
}

/** An ECDSA signature's r and s (unsigned, big-endian) from its DER SEQUENCE, or undefined. */
export function ecdsaSignature(signature: Uint8Array): { r: Uint8Array; s: Uint8Array } | undefined {
	try {
		const top = new asn1.DerReader(signature).expect(asn1.SEQUENCE, "signature");
		const numbers = top.enter();
		const r = numbers.expect(asn1.INTEGER, "signature").value();
		const s = numbers.expect(asn1.INTEGER, "signature").value();
		if (!top.done || !numbers.done || r[0] & 0x80 || s[0] & 0x80) return undefined; // negative, or trailing bytes
		return { r: magnitude(r), s: magnitude(s) };
	} catch {
		return undefined;
	}
}

const DIGEST_INFO: Readonly<Record<"SHA256" | "SHA384", readonly number[]>> = {
	// DER of DigestInfo { AlgorithmIdentifier { id-sha256 / id-sha384, NULL }, OCTET STRING } up to the digest (RFC 8017 9.2 note 1).
	SHA256: [0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20],
	SHA384: [0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30],
};

/**
 * EMSA-PKCS1-v1_5 (RFC 8017 9.2): the exact block a valid RSA signature of `digest`
 * decrypts to, for a modulus of `length` bytes. Verifying by building this block and
 * comparing it whole (rather than parsing the decrypted block) leaves no room for the
 * lax-parsing forgeries of Bleichenbacher 2006; undefined if the modulus is too short.
 */
export function pkcs1v15Block(hash: "SHA256" | "SHA384", digest: Uint8Array, length: number): Uint8Array | undefined {
	const prefix = DIGEST_INFO[hash];
	const t = prefix.length + digest.length;
	if (length < t + 11) return undefined;
	const block = new Uint8Array(length).fill(0xff, 2, length - t - 1);
	block[1] = 0x01;
	block[length - t - 1] = 0x00;
	block.set(prefix, length - t);
	block.set(digest, length - digest.length);
	return block;
}
