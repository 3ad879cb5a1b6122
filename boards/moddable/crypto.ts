/**
 * The Moddable boards' DTLS primitives on the SDK's crypt module (modules/crypt/digest):
 * AES and SHA-256 in C (kcl). Its functions take ArrayBuffers, not views: each cipher keeps
 * one 16-byte buffer it copies blocks through, instead of allocating per block.
 */
/// <reference path="./sdk-cipher.d.ts" />
import { BlockCipher as SdkCipher, Digest } from "crypt";
import type { BlockCipher, Crypto } from "../../src/common/board";

// Fields `declare`d and set in the constructor, not class or #private fields: less bytecode, and faster in XS.
class SdkAes implements BlockCipher {
	declare readonly buffer: ArrayBuffer;
	declare readonly view: Uint8Array;
	declare readonly cipher: SdkCipher;
	constructor(key: Uint8Array) {
		this.buffer = new ArrayBuffer(16);
		this.view = new Uint8Array(this.buffer);
		this.cipher = new SdkCipher("AES", key.slice().buffer);
	}
	encryptBlock(input: Uint8Array, output: Uint8Array): void {
		const view = this.view;
		view.set(input.subarray(0, 16));
		this.cipher.encrypt(this.buffer, this.buffer);
		output.set(view);
	}
}

export const moddableCrypto: Crypto = {
	aes128: (key) => new SdkAes(key),
	sha256(parts) {
		// A digest per call: a host object made at preload would be frozen into flash.
		const digest = new Digest("SHA256");
		for (let i = 0; i < parts.length; i++) {
			const part = parts[i];
			digest.write(part.byteOffset === 0 && part.byteLength === part.buffer.byteLength ? (part.buffer as ArrayBuffer) : part.slice().buffer);
		}
		return new Uint8Array(digest.close());
	},
};
