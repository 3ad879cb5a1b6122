/**
 * The server's stateless cookie exchange (RFC 6347 4.2.1): a ClientHello without the
 * right cookie gets a HelloVerifyRequest and leaves nothing behind; the cookie is an
 * HMAC of the client's address and hello parameters under a secret drawn at start, so
 * only a client that receives at its address can go on to cost the server a connection.
 */
import type { Crypto } from "../common/board";
import { encodeUtf8 } from "../common/utf8";
import type { Peer } from "../common/session";
import { sameBytes } from "./client-handshake";
import * as hm from "./handshake-messages";
import { HandshakeType } from "./handshake-messages";
import { hmacSha256 } from "./keys";
import * as r from "./record";
import { ContentType, Version } from "./record";

const COOKIE = 16;

/** A ClientHello arriving from a peer without a connection, parsed. */
export interface FirstHello {
	readonly record: r.DtlsRecord;
	readonly fragment: hm.HandshakeFragment;
	readonly hello: hm.ClientHello;
}

/** The ClientHello a datagram opens with, whole in its first record; undefined for anything else (dropped). */
export function firstHello(datagram: Uint8Array): FirstHello | undefined {
	try {
		const record = r.decodeRecords(datagram)[0];
		if (!record || record.type !== ContentType.HANDSHAKE || record.epoch !== 0) return undefined;
		const fragment = hm.decodeFragments(record.fragment)[0];
		if (!fragment || fragment.type !== HandshakeType.CLIENT_HELLO || fragment.offset !== 0 || fragment.body.length !== fragment.length) return undefined;
		return { record, fragment, hello: hm.decodeClientHello(fragment.body) };
	} catch {
		return undefined;
	}
}

export class CookieJar {
	// `declare`d and set in the constructor: class fields cost XS bytecode.
	private declare readonly crypto: Crypto;
	private declare readonly secret: Uint8Array;

	constructor(crypto: Crypto, secret: Uint8Array) {
		this.crypto = crypto;
		this.secret = secret;
	}

	cookie(peer: Peer, hello: hm.ClientHello): Uint8Array {
		const where = encodeUtf8(`${peer.address}:${peer.port}`);
		return hmacSha256(this.crypto, this.secret, [where, hello.random, hello.sessionId]).subarray(0, COOKIE);
	}

	valid(peer: Peer, hello: hm.ClientHello): boolean {
		return hello.cookie.length === COOKIE && sameBytes(hello.cookie, this.cookie(peer, hello));
	}

	/** The HelloVerifyRequest record: its sequence number and message_seq mirror the ClientHello's (4.2.1, 4.2.2). */
	verifyRequest(peer: Peer, first: FirstHello): Uint8Array {
		const message = hm.encodeMessage(HandshakeType.HELLO_VERIFY_REQUEST, first.fragment.messageSeq, hm.encodeHelloVerifyRequest(this.cookie(peer, first.hello)));
		return r.encodeRecord({ type: ContentType.HANDSHAKE, version: Version.DTLS_1_2, epoch: 0, sequence: first.record.sequence }, message);
	}
}
