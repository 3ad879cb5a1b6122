/**
 * From a pre-shared key to the record keys (RFC 4279 2, RFC 5246 8.1 and 6.3) and the
 * Finished messages' verify_data (RFC 5246 7.4.9), for TLS_PSK_WITH_AES_128_CCM_8: no MAC
 * keys, 16-byte write keys and 4-byte implicit IVs. Under them, HMAC-SHA256 (RFC 2104) and
 * the TLS 1.2 PRF (RFC 5246 5: P_SHA256) over the board's SHA-256, which the server's
 * cookie uses too. Both take their message in parts, hashed in order, so no seed is ever
 * joined into a buffer of its own.
 */
import type { Crypto } from "../common/board";
import type { HandshakeLink } from "./connection";
import { encodeMessage, HandshakeType } from "./handshake-messages";

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

const BLOCK = 64;

/** HMAC-SHA256 of `parts` under `key`. */
export function hmacSha256(crypto: Crypto, key: Uint8Array, parts: readonly Uint8Array[]): Uint8Array {
	const k = key.length > BLOCK ? crypto.sha256([key]) : key;
	const inner = new Uint8Array(BLOCK);
	const outer = new Uint8Array(BLOCK);
	for (let i = 0; i < BLOCK; i++) {
		const byte = i < k.length ? k[i] : 0;
		inner[i] = byte ^ 0x36;
		outer[i] = byte ^ 0x5c;
	}
	return crypto.sha256([outer, crypto.sha256(([inner] as Uint8Array[]).concat(parts))]);
}

/** PRF(secret, label, seed) cut to `length` bytes; `label` is ASCII, `seed` its parts in order. */
export function prf(crypto: Crypto, secret: Uint8Array, label: string, seed: readonly Uint8Array[], length: number): Uint8Array {
	const labelSeed = ([ascii(label)] as Uint8Array[]).concat(seed);
	const out = new Uint8Array(length);
	// A(1) = HMAC(secret, seed); each output block is HMAC(secret, A(i) + seed).
	let a = hmacSha256(crypto, secret, labelSeed);
	for (let offset = 0; offset < length; offset += 32) {
		out.set(hmacSha256(crypto, secret, [a].concat(labelSeed)).subarray(0, length - offset), offset);
		if (offset + 32 < length) a = hmacSha256(crypto, secret, [a]);
	}
	return out;
}

function ascii(text: string): Uint8Array {
	const bytes = new Uint8Array(text.length);
	for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
	return bytes;
}

/** Compares every byte, whatever the first difference (no timing hint for a Finished or a cookie). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
	if (a.length !== b.length) return false;
	let difference = 0;
	for (let i = 0; i < a.length; i++) difference |= a[i] ^ b[i];
	return difference === 0;
}

/**
 * What both sides of a PSK handshake keep and do alike: the randoms, the master secret, the
 * transcript of the messages so far (RFC 6347 4.2.6) and the next message_seq to send.
 */
export class PskHandshake {
	// Fields `declare`d and set by each side's constructor: class fields cost XS bytecode.
	protected declare link: HandshakeLink;
	protected declare clientRandom: Uint8Array;
	protected declare serverRandom: Uint8Array;
	protected declare master: Uint8Array;
	protected declare transcript: Uint8Array[];
	protected declare sendSeq: number;

	/** Our next message, added to the transcript. */
	protected send(type: number, body: Uint8Array): Uint8Array {
		const whole = encodeMessage(type, this.sendSeq++, body);
		this.transcript.push(whole);
		return whole;
	}

	/** The key block of the master secret, for epoch 1. */
	protected keys(): void {
		const link = this.link;
		link.keys(keyBlock(link.crypto, this.master, this.clientRandom, this.serverRandom));
	}

	/** The Finished of the client's side (`client`) or the server's over the transcript so far: ours, sent and added to it. */
	protected finished(client: boolean): Uint8Array {
		return this.send(HandshakeType.FINISHED, verifyData(this.link.crypto, this.master, client, this.transcript));
	}

	/** The peer's Finished `body` is the client's (`client`) or the server's verify_data over the transcript so far. */
	protected verifies(client: boolean, body: Uint8Array): boolean {
		return sameBytes(verifyData(this.link.crypto, this.master, client, this.transcript), body);
	}
}
