/**
 * Public keys and signatures in the shapes a board's big-number crypto needs, read from
 * their DER forms: for boards whose signature primitives take raw integers and points
 * (Moddable's rsa and ecdsa modules) rather than DER.
 */
import { DerReader, Tag } from "./x509";

export type PublicKey =
	| { readonly kind: "rsa"; readonly modulus: Uint8Array; readonly exponent: Uint8Array }
	| { readonly kind: "ec"; readonly curve: "P-256" | "P-384"; readonly point: Uint8Array };

const RSA_ENCRYPTION = Uint8Array.of(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01);
const EC_PUBLIC_KEY = Uint8Array.of(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01);
const P256 = Uint8Array.of(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07);
const P384 = Uint8Array.of(0x2b, 0x81, 0x04, 0x00, 0x22);

/** An unsigned big-endian integer without its DER sign octet or leading zeros. */
function magnitude(bytes: Uint8Array): Uint8Array {
	let at = 0;
	while (at < bytes.length - 1 && bytes[at] === 0) at++;
	return bytes.subarray(at);
}

/** The key in a DER SubjectPublicKeyInfo, or undefined for a kind or curve not listed above. */
export function parsePublicKey(publicKeyInfo: Uint8Array): PublicKey | undefined {
	try {
		const spki = new DerReader(publicKeyInfo).expect(Tag.SEQUENCE).enter();
		const algorithm = spki.expect(Tag.SEQUENCE).enter().expect(Tag.OID);
		const key = spki.bitString();
		if (algorithm.contentsAre(RSA_ENCRYPTION)) {
			const numbers = new DerReader(key).expect(Tag.SEQUENCE).enter();
			const modulus = magnitude(numbers.expect(Tag.INTEGER).value());
			return { kind: "rsa", modulus, exponent: magnitude(numbers.expect(Tag.INTEGER).value()) };
		}
		if (algorithm.contentsAre(EC_PUBLIC_KEY)) {
			algorithm.expect(Tag.OID);
			const curve = algorithm.contentsAre(P256) ? "P-256" : algorithm.contentsAre(P384) ? "P-384" : void 0;
			return curve && { kind: "ec", curve, point: key };
		}
	} catch {
		// malformed: no key
	}
	return;
}

/** An ECDSA signature's r and s (unsigned, big-endian) from its DER SEQUENCE, or undefined. */
export function ecdsaSignature(signature: Uint8Array): { r: Uint8Array; s: Uint8Array } | undefined {
	try {
		const top = new DerReader(signature).expect(Tag.SEQUENCE);
		const numbers = top.enter();
		const r = numbers.expect(Tag.INTEGER).value();
		const s = numbers.expect(Tag.INTEGER).value();
		if (!top.done || !numbers.done || r[0] & 0x80 || s[0] & 0x80) return; // negative, or trailing bytes
		return { r: magnitude(r), s: magnitude(s) };
	} catch {
		return;
	}
}

/**
 * DER of DigestInfo { AlgorithmIdentifier { id-sha256 (2.16.840.1.101.3.4.2.1), NULL },
 * OCTET STRING } up to the digest (RFC 8017 9.2 note 1). For SHA-384 three octets differ,
 * each set from the digest's length: the two lengths and the OID's last arc (2).
 */
const DIGEST_INFO = Uint8Array.of(0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20);

/**
 * EMSA-PKCS1-v1_5 (RFC 8017 9.2): the exact block a valid RSA signature of `digest`
 * decrypts to, for a modulus of `length` bytes. Verifying by building this block and
 * comparing it whole (rather than parsing the decrypted block) leaves no room for the
 * lax-parsing forgeries of Bleichenbacher 2006; undefined if the modulus is too short.
 */
export function pkcs1v15Block(hash: "SHA256" | "SHA384", digest: Uint8Array, length: number): Uint8Array | undefined {
	const size = digest.length;
	const t = DIGEST_INFO.length + size;
	if (length < t + 11 || size !== (hash === "SHA256" ? 32 : 48)) return;
	const block = new Uint8Array(length).fill(0xff, 2, length - t - 1);
	block[1] = 0x01;
	block[length - t - 1] = 0x00;
	block.set(DIGEST_INFO, length - t);
	block[length - t + 1] = 0x11 + size; // the DigestInfo's length
	block[length - t + 14] = size === 32 ? 1 : 2; // id-sha256 or id-sha384
	block[length - size - 1] = size; // the digest's OCTET STRING length
	block.set(digest, length - size);
	return block;
}
