/**
 * The Moddable boards' signature primitive for certificate checks, on the SDK's own
 * big-number crypto (modules/crypt: the digests in C, RSA and ECDSA in JavaScript over
 * XS BigInts). It does not use the SDK's PKCS1_5.verify, which parses the decrypted
 * block loosely (no check of the digest algorithm or of trailing bytes): the expected
 * block is built and compared whole instead. ECDSA's r and s are range-checked here,
 * since the SDK's verify does not (r = s = 0 must never verify).
 */
/// <reference path="./sdk-crypt.d.ts" />
import { Digest } from "crypt";
import RSA from "rsa";
import ECDSA from "ecdsa";
import Curve from "curve";
import ECPoint from "ecp";
import type { SignatureAlgorithm, SignatureVerifier } from "../../src/common/board";
import { ecdsaSignature, parsePublicKey, pkcs1v15Block } from "tls/keys";

const HASHES: Readonly<Record<SignatureAlgorithm, "SHA256" | "SHA384">> = {
	sha256WithRSAEncryption: "SHA256",
	sha384WithRSAEncryption: "SHA384",
	"ecdsa-with-SHA256": "SHA256",
	"ecdsa-with-SHA384": "SHA384",
};

/** An unsigned big-endian integer. BigInt.fromArrayBuffer wants a whole ArrayBuffer. */
const big = (bytes: Uint8Array) => BigInt.fromArrayBuffer(bytes.slice().buffer) as unknown as bigint;

/** `bytes` left-padded with zeros to `length` into `into` at `at`; false if it does not fit. */
function place(into: Uint8Array, at: number, length: number, bytes: Uint8Array): boolean {
	if (bytes.length > length) return false;
	into.set(bytes, at + length - bytes.length);
	return true;
}

function verify(algorithm: SignatureAlgorithm, publicKeyInfo: Uint8Array, signed: Uint8Array, signature: Uint8Array): boolean {
	const hash = HASHES[algorithm];
	const key = parsePublicKey(publicKeyInfo);
	if (!hash || !key) return false;
	const hasher = new Digest(hash);
	// The native write reads any byte view in place (xsmcGetBufferReadable); the SDK's typings say ArrayBuffer.
	hasher.write(signed as unknown as ArrayBuffer);
	const digest = new Uint8Array(hasher.close());
	if (key.kind === "rsa") {
		if (!algorithm.endsWith("RSAEncryption")) return false;
		const length = key.modulus.length;
		const modulus = big(key.modulus);
		const exponent = big(key.exponent);
		// RFC 8017 8.2.2: the signature is exactly the modulus's length and below it; e = 1 would sign anything.
		if (signature.length !== length || exponent < 3n) return false;
		const s = big(signature);
		const block = pkcs1v15Block(hash, digest, length);
		return s < modulus && block !== void 0 && new RSA(exponent, modulus).process(s) === big(block);
	}
	if (!algorithm.startsWith("ecdsa")) return false;
	const curve = new Curve(key.curve === "P-256" ? "secp256r1" : "secp384r1");
	const size = curve.orderSize;
	const rs = ecdsaSignature(signature);
	if (!rs || key.point.length !== 1 + 2 * size || key.point[0] !== 4) return false; // uncompressed points only
	const r = big(rs.r);
	const s = big(rs.s);
	if (r <= 0n || r >= curve.n || s <= 0n || s >= curve.n) return false;
	const raw = new Uint8Array(2 * size);
	if (!place(raw, 0, size, rs.r) || !place(raw, size, size, rs.s)) return false;
	const point = new ECPoint(big(key.point.subarray(1, 1 + size)), big(key.point.subarray(1 + size)));
	// FIPS 186-4 6.4: a digest longer than the order is cut to its left-most bits (bytes, for these curves).
	const e = digest.length > size ? digest.slice(0, size) : digest;
	return new ECDSA(point, curve).verify(e.slice().buffer, raw.buffer, false);
}

export const verifySignature: SignatureVerifier = (algorithm, publicKeyInfo, signed, signature) => {
	try {
		return verify(algorithm, publicKeyInfo, signed, signature);
	} catch {
		return false; // the SDK's modules throw on inputs they cannot use
	}
};
