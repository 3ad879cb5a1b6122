/**
 * The server's side of a PSK handshake, from a ClientHello whose cookie checked out (the
 * stateless part before it is at the end of this file): ServerHello and ServerHelloDone; the
 * client's ClientKeyExchange names its identity, whose key `lookup` gives; its
 * ChangeCipherSpec and Finished, then ours. A ClientHello offering a session the cache
 * still holds gets the abbreviated handshake (RFC 5246 7.3): ServerHello,
 * ChangeCipherSpec, Finished at once, and the client's Finished ends it.
 */
import type { Crypto } from "../common/board";
import type { Peer } from "../common/session";
import { encodeUtf8 } from "../common/utf8";
import { AlertDescription as A, Marker, type Handshake, type HandshakeLink, type SessionState } from "./connection";
import * as hm from "./handshake-messages";
import { HandshakeType as T, Hello } from "./handshake-messages";
import * as keys from "./keys";
import * as r from "./record";
import { ContentType, Version } from "./record";
import type { HandshakeMessage } from "./reassembly";

/** The pre-shared key of `identity`, or undefined for an identity the server does not know. */
export type PskLookup = (identity: Uint8Array) => Uint8Array | undefined;

/** Sessions the server can resume, by id. */
export interface SessionCache {
	find(sessionId: Uint8Array): SessionState | undefined;
	put(session: SessionState): void;
}

/** Where the handshake is: what the next message from the client may be. */
const enum Step {
	KEY_EXCHANGE,
	FINISHED,
	RESUMED,
}

export class ServerHandshake extends keys.PskHandshake implements Handshake {
	// Fields `declare`d and set in the constructor, not class fields: less bytecode in XS.
	private declare readonly lookup: PskLookup;
	private declare readonly cache: SessionCache | undefined;
	private declare readonly sessionId: Uint8Array;
	private declare step: Step;
	declare readonly resumed: boolean;

	/** Starts from the ClientHello whose cookie checked out (or that resumes a session). */
	constructor(link: HandshakeLink, lookup: PskLookup, cache: SessionCache | undefined, first: FirstHello, now: number) {
		super();
		const hello = first.hello;
		const fragment = first.fragment;
		const messageSeq = fragment.messageSeq;
		this.link = link;
		this.lookup = lookup;
		this.cache = cache;
		this.clientRandom = hello.random;
		this.serverRandom = link.randomBytes(Hello.RANDOM);
		// The hello came whole in one fragment: the transcript has it as if sent unfragmented (4.2.6).
		this.transcript = [hm.encodeMessage(T.CLIENT_HELLO, messageSeq, fragment.body)];
		// 4.2.2: after a HelloVerifyRequest the server's messages go on from the ClientHello's number.
		this.sendSeq = messageSeq;
		link.expectFrom(messageSeq + 1);
		if (hello.cipherSuites.indexOf(Hello.PSK_AES_128_CCM_8) < 0) link.fail(A.HANDSHAKE_FAILURE, "the client offers no suite we have");
		const cached = hello.sessionId.length > 0 ? cache?.find(hello.sessionId) : undefined;
		this.sessionId = cached ? cached.sessionId : cache ? link.randomBytes(32) : new Uint8Array(0);
		const serverHello = this.send(T.SERVER_HELLO, hm.encodeServerHello(this.serverRandom, this.sessionId));
		this.resumed = cached !== undefined;
		if (cached) {
			this.master = cached.masterSecret;
			this.keys();
			this.step = Step.RESUMED;
			link.flight([serverHello, Marker.CCS, this.finished(false)], true, now);
		} else {
			this.step = Step.KEY_EXCHANGE;
			link.flight([serverHello, this.send(T.SERVER_HELLO_DONE, new Uint8Array(0))], true, now);
		}
	}

	get awaitsChangeCipherSpec(): boolean {
		return this.step !== Step.KEY_EXCHANGE;
	}

	message(message: HandshakeMessage, now: number): void {
		const link = this.link;
		const transcript = this.transcript;
		if (message.type === T.CLIENT_KEY_EXCHANGE && this.step === Step.KEY_EXCHANGE) {
			const psk = this.lookup(hm.decodeIdentity(message.body, "ClientKeyExchange"));
			if (!psk) return link.fail(A.UNKNOWN_PSK_IDENTITY, "the client's PSK identity is unknown");
			this.master = keys.masterSecret(link.crypto, psk, this.clientRandom, this.serverRandom);
			this.keys();
			transcript.push(message.whole);
			this.step = Step.FINISHED;
			return;
		}
		if (message.type !== T.FINISHED || this.step === Step.KEY_EXCHANGE || link.readEpoch !== 1) return link.fail(A.UNEXPECTED_MESSAGE, `unexpected handshake message ${message.type}`);
		if (!this.verifies(true, message.body)) return link.fail(A.DECRYPT_ERROR, "the client's Finished does not verify (wrong pre-shared key?)");
		const session = { sessionId: this.sessionId, masterSecret: this.master };
		if (this.step === Step.FINISHED) {
			transcript.push(message.whole);
			// The last flight: sent again only when the client repeats its own (4.2.4).
			link.flight([Marker.CCS, this.finished(false)], false, now);
			if (this.sessionId.length > 0) this.cache?.put(session);
		}
		link.established(session);
	}
}

/**
 * The server's stateless cookie exchange (RFC 6347 4.2.1): a ClientHello without the
 * right cookie gets a HelloVerifyRequest and leaves nothing behind; the cookie is an
 * HMAC of the client's address and hello parameters under a secret drawn at start, so
 * only a client that receives at its address can go on to cost the server a connection.
 */
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
		if (!fragment || fragment.type !== T.CLIENT_HELLO || fragment.offset !== 0 || fragment.body.length !== fragment.length) return undefined;
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
		return keys.hmacSha256(this.crypto, this.secret, [where, hello.random, hello.sessionId]).subarray(0, COOKIE);
	}

	valid(peer: Peer, hello: hm.ClientHello): boolean {
		return hello.cookie.length === COOKIE && keys.sameBytes(hello.cookie, this.cookie(peer, hello));
	}

	/** The HelloVerifyRequest record: its sequence number and message_seq mirror the ClientHello's (4.2.1, 4.2.2). */
	verifyRequest(peer: Peer, first: FirstHello): Uint8Array {
		const message = hm.encodeMessage(T.HELLO_VERIFY_REQUEST, first.fragment.messageSeq, hm.encodeHelloVerifyRequest(this.cookie(peer, first.hello)));
		return r.encodeRecord({ type: ContentType.HANDSHAKE, version: Version.DTLS_1_2, epoch: 0, sequence: first.record.sequence }, message);
	}
}
