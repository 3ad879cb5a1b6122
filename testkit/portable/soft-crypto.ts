/**
 * AES-128 (FIPS 197, encryption only) and SHA-256 (FIPS 180-4) in plain TypeScript: the
 * board crypto of the portable suites, which run in XS without the SDK's crypt modules.
 * Slow and not constant-time: for tests only. Checked against FIPS vectors in
 * dtls-primitives.test.ts, and against node:crypto through the host board.
 */
import type { BlockCipher, Crypto } from "../../src/common/board";

const SBOX = buildSbox();

function buildSbox(): Uint8Array {
	const sbox = new Uint8Array(256);
	// Multiplicative inverse in GF(2^8) by walking generator 3, then the affine map.
	let p = 1;
	let q = 1;
	do {
		p = p ^ ((p << 1) & 0xff) ^ (p & 0x80 ? 0x1b : 0);
		q ^= q << 1;
		q ^= q << 2;
		q ^= q << 4;
		q &= 0xff;
		if (q & 0x80) q ^= 0x09;
		const rot = (x: number, n: number) => ((x << n) | (x >> (8 - n))) & 0xff;
		sbox[p] = q ^ rot(q, 1) ^ rot(q, 2) ^ rot(q, 3) ^ rot(q, 4) ^ 0x63;
	} while (p !== 1);
	sbox[0] = 0x63;
	return sbox;
}

const xtime = (x: number) => ((x << 1) ^ (x & 0x80 ? 0x1b : 0)) & 0xff;

function expandKey(key: Uint8Array): Uint8Array {
	const w = new Uint8Array(176);
	w.set(key);
	let rcon = 1;
	for (let i = 16; i < 176; i += 4) {
		let t0 = w[i - 4], t1 = w[i - 3], t2 = w[i - 2], t3 = w[i - 1];
		if (i % 16 === 0) {
			const first = t0;
			t0 = SBOX[t1] ^ rcon;
			t1 = SBOX[t2];
			t2 = SBOX[t3];
			t3 = SBOX[first];
			rcon = xtime(rcon);
		}
		w[i] = w[i - 16] ^ t0;
		w[i + 1] = w[i - 15] ^ t1;
		w[i + 2] = w[i - 14] ^ t2;
		w[i + 3] = w[i - 13] ^ t3;
	}
	return w;
}

class SoftAes implements BlockCipher {
	private readonly w: Uint8Array;
	constructor(key: Uint8Array) {
		this.w = expandKey(key);
	}
	encryptBlock(input: Uint8Array, output: Uint8Array): void {
		const w = this.w;
		const s = new Uint8Array(16);
		for (let i = 0; i < 16; i++) s[i] = input[i] ^ w[i];
		const t = new Uint8Array(16);
		for (let round = 1; round <= 10; round++) {
			// SubBytes and ShiftRows (state is column-major: byte r + 4c).
			for (let c = 0; c < 4; c++) for (let r = 0; r < 4; r++) t[r + 4 * c] = SBOX[s[r + 4 * ((c + r) & 3)]];
			if (round < 10)
				for (let c = 0; c < 4; c++) {
					const a0 = t[4 * c], a1 = t[4 * c + 1], a2 = t[4 * c + 2], a3 = t[4 * c + 3];
					const all = a0 ^ a1 ^ a2 ^ a3;
					t[4 * c] = a0 ^ all ^ xtime(a0 ^ a1);
					t[4 * c + 1] = a1 ^ all ^ xtime(a1 ^ a2);
					t[4 * c + 2] = a2 ^ all ^ xtime(a2 ^ a3);
					t[4 * c + 3] = a3 ^ all ^ xtime(a3 ^ a0);
				}
			for (let i = 0; i < 16; i++) s[i] = t[i] ^ w[16 * round + i];
		}
		output.set(s);
	}
}

const K = new Uint32Array([
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

function sha256(parts: readonly Uint8Array[]): Uint8Array {
	let length = 0;
	for (let i = 0; i < parts.length; i++) length += parts[i].length;
	const padded = new Uint8Array((((length + 8) >> 6) + 1) << 6);
	let at = 0;
	for (let i = 0; i < parts.length; i++) {
		padded.set(parts[i], at);
		at += parts[i].length;
	}
	padded[length] = 0x80;
	const bits = length * 8;
	padded[padded.length - 4] = bits >>> 24;
	padded[padded.length - 3] = (bits >>> 16) & 0xff;
	padded[padded.length - 2] = (bits >>> 8) & 0xff;
	padded[padded.length - 1] = bits & 0xff;
	const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
	const w = new Uint32Array(64);
	const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));
	for (let block = 0; block < padded.length; block += 64) {
		for (let i = 0; i < 16; i++) w[i] = (padded[block + 4 * i] << 24) | (padded[block + 4 * i + 1] << 16) | (padded[block + 4 * i + 2] << 8) | padded[block + 4 * i + 3];
		for (let i = 16; i < 64; i++) {
			const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
			const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
			w[i] = w[i - 16] + s0 + w[i - 7] + s1;
		}
		let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
		for (let i = 0; i < 64; i++) {
			const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) >>> 0;
			const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
			hh = g;
			g = f;
			f = e;
			e = (d + t1) >>> 0;
			d = c;
			c = b;
			b = a;
			a = (t1 + t2) >>> 0;
		}
		h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
	}
	const out = new Uint8Array(32);
	for (let i = 0; i < 8; i++) {
		out[4 * i] = h[i] >>> 24;
		out[4 * i + 1] = (h[i] >>> 16) & 0xff;
		out[4 * i + 2] = (h[i] >>> 8) & 0xff;
		out[4 * i + 3] = h[i] & 0xff;
	}
	return out;
}

export const softCrypto: Crypto = { aes128: (key) => new SoftAes(key), sha256 };
