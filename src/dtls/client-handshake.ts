/**
 * The client's side of a PSK handshake (RFC 6347 4.2, RFC 4279): ClientHello, again with
 * the cookie of a HelloVerifyRequest, then ServerHello, an optional ServerKeyExchange
 * (the identity hint, unused), ServerHelloDone; ClientKeyExchange with our identity,
 * ChangeCipherSpec, Finished; the server's ChangeCipherSpec and Finished end it. With a
 * session to resume, a ServerHello echoing its id is the abbreviated handshake (RFC 5246
 * 7.3): the server's ChangeCipherSpec and Finished come first, ours answer them.
 */
import * as alert from "./alert";
import type { Handshake, HandshakeLink, SessionState } from "./connection";
import * as hm from "./handshake-messages";
import * as keys from "./keys";
import type { HandshakeMessage } from "./reassembly";
import { DTLS_1_2 } from "./record";

/** HelloVerifyRequests answered before the server counts as broken. */
const MAX_COOKIES = 4;

export interface ClientCredentials {
	readonly identity: Uint8Array;
	readonly psk: Uint8Array;
}

export class ClientHandshake implements Handshake {
	private readonly link: HandshakeLink;
	private readonly credentials: ClientCredentials;
	private readonly resume: SessionState | undefined;
	private readonly clientRandom: Uint8Array;
	private serverRandom: Uint8Array | undefined;
	private sessionId: Uint8Array = new Uint8Array(0);
	private master: Uint8Array | undefined;
	private transcript: Uint8Array[] = [];
	private sendSeq = 0;
	private cookies = 0;
	private step: "hello" | "server-hello" | "finished" | "resumed" = "hello";

	constructor(link: HandshakeLink, credentials: ClientCredentials, resume: SessionState | undefined, now: number) {
		this.link = link;
		this.credentials = credentials;
		this.resume = resume;
		this.clientRandom = link.randomBytes(keys.RANDOM);
		this.hello(new Uint8Array(0), now);
	}

	get awaitsChangeCipherSpec(): boolean {
		return this.step === "finished" || this.step === "resumed";
	}

	/** True when the server took the session offered: the handshake was the abbreviated one. */
	get resumed(): boolean {
		return this.resume !== undefined && this.master === this.resume.masterSecret;
	}

	message(message: HandshakeMessage, now: number): void {
		const link = this.link;
		switch (message.type) {
			case hm.HELLO_VERIFY_REQUEST:
				if (this.step !== "hello" || ++this.cookies > MAX_COOKIES) return link.fail(alert.UNEXPECTED_MESSAGE, "unexpected HelloVerifyRequest");
				link.verified();
				return this.hello(hm.decodeHelloVerifyRequest(message.body), now);
			case hm.SERVER_HELLO:
				if (this.step !== "hello") return link.fail(alert.UNEXPECTED_MESSAGE, "unexpected ServerHello");
				return this.serverHello(message);
			case hm.SERVER_KEY_EXCHANGE:
				if (this.step !== "server-hello") return link.fail(alert.UNEXPECTED_MESSAGE, "unexpected ServerKeyExchange");
				hm.decodeIdentity(message.body, "ServerKeyExchange");
				this.transcript.push(message.whole);
				return;
			case hm.SERVER_HELLO_DONE:
				if (this.step !== "server-hello" || message.body.length !== 0) return link.fail(alert.UNEXPECTED_MESSAGE, "unexpected ServerHelloDone");
				this.transcript.push(message.whole);
				return this.keyExchange(now);
			case hm.FINISHED:
				if (!this.awaitsChangeCipherSpec || link.readEpoch !== 1) return link.fail(alert.UNEXPECTED_MESSAGE, "Finished before ChangeCipherSpec");
				return this.finished(message, now);
			default:
				return link.fail(alert.UNEXPECTED_MESSAGE, `unexpected handshake message ${message.type}`);
		}
	}

	private hello(cookie: Uint8Array, now: number): void {
		const body = hm.encodeClientHello({ random: this.clientRandom, sessionId: this.resume?.sessionId ?? new Uint8Array(0), cookie, cipherSuites: [hm.PSK_AES_128_CCM_8] });
		const whole = hm.encodeMessage(hm.CLIENT_HELLO, this.sendSeq++, body);
		// 4.2.6: the transcript starts over with the ClientHello that carries the cookie.
		this.transcript = [whole];
		this.link.flight([whole], true, now);
	}

	private serverHello(message: HandshakeMessage): void {
		const link = this.link;
		const hello = hm.decodeServerHello(message.body);
		if (hello.version !== DTLS_1_2) return link.fail(alert.HANDSHAKE_FAILURE, "the server does not speak DTLS 1.2");
		if (hello.cipherSuite !== hm.PSK_AES_128_CCM_8 || hello.compression !== 0) return link.fail(alert.ILLEGAL_PARAMETER, "the server chose a suite we did not offer");
		this.transcript.push(message.whole);
		this.serverRandom = hello.random;
		this.sessionId = hello.sessionId;
		const resume = this.resume;
		if (resume && hello.sessionId.length > 0 && sameBytes(hello.sessionId, resume.sessionId)) {
			this.master = resume.masterSecret;
			link.keys(keys.keyBlock(link.crypto, this.master, this.clientRandom, hello.random));
			this.step = "resumed";
		} else this.step = "server-hello";
	}

	private keyExchange(now: number): void {
		const link = this.link;
		const serverRandom = this.serverRandom as Uint8Array;
		const master = (this.master = keys.masterSecret(link.crypto, this.credentials.psk, this.clientRandom, serverRandom));
		link.keys(keys.keyBlock(link.crypto, master, this.clientRandom, serverRandom));
		const exchange = hm.encodeMessage(hm.CLIENT_KEY_EXCHANGE, this.sendSeq++, hm.encodeIdentity(this.credentials.identity));
		this.transcript.push(exchange);
		const finished = hm.encodeMessage(hm.FINISHED, this.sendSeq++, keys.verifyData(link.crypto, master, "client finished", this.transcript));
		this.transcript.push(finished);
		this.step = "finished";
		link.flight([exchange, "ccs", finished], true, now);
	}

	private finished(message: HandshakeMessage, now: number): void {
		const link = this.link;
		const master = this.master as Uint8Array;
		const expected = keys.verifyData(link.crypto, master, "server finished", this.transcript);
		if (!sameBytes(expected, message.body)) return link.fail(alert.DECRYPT_ERROR, "the server's Finished does not verify (wrong pre-shared key?)");
		if (this.step === "resumed") {
			this.transcript.push(message.whole);
			const finished = hm.encodeMessage(hm.FINISHED, this.sendSeq++, keys.verifyData(link.crypto, master, "client finished", this.transcript));
			// Our flight ends the handshake: it goes again only when the server repeats its own.
			link.flight(["ccs", finished], false, now);
		}
		link.established({ sessionId: this.sessionId, masterSecret: master });
	}
}

/** Compares every byte, whatever the first difference (no timing hint for a Finished). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
	if (a.length !== b.length) return false;
	let difference = 0;
	for (let i = 0; i < a.length; i++) difference |= a[i] ^ b[i];
	return difference === 0;
}
