/**
 * The server's side of a PSK handshake, from a ClientHello whose cookie checked out
 * (cookie.ts is the stateless part before it): ServerHello and ServerHelloDone; the
 * client's ClientKeyExchange names its identity, whose key `lookup` gives; its
 * ChangeCipherSpec and Finished, then ours. A ClientHello offering a session the cache
 * still holds gets the abbreviated handshake (RFC 5246 7.3): ServerHello,
 * ChangeCipherSpec, Finished at once, and the client's Finished ends it.
 */
import * as alert from "./alert";
import { sameBytes } from "./client-handshake";
import type { Handshake, HandshakeLink, SessionState } from "./connection";
import * as hm from "./handshake-messages";
import * as keys from "./keys";
import type { HandshakeMessage } from "./reassembly";
import { DTLS_1_2 } from "./record";

/** The pre-shared key of `identity`, or undefined for an identity the server does not know. */
export type PskLookup = (identity: Uint8Array) => Uint8Array | undefined;

/** Sessions the server can resume, by id. */
export interface SessionCache {
	get(sessionId: Uint8Array): SessionState | undefined;
	put(session: SessionState): void;
}

export class ServerHandshake implements Handshake {
	private readonly link: HandshakeLink;
	private readonly lookup: PskLookup;
	private readonly cache: SessionCache | undefined;
	private readonly clientRandom: Uint8Array;
	private readonly serverRandom: Uint8Array;
	private readonly sessionId: Uint8Array;
	private master: Uint8Array | undefined;
	private readonly transcript: Uint8Array[];
	private sendSeq: number;
	private step: "key-exchange" | "finished" | "resumed";

	/** Starts from the verified ClientHello `message` (already parsed as `hello`). */
	constructor(link: HandshakeLink, lookup: PskLookup, cache: SessionCache | undefined, message: HandshakeMessage, hello: hm.ClientHello, now: number) {
		this.link = link;
		this.lookup = lookup;
		this.cache = cache;
		this.clientRandom = hello.random;
		this.serverRandom = link.randomBytes(keys.RANDOM);
		this.transcript = [message.whole];
		// 4.2.2: after a HelloVerifyRequest the server's messages go on from the ClientHello's number.
		this.sendSeq = message.messageSeq;
		link.expectFrom(message.messageSeq + 1);
		if (hello.cipherSuites.indexOf(hm.PSK_AES_128_CCM_8) < 0) link.fail(alert.HANDSHAKE_FAILURE, "the client offers no suite we have");
		const cached = hello.sessionId.length > 0 ? cache?.get(hello.sessionId) : undefined;
		this.sessionId = cached ? cached.sessionId : cache ? link.randomBytes(32) : new Uint8Array(0);
		const serverHello = hm.encodeMessage(hm.SERVER_HELLO, this.sendSeq++, hm.encodeServerHello({ version: DTLS_1_2, random: this.serverRandom, sessionId: this.sessionId, cipherSuite: hm.PSK_AES_128_CCM_8, compression: 0 }));
		this.transcript.push(serverHello);
		if (cached) {
			const master = (this.master = cached.masterSecret);
			link.keys(keys.keyBlock(link.crypto, master, this.clientRandom, this.serverRandom));
			const finished = hm.encodeMessage(hm.FINISHED, this.sendSeq++, keys.verifyData(link.crypto, master, "server finished", this.transcript));
			this.transcript.push(finished);
			this.step = "resumed";
			link.flight([serverHello, "ccs", finished], true, now);
		} else {
			const done = hm.encodeMessage(hm.SERVER_HELLO_DONE, this.sendSeq++, new Uint8Array(0));
			this.transcript.push(done);
			this.step = "key-exchange";
			link.flight([serverHello, done], true, now);
		}
	}

	get awaitsChangeCipherSpec(): boolean {
		return this.step !== "key-exchange";
	}

	message(message: HandshakeMessage, now: number): void {
		const link = this.link;
		if (message.type === hm.CLIENT_KEY_EXCHANGE && this.step === "key-exchange") {
			const psk = this.lookup(hm.decodeIdentity(message.body, "ClientKeyExchange"));
			if (!psk) return link.fail(alert.UNKNOWN_PSK_IDENTITY, "the client's PSK identity is unknown");
			const master = (this.master = keys.masterSecret(link.crypto, psk, this.clientRandom, this.serverRandom));
			link.keys(keys.keyBlock(link.crypto, master, this.clientRandom, this.serverRandom));
			this.transcript.push(message.whole);
			this.step = "finished";
			return;
		}
		if (message.type !== hm.FINISHED || this.step === "key-exchange" || link.readEpoch !== 1) return link.fail(alert.UNEXPECTED_MESSAGE, `unexpected handshake message ${message.type}`);
		const master = this.master as Uint8Array;
		if (!sameBytes(keys.verifyData(link.crypto, master, "client finished", this.transcript), message.body)) return link.fail(alert.DECRYPT_ERROR, "the client's Finished does not verify (wrong pre-shared key?)");
		const session = { sessionId: this.sessionId, masterSecret: master };
		if (this.step === "finished") {
			this.transcript.push(message.whole);
			const finished = hm.encodeMessage(hm.FINISHED, this.sendSeq++, keys.verifyData(link.crypto, master, "server finished", this.transcript));
			// The last flight: sent again only when the client repeats its own (4.2.4).
			link.flight(["ccs", finished], false, now);
			if (this.sessionId.length > 0) this.cache?.put(session);
		}
		link.established(session);
	}
}
