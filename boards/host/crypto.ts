/** The host board's DTLS primitives: Node's crypto (OpenSSL). */
import { createCipheriv, createHash } from "node:crypto";
import type { BlockCipher, Crypto } from "../../src/common/board";

class NodeAes implements BlockCipher {
	readonly #key: Buffer;
	constructor(key: Uint8Array) {
		this.#key = Buffer.from(key);
	}
	encryptBlock(input: Uint8Array, output: Uint8Array): void {
		// ECB of one block is the raw AES block; a cipher per call keeps no state between blocks.
		const cipher = createCipheriv("aes-128-ecb", this.#key, null).setAutoPadding(false);
		output.set(cipher.update(input.subarray(0, 16)));
	}
}

export const hostCrypto: Crypto = {
	aes128: (key) => new NodeAes(key),
	sha256(parts) {
		const hash = createHash("sha256");
		for (const part of parts) hash.update(part);
		return new Uint8Array(hash.digest());
	},
};
