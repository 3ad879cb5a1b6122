/**
 * The client's side of a PSK handshake (RFC 6347 4.2, RFC 4279): ClientHello, again with
 * the cookie of a HelloVerifyRequest, then ServerHello, an optional ServerKeyExchange
 * (the identity hint, unused), ServerHelloDone; ClientKeyExchange with our identity,
 * ChangeCipherSpec, Finished; the server's ChangeCipherSpec and Finished end it. With a
 * session to resume, a ServerHello echoing its id is the abbreviated handshake (RFC 5246
 * 7.3): the server's ChangeCipherSpec and Finished come first, ours answer them.
 */
import { AlertDescription as A, Marker, type Handshake, type HandshakeLink, type SessionState } from "./connection";
import * as hm from "./handshake-messages";
import { HandshakeType as T, Hello } from "./handshake-messages";
import * as keys from "./keys";
import type { HandshakeMessage } from "./reassembly";
import { Version } from "./record";

/** HelloVerifyRequests answered before the server counts as broken. */
const MAX_COOKIES = 4;

export interface ClientCredentials {
	readonly identity: Uint8Array;
	readonly psk: Uint8Array;
}

/** Where the handshake is: what the next message from the server may be. */
const enum Step {
	HELLO,
	SERVER_HELLO,
	FINISHED,
	RESUMED,
}

export class ClientHandshake extends keys.PskHandshake implements Handshake {
	// Fields `declare`d and set in the constructor, not class fields: less bytecode in XS.
	private declare readonly credentials: ClientCredentials;
	private declare readonly resume: SessionState | undefined;
	private declare sessionId: Uint8Array;
	private declare cookies: number;
	private declare step: Step;

	constructor(link: HandshakeLink, credentials: ClientCredentials, resume: SessionState | undefined, now: number) {
		super();
		this.link = link;
		this.credentials = credentials;
		this.resume = resume;
		this.clientRandom = link.randomBytes(Hello.RANDOM);
		this.sendSeq = this.cookies = 0;
		this.step = Step.HELLO;
		this.hello(new Uint8Array(0), now);
	}

	get awaitsChangeCipherSpec(): boolean {
		return this.step >= Step.FINISHED;
	}

	/** True when the server took the session offered: the handshake was the abbreviated one. */
	get resumed(): boolean {
		return this.resume !== undefined && this.master === this.resume.masterSecret;
	}

	message(message: HandshakeMessage, now: number): void {
		const link = this.link;
		const type = message.type;
		const step = this.step;
		if (type === T.HELLO_VERIFY_REQUEST && step === Step.HELLO && ++this.cookies <= MAX_COOKIES) {
			link.verified();
			return this.hello(hm.decodeHelloVerifyRequest(message.body), now);
		}
		if (type === T.SERVER_HELLO && step === Step.HELLO) return this.serverHello(message);
		if (type === T.SERVER_KEY_EXCHANGE && step === Step.SERVER_HELLO) {
			hm.decodeIdentity(message.body, "ServerKeyExchange");
			this.transcript.push(message.whole);
			return;
		}
		if (type === T.SERVER_HELLO_DONE && step === Step.SERVER_HELLO && message.body.length === 0) {
			this.transcript.push(message.whole);
			return this.keyExchange(now);
		}
		// The Finished only after the ChangeCipherSpec: in epoch 1.
		if (type === T.FINISHED && this.awaitsChangeCipherSpec && link.readEpoch === 1) return this.serverFinished(message, now);
		link.fail(A.UNEXPECTED_MESSAGE, `unexpected handshake message ${type}`);
	}

	private hello(cookie: Uint8Array, now: number): void {
		// 4.2.6: the transcript starts over with the ClientHello that carries the cookie.
		this.transcript = [];
		this.link.flight([this.send(T.CLIENT_HELLO, hm.encodeClientHello(this.clientRandom, this.resume?.sessionId ?? new Uint8Array(0), cookie))], true, now);
	}

	private serverHello(message: HandshakeMessage): void {
		const link = this.link;
		const hello = hm.decodeServerHello(message.body);
		if (hello.version !== Version.DTLS_1_2) return link.fail(A.HANDSHAKE_FAILURE, "the server does not speak DTLS 1.2");
		if (hello.cipherSuite !== Hello.PSK_AES_128_CCM_8 || hello.compression !== Hello.NULL_COMPRESSION) return link.fail(A.ILLEGAL_PARAMETER, "the server chose a suite we did not offer");
		this.transcript.push(message.whole);
		this.serverRandom = hello.random;
		const sessionId = (this.sessionId = hello.sessionId);
		const resume = this.resume;
		if (resume && sessionId.length > 0 && keys.sameBytes(sessionId, resume.sessionId)) {
			this.master = resume.masterSecret;
			this.keys();
			this.step = Step.RESUMED;
		} else this.step = Step.SERVER_HELLO;
	}

	private keyExchange(now: number): void {
		this.master = keys.masterSecret(this.link.crypto, this.credentials.psk, this.clientRandom, this.serverRandom);
		this.keys();
		this.step = Step.FINISHED;
		this.link.flight([this.send(T.CLIENT_KEY_EXCHANGE, hm.encodeIdentity(this.credentials.identity)), Marker.CCS, this.finished(true)], true, now);
	}

	private serverFinished(message: HandshakeMessage, now: number): void {
		const link = this.link;
		if (!this.verifies(false, message.body)) return link.fail(A.DECRYPT_ERROR, "the server's Finished does not verify (wrong pre-shared key?)");
		if (this.step === Step.RESUMED) {
			this.transcript.push(message.whole);
			// Our flight ends the handshake: it goes again only when the server repeats its own.
			link.flight([Marker.CCS, this.finished(true)], false, now);
		}
		link.established({ sessionId: this.sessionId, masterSecret: this.master });
	}
}
