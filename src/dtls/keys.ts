/**
 * From a pre-shared key to the record keys (RFC 4279 2, RFC 5246 8.1 and 6.3) and the
 * Finished messages' verify_data (RFC 5246 7.4.9), for TLS_PSK_WITH_AES_128_CCM_8: no MAC
 * keys, 16-byte write keys and 4-byte implicit IVs.
 */
import type { Crypto } from "../common/board";
import { prf } from "./prf";

/**
 * The key block's 40 bytes: client_write_key, server_write_key (16 each), then
 * client_write_IV, server_write_IV (4 each).
 */
export type KeyBlock = Uint8Array;

/** The master secret from the PSK's premaster (RFC 4279 2: uint16 N, N zero bytes, uint16 N, the key itself). */
export function masterSecret(crypto: Crypto, psk: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): Uint8Array {
	const n = psk.length;
	const premaster = new Uint8Array(4 + 2 * n);
	premaster[0] = premaster[n + 2] = n >> 8;
	premaster[1] = premaster[n + 3] = n;
	premaster.set(psk, n + 4);
	const master = prf(crypto, premaster, "master secret", [clientRandom, serverRandom], 48);
	premaster.fill(0);
	return master;
}

export function keyBlock(crypto: Crypto, master: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): KeyBlock {
	// The key expansion's seed has the server's random first.
	return prf(crypto, master, "key expansion", [serverRandom, clientRandom], 40);
}

/** verify_data of the client's (`client` true) or the server's Finished over the transcript's hash. */
export function verifyData(crypto: Crypto, master: Uint8Array, client: boolean, transcript: readonly Uint8Array[]): Uint8Array {
	return prf(crypto, master, client ? "client finished" : "server finished", [crypto.sha256(transcript)], 12);
}
