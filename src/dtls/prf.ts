/**
 * HMAC-SHA256 (RFC 2104) and the TLS 1.2 PRF (RFC 5246 section 5: P_SHA256) over the
 * board's SHA-256. DTLS 1.2 uses them for the master secret, the key block, the Finished
 * messages and the server's cookie. Both take their message in parts, hashed in order,
 * so no seed is ever joined into a buffer of its own.
 */
import type { Crypto } from "../common/board";

const BLOCK = 64;

/** HMAC-SHA256 of `parts` under `key`. */
export function hmacSha256(crypto: Crypto, key: Uint8Array, parts: readonly Uint8Array[]): Uint8Array {
	const k = key.length > BLOCK ? crypto.sha256([key]) : key;
	const inner = new Uint8Array(BLOCK);
	const outer = new Uint8Array(BLOCK);
	for (let i = 0; i < BLOCK; i++) {
		const byte = i < k.length ? k[i] : 0;
		inner[i] = byte ^ 0x36;
		outer[i] = byte ^ 0x5c;
	}
	return crypto.sha256([outer, crypto.sha256(([inner] as Uint8Array[]).concat(parts))]);
}

/** PRF(secret, label, seed) cut to `length` bytes; `label` is ASCII, `seed` its parts in order. */
export function prf(crypto: Crypto, secret: Uint8Array, label: string, seed: readonly Uint8Array[], length: number): Uint8Array {
	const labelSeed = ([ascii(label)] as Uint8Array[]).concat(seed);
	const out = new Uint8Array(length);
	// A(1) = HMAC(secret, seed); each output block is HMAC(secret, A(i) + seed).
	let a = hmacSha256(crypto, secret, labelSeed);
	for (let offset = 0; offset < length; offset += 32) {
		out.set(hmacSha256(crypto, secret, [a].concat(labelSeed)).subarray(0, length - offset), offset);
		if (offset + 32 < length) a = hmacSha256(crypto, secret, [a]);
	}
	return out;
}

function ascii(text: string): Uint8Array {
	const bytes = new Uint8Array(text.length);
	for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
	return bytes;
}
