/**
 * From a pre-shared key to the record keys (RFC 4279 2, RFC 5246 8.1 and 6.3) and the
 * Finished messages' verify_data (RFC 5246 7.4.9), for TLS_PSK_WITH_AES_128_CCM_8: no MAC
 * keys, 16-byte write keys and 4-byte implicit IVs.
 */
import type { Crypto } from "../common/board";
import { concat } from "../common/bytes";
import { prf } from "./prf";

export const RANDOM = 32;
export const MASTER_SECRET = 48;
export const VERIFY_DATA = 12;

/** The key block cut into its parts: the client's then the server's key, then their IVs. */
export interface KeyBlock {
	readonly clientKey: Uint8Array;
	readonly serverKey: Uint8Array;
	readonly clientIv: Uint8Array;
	readonly serverIv: Uint8Array;
}

/** RFC 4279 2: uint16 N, N zero bytes, uint16 N, the key itself. */
export function pskPremaster(psk: Uint8Array): Uint8Array {
	const n = psk.length;
	const premaster = new Uint8Array(4 + 2 * n);
	premaster[0] = n >> 8;
	premaster[1] = n & 0xff;
	premaster[n + 2] = n >> 8;
	premaster[n + 3] = n & 0xff;
	premaster.set(psk, n + 4);
	return premaster;
}

export function masterSecret(crypto: Crypto, psk: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): Uint8Array {
	const premaster = pskPremaster(psk);
	const master = prf(crypto, premaster, "master secret", concat([clientRandom, serverRandom], 2 * RANDOM), MASTER_SECRET);
	premaster.fill(0);
	return master;
}

export function keyBlock(crypto: Crypto, master: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): KeyBlock {
	// The key expansion's seed has the server's random first.
	const block = prf(crypto, master, "key expansion", concat([serverRandom, clientRandom], 2 * RANDOM), 40);
	return { clientKey: block.subarray(0, 16), serverKey: block.subarray(16, 32), clientIv: block.subarray(32, 36), serverIv: block.subarray(36, 40) };
}

/** verify_data of the client's (`"client finished"`) or the server's Finished over the transcript's hash. */
export function verifyData(crypto: Crypto, master: Uint8Array, label: "client finished" | "server finished", transcript: readonly Uint8Array[]): Uint8Array {
	return prf(crypto, master, label, crypto.sha256(transcript), VERIFY_DATA);
}
