/**
 * AES-CCM (RFC 3610) over the board's AES block: CBC-MAC over the header block B0, the
 * additional data and the message, then CTR encryption of the message and the tag. DTLS's
 * TLS_PSK_WITH_AES_128_CCM_8 (RFC 6655) has a 12-byte nonce (so L = 3) and an 8-byte tag;
 * the RFC 3610 vectors use 13 bytes and tags of 8 or 10, hence the parameters.
 */
import type { BlockCipher } from "../common/board";

/** `message` encrypted, with its `tagLength`-byte tag appended. */
export function ccmSeal(cipher: BlockCipher, nonce: Uint8Array, aad: Uint8Array, message: Uint8Array, tagLength = 8): Uint8Array {
	const length = message.length;
	const out = new Uint8Array(length + tagLength);
	const tag = cbcMac(cipher, nonce, aad, message, length, tagLength);
	const s0 = ctr(cipher, nonce, message, out, length);
	for (let i = 0; i < tagLength; i++) out[length + i] = tag[i] ^ s0[i];
	return out;
}

/** The message of `sealed` (ciphertext then tag), or undefined when the tag is wrong. */
export function ccmOpen(cipher: BlockCipher, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array, tagLength = 8): Uint8Array | undefined {
	const length = sealed.length - tagLength;
	if (length < 0) return undefined;
	const message = new Uint8Array(length);
	const s0 = ctr(cipher, nonce, sealed, message, length);
	const tag = cbcMac(cipher, nonce, aad, message, length, tagLength);
	// Every byte is compared, whatever the first difference: no timing hint of where.
	let difference = 0;
	for (let i = 0; i < tagLength; i++) difference |= tag[i] ^ s0[i] ^ sealed[length + i];
	return difference === 0 ? message : undefined;
}

function cbcMac(cipher: BlockCipher, nonce: Uint8Array, aad: Uint8Array, message: Uint8Array, length: number, tagLength: number): Uint8Array {
	const x = new Uint8Array(16);
	// B0: flags (Adata, M' = (M - 2) / 2, L' = L - 1), the nonce, the message's length in L bytes.
	x[0] = (aad.length > 0 ? 0x40 : 0) | (((tagLength - 2) >> 1) << 3) | (14 - nonce.length);
	x.set(nonce, 1);
	for (let i = 15, value = length; i > nonce.length; i--, value >>>= 8) x[i] = value;
	cipher.encryptBlock(x, x);
	if (aad.length > 0) {
		// l(a) in two bytes (every AAD here is under 0xFF00), then a, zero-padded to the block.
		let at = 2;
		x[0] ^= aad.length >> 8;
		x[1] ^= aad.length;
		for (let i = 0; i < aad.length; i++) {
			x[at++] ^= aad[i];
			if (at === 16) {
				cipher.encryptBlock(x, x);
				at = 0;
			}
		}
		if (at > 0) cipher.encryptBlock(x, x);
	}
	for (let offset = 0; offset < length; offset += 16) {
		const end = Math.min(16, length - offset);
		for (let i = 0; i < end; i++) x[i] ^= message[offset + i];
		cipher.encryptBlock(x, x);
	}
	return x;
}

/**
 * output[0, length) = input[0, length) xor S_1, S_2, ... (one counter block and one key
 * stream block for all); returns S_0, which encrypts the tag.
 */
function ctr(cipher: BlockCipher, nonce: Uint8Array, input: Uint8Array, output: Uint8Array, length: number): Uint8Array {
	// A_i: flags (L' = L - 1), the nonce, the counter i in L bytes (zero here).
	const a = new Uint8Array(16);
	a[0] = 14 - nonce.length;
	a.set(nonce, 1);
	const s0 = new Uint8Array(16);
	cipher.encryptBlock(a, s0);
	const s = new Uint8Array(16);
	for (let offset = 0, counter = 1; offset < length; offset += 16, counter++) {
		for (let i = 15, value = counter; i > nonce.length; i--, value >>>= 8) a[i] = value;
		cipher.encryptBlock(a, s);
		const end = Math.min(16, length - offset);
		for (let i = 0; i < end; i++) output[offset + i] = input[offset + i] ^ s[i];
	}
	return s0;
}
