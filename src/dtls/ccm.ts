/**
 * AES-CCM (RFC 3610) over the board's AES block: CBC-MAC over the header block B0, the
 * additional data and the message, then CTR encryption of the message and the tag. DTLS's
 * TLS_PSK_WITH_AES_128_CCM_8 (RFC 6655) has a 12-byte nonce (so L = 3) and an 8-byte tag;
 * the RFC 3610 vectors use 13 bytes and tags of 8 or 10, hence the parameters.
 */
import type { BlockCipher } from "../common/board";

/** `message` encrypted, with its `tagLength`-byte tag appended. */
export function ccmSeal(cipher: BlockCipher, nonce: Uint8Array, aad: Uint8Array, message: Uint8Array, tagLength = 8): Uint8Array {
	const out = new Uint8Array(message.length + tagLength);
	const tag = cbcMac(cipher, nonce, aad, message, message.length, tagLength);
	ctr(cipher, nonce, message, out, message.length);
	const s0 = counterBlock(cipher, nonce, 0);
	for (let i = 0; i < tagLength; i++) out[message.length + i] = tag[i] ^ s0[i];
	return out;
}

/** The message of `sealed` (ciphertext then tag), or undefined when the tag is wrong. */
export function ccmOpen(cipher: BlockCipher, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array, tagLength = 8): Uint8Array | undefined {
	const length = sealed.length - tagLength;
	if (length < 0) return undefined;
	const message = new Uint8Array(length);
	ctr(cipher, nonce, sealed, message, length);
	const tag = cbcMac(cipher, nonce, aad, message, length, tagLength);
	const s0 = counterBlock(cipher, nonce, 0);
	// Every byte is compared, whatever the first difference: no timing hint of where.
	let difference = 0;
	for (let i = 0; i < tagLength; i++) difference |= (tag[i] ^ s0[i]) ^ sealed[length + i];
	return difference === 0 ? message : undefined;
}

function cbcMac(cipher: BlockCipher, nonce: Uint8Array, aad: Uint8Array, message: Uint8Array, length: number, tagLength: number): Uint8Array {
	const lengthSize = 15 - nonce.length;
	const x = new Uint8Array(16);
	x[0] = (aad.length > 0 ? 0x40 : 0) | (((tagLength - 2) >> 1) << 3) | (lengthSize - 1);
	x.set(nonce, 1);
	for (let i = 0, value = length; i < lengthSize; i++, value = Math.floor(value / 256)) x[15 - i] = value & 0xff;
	cipher.encryptBlock(x, x);
	if (aad.length > 0) {
		// l(a) in two bytes (every AAD here is under 0xFF00), then a, zero-padded to the block.
		let at = 2;
		x[0] ^= aad.length >> 8;
		x[1] ^= aad.length & 0xff;
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

/** Counter block A_i encrypted: S_i. */
function counterBlock(cipher: BlockCipher, nonce: Uint8Array, counter: number): Uint8Array {
	const a = counterBase(nonce);
	setCounter(a, nonce.length, counter);
	cipher.encryptBlock(a, a);
	return a;
}

/** A_0: flags and nonce, the counter zero. */
function counterBase(nonce: Uint8Array): Uint8Array {
	const a = new Uint8Array(16);
	a[0] = 14 - nonce.length;
	a.set(nonce, 1);
	return a;
}

function setCounter(a: Uint8Array, nonceLength: number, counter: number): void {
	for (let i = 15, value = counter; i > nonceLength; i--, value = Math.floor(value / 256)) a[i] = value & 0xff;
}

/** output[0, length) = input[0, length) xor S_1, S_2, ...: one counter block and one key stream block for all. */
function ctr(cipher: BlockCipher, nonce: Uint8Array, input: Uint8Array, output: Uint8Array, length: number): void {
	const a = counterBase(nonce);
	const s = new Uint8Array(16);
	for (let offset = 0, counter = 1; offset < length; offset += 16, counter++) {
		setCounter(a, nonce.length, counter);
		cipher.encryptBlock(a, s);
		const end = Math.min(16, length - offset);
		for (let i = 0; i < end; i++) output[offset + i] = input[offset + i] ^ s[i];
	}
}
