/**
 * The portable CCM_8 and PRF against node:crypto (OpenSSL) on random inputs, both over
 * the host board's primitives and over the soft ones the XS suites use: the same bytes
 * out of OpenSSL's aes-128-ccm and of P_SHA256 built on its HMAC.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hostCrypto } from "../../boards/host/crypto";
import { ccmOpen, ccmSeal } from "../../src/dtls/ccm";
import { prf } from "../../src/dtls/keys";
import { softCrypto } from "../../testkit/portable/soft-crypto";

function opensslSeal(key: Buffer, nonce: Buffer, aad: Buffer, message: Buffer): Buffer {
	const cipher = createCipheriv("aes-128-ccm", key, nonce, { authTagLength: 8 });
	cipher.setAAD(aad, { plaintextLength: message.length });
	return Buffer.concat([cipher.update(message), cipher.final(), cipher.getAuthTag()]);
}

function pSha256(secret: Buffer, seed: Buffer, length: number): Buffer {
	let a = createHmac("sha256", secret).update(seed).digest();
	const blocks: Buffer[] = [];
	for (let have = 0; have < length; have += 32) {
		blocks.push(createHmac("sha256", secret).update(Buffer.concat([a, seed])).digest());
		a = createHmac("sha256", secret).update(a).digest();
	}
	return Buffer.concat(blocks).subarray(0, length);
}

describe.each([
	["host board (node:crypto)", hostCrypto],
	["soft (the XS suites')", softCrypto],
])("DTLS primitives over %s against OpenSSL", (_name, crypto) => {
	it("CCM_8 with DTLS's 12-byte nonce seals as aes-128-ccm does, and opens what it sealed", () => {
		for (let round = 0; round < 60; round++) {
			const key = randomBytes(16);
			const nonce = randomBytes(12);
			const aad = randomBytes(13);
			const message = randomBytes(round * 7 + 1);
			const ours = ccmSeal(crypto.aes128(key), nonce, aad, message);
			expect(Buffer.from(ours).toString("hex")).toBe(opensslSeal(key, nonce, aad, message).toString("hex"));
			const decipher = createDecipheriv("aes-128-ccm", key, nonce, { authTagLength: 8 });
			decipher.setAuthTag(Buffer.from(ours.subarray(ours.length - 8)));
			decipher.setAAD(aad, { plaintextLength: message.length });
			expect(Buffer.from(decipher.update(ours.subarray(0, ours.length - 8))).equals(message)).toBe(true);
			expect(Buffer.from(ccmOpen(crypto.aes128(key), nonce, aad, ours) ?? []).equals(message)).toBe(true);
		}
	});

	it("the PRF is P_SHA256 over label and seed, for every length to 200", () => {
		for (let length = 1; length <= 200; length += 13) {
			const secret = randomBytes(length % 70);
			const seed = randomBytes(64);
			const ours = prf(crypto, secret, "key expansion", [seed], length);
			expect(Buffer.from(ours).toString("hex")).toBe(pSha256(secret, Buffer.concat([Buffer.from("key expansion"), seed]), length).toString("hex"));
		}
	});
});
