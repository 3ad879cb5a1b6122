/**
 * The block cipher of the Moddable SDK's "crypt" module (modules/crypt/digest/crypt.js),
 * which no typings declare; it merges with the Digest of the SDK's typings (or of
 * sdk-digest.d.ts). Referenced from crypto.ts, so mcconfig's own tsc run sees it too.
 */
declare module "crypt" {
	export class BlockCipher {
		constructor(cipher: "AES" | "DES" | "TDES", key: ArrayBuffer);
		/** Encrypts one block of `data` into `result` (a new ArrayBuffer when absent). */
		encrypt(data: ArrayBuffer, result?: ArrayBuffer): ArrayBuffer;
		readonly blockSize: number;
	}
}
