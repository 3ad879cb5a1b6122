/**
 * The server's side of a PSK handshake, from a ClientHello whose cookie checked out
 * (cookie.ts is the stateless part before it): ServerHello and ServerHelloDone; the
 * client's ClientKeyExchange names its identity, whose key `lookup` gives; its
 * ChangeCipherSpec and Finished, then ours. A ClientHello offering a session the cache
 * still holds gets the abbreviated handshake (RFC 5246 7.3): ServerHello,
 * ChangeCipherSpec, Finished at once, and the client's Finished ends it.
 */
import { sameBytes } from "./client-handshake";
import { AlertDescription as A, Marker, type Handshake, type HandshakeLink, type SessionState } from "./connection";
import * as hm from "./handshake-messages";
import { HandshakeType as T, Hello } from "./handshake-messages";
import * as keys from "./keys";
import type { FirstHello } from "./cookie";
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

export class ServerHandshake implements Handshake {
	// Fields `declare`d and set in the constructor, not class fields: less bytecode in XS.
	private declare readonly link: HandshakeLink;
	private declare readonly lookup: PskLookup;
	private declare readonly cache: SessionCache | undefined;
	private declare readonly clientRandom: Uint8Array;
	private declare readonly serverRandom: Uint8Array;
	private declare readonly sessionId: Uint8Array;
	private declare master: Uint8Array;
	private declare readonly transcript: Uint8Array[];
	private declare sendSeq: number;
	private declare step: Step;
	declare readonly resumed: boolean;

	/** Starts from the ClientHello whose cookie checked out (or that resumes a session). */
	constructor(link: HandshakeLink, lookup: PskLookup, cache: SessionCache | undefined, first: FirstHello, now: number) {
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
			link.flight([serverHello, Marker.CCS, this.ownFinished()], true, now);
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
		if (!sameBytes(keys.verifyData(link.crypto, this.master, true, transcript), message.body)) return link.fail(A.DECRYPT_ERROR, "the client's Finished does not verify (wrong pre-shared key?)");
		const session = { sessionId: this.sessionId, masterSecret: this.master };
		if (this.step === Step.FINISHED) {
			transcript.push(message.whole);
			// The last flight: sent again only when the client repeats its own (4.2.4).
			link.flight([Marker.CCS, this.ownFinished()], false, now);
			if (this.sessionId.length > 0) this.cache?.put(session);
		}
		link.established(session);
	}

	/** Our next message, added to the transcript. */
	private send(type: number, body: Uint8Array): Uint8Array {
		const whole = hm.encodeMessage(type, this.sendSeq++, body);
		this.transcript.push(whole);
		return whole;
	}

	/** The key block of the master secret, for epoch 1. */
	private keys(): void {
		const link = this.link;
		link.keys(keys.keyBlock(link.crypto, this.master, this.clientRandom, this.serverRandom));
	}

	/** Our Finished over the transcript so far, which then includes it. */
	private ownFinished(): Uint8Array {
		return this.send(T.FINISHED, keys.verifyData(this.link.crypto, this.master, false, this.transcript));
	}
}
