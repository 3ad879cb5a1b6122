/**
 * The DTLS 1.2 handshake messages a PSK handshake has (RFC 6347 4.2, RFC 5246 7.4,
 * RFC 4279 2): the 12-byte handshake header with its message_seq and fragment fields,
 * and the bodies of ClientHello, HelloVerifyRequest, ServerHello, ServerKeyExchange (the
 * identity hint), ClientKeyExchange (the identity) and Finished. Decoders read through
 * ByteReader, so a short or overlong field is a typed MALFORMED_PACKET.
 */
import { ByteReader, ByteWriter } from "../common/bytes";
import { DTLS_1_2 } from "./record";
import { RANDOM } from "./keys";

export const CLIENT_HELLO = 1;
export const SERVER_HELLO = 2;
export const HELLO_VERIFY_REQUEST = 3;
export const SERVER_KEY_EXCHANGE = 12;
export const SERVER_HELLO_DONE = 14;
export const CLIENT_KEY_EXCHANGE = 16;
export const FINISHED = 20;

export const HANDSHAKE_HEADER = 12;
/** TLS_PSK_WITH_AES_128_CCM_8 (RFC 6655), the one suite RFC 7252 9.1.3.1 mandates. */
export const PSK_AES_128_CCM_8 = 0xc0a8;
const NULL_COMPRESSION = 0;
const RENEGOTIATION_INFO = 0xff01;
const MAX_SESSION_ID = 32;
const MAX_COOKIE = 255;

/** One fragment of a handshake message, as a record carries it. */
export interface HandshakeFragment {
	readonly type: number;
	/** The whole message's body length. */
	readonly length: number;
	readonly messageSeq: number;
	readonly offset: number;
	readonly body: Uint8Array;
}

/** The fragments of one handshake record's plaintext (several messages may share a record). */
export function decodeFragments(plaintext: Uint8Array): HandshakeFragment[] {
	const reader = new ByteReader(plaintext, "DTLS handshake");
	const fragments: HandshakeFragment[] = [];
	while (reader.remaining > 0) {
		const type = reader.byte();
		const length = u24(reader);
		const messageSeq = reader.u16();
		const offset = u24(reader);
		const fragmentLength = u24(reader);
		if (offset + fragmentLength > length) throw reader.malformed("fragment past the message's end");
		fragments.push({ type, length, messageSeq, offset, body: reader.bytes(fragmentLength) });
	}
	return fragments;
}

/** A whole message, unfragmented: what is sent and what the transcript hashes (RFC 6347 4.2.6). */
export function encodeMessage(type: number, messageSeq: number, body: Uint8Array): Uint8Array {
	const out = new Uint8Array(HANDSHAKE_HEADER + body.length);
	const writer = new ByteWriter(out);
	writer.byte(type);
	writeU24(writer, body.length);
	writer.u16(messageSeq);
	writeU24(writer, 0);
	writeU24(writer, body.length);
	writer.bytes(body);
	return out;
}

export interface ClientHello {
	readonly random: Uint8Array;
	readonly sessionId: Uint8Array;
	readonly cookie: Uint8Array;
	readonly cipherSuites: readonly number[];
}

/** Our ClientHello: one suite, no compression, an empty renegotiation_info (RFC 5746: some servers insist). */
export function encodeClientHello(hello: ClientHello): Uint8Array {
	const suites = hello.cipherSuites;
	const out = new Uint8Array(2 + RANDOM + 1 + hello.sessionId.length + 1 + hello.cookie.length + 2 + 2 * suites.length + 2 + 2 + 5);
	const writer = new ByteWriter(out);
	writer.u16(DTLS_1_2);
	writer.bytes(hello.random);
	writer.byte(hello.sessionId.length);
	writer.bytes(hello.sessionId);
	writer.byte(hello.cookie.length);
	writer.bytes(hello.cookie);
	writer.u16(2 * suites.length);
	for (let i = 0; i < suites.length; i++) writer.u16(suites[i]);
	writer.byte(1);
	writer.byte(NULL_COMPRESSION);
	writeRenegotiationInfo(writer);
	return out;
}

export function decodeClientHello(body: Uint8Array): ClientHello & { readonly version: number } {
	const reader = new ByteReader(body, "ClientHello");
	const version = reader.u16();
	const random = reader.bytes(RANDOM);
	const sessionId = vector8(reader, MAX_SESSION_ID);
	const cookie = vector8(reader, MAX_COOKIE);
	const suiteBytes = reader.u16();
	if (suiteBytes < 2 || suiteBytes & 1) throw reader.malformed("cipher_suites length");
	const cipherSuites: number[] = [];
	const suites = new ByteReader(reader.bytes(suiteBytes), "ClientHello cipher_suites");
	while (suites.remaining > 0) cipherSuites.push(suites.u16());
	const compressions = vector8(reader, 255);
	if (compressions.indexOf(NULL_COMPRESSION) < 0) throw reader.malformed("no null compression");
	// Extensions, if any, are skipped: the PSK suite needs none of them.
	return { version, random, sessionId, cookie, cipherSuites };
}

export function encodeHelloVerifyRequest(cookie: Uint8Array): Uint8Array {
	const out = new Uint8Array(3 + cookie.length);
	const writer = new ByteWriter(out);
	// RFC 6347 4.2.1: DTLS 1.0 here, whatever the version to be negotiated.
	writer.u16(0xfeff);
	writer.byte(cookie.length);
	writer.bytes(cookie);
	return out;
}

export function decodeHelloVerifyRequest(body: Uint8Array): Uint8Array {
	const reader = new ByteReader(body, "HelloVerifyRequest");
	reader.u16();
	const cookie = vector8(reader, MAX_COOKIE);
	reader.end();
	return cookie;
}

export interface ServerHello {
	readonly version: number;
	readonly random: Uint8Array;
	readonly sessionId: Uint8Array;
	readonly cipherSuite: number;
	readonly compression: number;
}

export function encodeServerHello(hello: ServerHello): Uint8Array {
	const out = new Uint8Array(2 + RANDOM + 1 + hello.sessionId.length + 3 + 2 + 5);
	const writer = new ByteWriter(out);
	writer.u16(hello.version);
	writer.bytes(hello.random);
	writer.byte(hello.sessionId.length);
	writer.bytes(hello.sessionId);
	writer.u16(hello.cipherSuite);
	writer.byte(hello.compression);
	writeRenegotiationInfo(writer);
	return out;
}

export function decodeServerHello(body: Uint8Array): ServerHello {
	const reader = new ByteReader(body, "ServerHello");
	const version = reader.u16();
	const random = reader.bytes(RANDOM);
	const sessionId = vector8(reader, MAX_SESSION_ID);
	const cipherSuite = reader.u16();
	const compression = reader.byte();
	if (reader.remaining > 0) {
		const extensions = new ByteReader(reader.bytes(reader.u16()), "ServerHello extensions");
		while (extensions.remaining > 0) {
			extensions.u16();
			extensions.bytes(extensions.u16());
		}
	}
	reader.end();
	return { version, random, sessionId, cipherSuite, compression };
}

/** ServerKeyExchange and ClientKeyExchange of PSK: one opaque<0..2^16-1> (hint or identity). */
export function encodeIdentity(identity: Uint8Array): Uint8Array {
	const out = new Uint8Array(2 + identity.length);
	const writer = new ByteWriter(out);
	writer.u16(identity.length);
	writer.bytes(identity);
	return out;
}

export function decodeIdentity(body: Uint8Array, what: string): Uint8Array {
	const reader = new ByteReader(body, what);
	const identity = reader.bytes(reader.u16());
	reader.end();
	return identity;
}

function vector8(reader: ByteReader, max: number): Uint8Array {
	const length = reader.byte();
	if (length > max) throw reader.malformed(`a vector of ${length} bytes, over ${max}`);
	return reader.bytes(length);
}

function u24(reader: ByteReader): number {
	return reader.byte() * 0x10000 + reader.u16();
}

function writeU24(writer: ByteWriter, value: number): void {
	writer.byte(value >> 16);
	writer.u16(value & 0xffff);
}

function writeRenegotiationInfo(writer: ByteWriter): void {
	writer.u16(5);
	writer.u16(RENEGOTIATION_INFO);
	writer.u16(1);
	writer.byte(0);
}
