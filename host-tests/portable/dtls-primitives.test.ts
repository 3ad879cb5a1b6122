/**
 * DTLS's portable primitives against published vectors: the soft AES and SHA-256 the
 * suites use as board crypto (FIPS 197 C.1, FIPS 180-2 "abc"), HMAC-SHA256 (RFC 4231
 * case 2), the TLS 1.2 PRF (the P_SHA256 vector of the TLS working group's list) and
 * AES-CCM (RFC 3610 packet vectors 1 and 2); a flipped bit fails CCM's tag.
 */
import { describe, it, check } from "./test-api";
import { hex, text, toHex } from "./bytes";
import { softCrypto } from "../../testkit/portable/soft-crypto";
import { hmacSha256, prf } from "../../src/dtls/keys";
import { ccmOpen, ccmSeal } from "../../src/dtls/ccm";

const run = (from: number, length: number) => {
	const bytes = new Uint8Array(length);
	for (let i = 0; i < length; i++) bytes[i] = from + i;
	return bytes;
};

describe("dtls primitives", () => {
	it("soft AES-128 encrypts FIPS 197's C.1 block", () => {
		const out = new Uint8Array(16);
		softCrypto.aes128(hex("000102030405060708090a0b0c0d0e0f")).encryptBlock(hex("00112233445566778899aabbccddeeff"), out);
		check(toHex(out)).toBe(toHex(hex("69c4e0d86a7b0430d8cdb78070b4c55a")));
	});

	it("soft SHA-256 hashes 'abc' and the empty string, in parts or whole", () => {
		check(toHex(softCrypto.sha256([text("a"), text("bc")]))).toBe(toHex(hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")));
		check(toHex(softCrypto.sha256([]))).toBe(toHex(hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")));
	});

	it("HMAC-SHA256 matches RFC 4231 test case 2", () => {
		const mac = hmacSha256(softCrypto, text("Jefe"), [text("what do ya want for nothing?")]);
		check(toHex(mac)).toBe(toHex(hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")));
	});

	it("the TLS 1.2 PRF gives the P_SHA256 test vector's 100 bytes", () => {
		const out = prf(softCrypto, hex("9bbe436ba940f017b17652849a71db35"), "test label", [hex("a0ba9f936cda311827a6f796ffd5198c")], 100);
		const expected =
			"e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66";
		check(toHex(out)).toBe(toHex(hex(expected)));
	});

	const key = hex("c0c1c2c3c4c5c6c7c8c9cacbcccdcecf");
	const vectors: [string, string, number, string][] = [
		["RFC 3610 packet vector #1", "00000003020100a0a1a2a3a4a5", 23, "588c979a61c663d2f066d0c2c0f989806d5f6b61dac38417e8d12cfdf926e0"],
		["RFC 3610 packet vector #2", "00000004030201a0a1a2a3a4a5", 24, "72c91a36e135f8cf291ca894085c87e3cc15c439c9e43a3ba091d56e10400916"],
	];
	for (const [name, nonce, length, sealed] of vectors) {
		it(`AES-CCM seals and opens ${name}`, () => {
			const cipher = softCrypto.aes128(key);
			check(toHex(ccmSeal(cipher, hex(nonce), run(0, 8), run(8, length)))).toBe(toHex(hex(sealed)));
			check(toHex(ccmOpen(cipher, hex(nonce), run(0, 8), hex(sealed)) ?? new Uint8Array(0))).toBe(toHex(run(8, length)));
		});
	}

	it("AES-CCM refuses a flipped bit in the ciphertext, the tag or the additional data", () => {
		const cipher = softCrypto.aes128(key);
		const nonce = hex(vectors[0][1]);
		const sealed = hex(vectors[0][3]);
		for (const at of [0, sealed.length - 1]) {
			const bad = sealed.slice();
			bad[at] ^= 1;
			check(ccmOpen(cipher, nonce, run(0, 8), bad)).toBeUndefined();
		}
		const aad = run(0, 8);
		aad[3] ^= 0x80;
		check(ccmOpen(cipher, nonce, aad, sealed)).toBeUndefined();
		check(ccmOpen(cipher, nonce, run(0, 8), sealed.subarray(0, 7))).toBeUndefined();
	});
});
