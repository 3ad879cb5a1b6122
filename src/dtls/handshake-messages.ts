/**
 * The DTLS 1.2 handshake messages a PSK handshake has (RFC 6347 4.2, RFC 5246 7.4,
 * RFC 4279 2): the 12-byte handshake header with its message_seq and fragment fields,
 * and the bodies of ClientHello, HelloVerifyRequest, ServerHello, ServerKeyExchange (the
 * identity hint), ClientKeyExchange (the identity) and Finished. Decoders read through
 * ByteReader, so a short or overlong field is a typed MALFORMED_PACKET. The device writes
 * only what it sends: one suite, no compression, an empty renegotiation_info.
 */
import { ByteReader, ByteWriter } from "../common/bytes";
import { Version } from "./record";

/** HandshakeType (RFC 5246 7.4, RFC 6347 4.3.2); a `const enum`, written as its number. */
export const enum HandshakeType {
	CLIENT_HELLO = 1,
	SERVER_HELLO = 2,
	HELLO_VERIFY_REQUEST = 3,
	SERVER_KEY_EXCHANGE = 12,
	SERVER_HELLO_DONE = 14,
	CLIENT_KEY_EXCHANGE = 16,
	FINISHED = 20,
}

export const enum Hello {
	HEADER = 12,
	RANDOM = 32,
	/** TLS_PSK_WITH_AES_128_CCM_8 (RFC 6655), the one suite RFC 7252 9.1.3.1 mandates. */
	PSK_AES_128_CCM_8 = 0xc0a8,
	NULL_COMPRESSION = 0,
	MAX_SESSION_ID = 32,
	MAX_COOKIE = 255,
}

/** An empty renegotiation_info (RFC 5746: some servers insist), as the extensions block. */
const EXTENSIONS = Uint8Array.of(0, 5, 0xff, 1, 0, 1, 0);

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
	const length = body.length;
	const out = new Uint8Array(Hello.HEADER + length);
	// type, length (u24), message_seq, fragment_offset 0 (u24), fragment_length = length (u24)
	out[0] = type;
	out[1] = out[9] = length >> 16;
	out[2] = out[10] = length >> 8;
	out[3] = out[11] = length;
	out[4] = messageSeq >> 8;
	out[5] = messageSeq;
	out.set(body, Hello.HEADER);
	return out;
}

export interface ClientHello {
	readonly random: Uint8Array;
	readonly sessionId: Uint8Array;
	readonly cookie: Uint8Array;
	readonly cipherSuites: readonly number[];
}

/** Our ClientHello: TLS_PSK_WITH_AES_128_CCM_8 alone, null compression, renegotiation_info. */
export function encodeClientHello(random: Uint8Array, sessionId: Uint8Array, cookie: Uint8Array): Uint8Array {
	const writer = helloStart(new Uint8Array(2 + Hello.RANDOM + 1 + sessionId.length + 1 + cookie.length + 4 + 2 + 7), random, sessionId);
	vector(writer, cookie);
	writer.u16(2);
	return helloEnd(writer, 1);
}

/** version, random, session_id: how both hellos start. */
function helloStart(out: Uint8Array, random: Uint8Array, sessionId: Uint8Array): ByteWriter {
	const writer = new ByteWriter(out);
	writer.u16(Version.DTLS_1_2);
	writer.bytes(random);
	vector(writer, sessionId);
	return writer;
}

/** The suite, the compression method (after its count for a ClientHello), the extensions. */
function helloEnd(writer: ByteWriter, compressions: number): Uint8Array {
	writer.u16(Hello.PSK_AES_128_CCM_8);
	if (compressions) writer.byte(compressions);
	writer.byte(Hello.NULL_COMPRESSION);
	writer.target.set(EXTENSIONS, writer.offset);
	return writer.target;
}

export function decodeClientHello(body: Uint8Array): ClientHello & { readonly version: number } {
	const reader = new ByteReader(body, "ClientHello");
	const version = reader.u16();
	const random = reader.bytes(Hello.RANDOM);
	const sessionId = vector8(reader, Hello.MAX_SESSION_ID);
	const cookie = vector8(reader, Hello.MAX_COOKIE);
	const suiteBytes = reader.u16();
	if (suiteBytes < 2 || suiteBytes & 1) throw reader.malformed("cipher_suites length");
	const cipherSuites: number[] = [];
	for (let i = 0; i < suiteBytes; i += 2) cipherSuites.push(reader.u16());
	const compressions = vector8(reader, 255);
	if (compressions.indexOf(Hello.NULL_COMPRESSION) < 0) throw reader.malformed("no null compression");
	// Extensions, if any, are skipped: the PSK suite needs none of them.
	return { version, random, sessionId, cookie, cipherSuites };
}

export function encodeHelloVerifyRequest(cookie: Uint8Array): Uint8Array {
	const writer = new ByteWriter(new Uint8Array(3 + cookie.length));
	// RFC 6347 4.2.1: DTLS 1.0 here, whatever the version to be negotiated.
	writer.u16(Version.DTLS_1_0);
	vector(writer, cookie);
	return writer.target;
}

export function decodeHelloVerifyRequest(body: Uint8Array): Uint8Array {
	const reader = new ByteReader(body, "HelloVerifyRequest");
	reader.u16();
	const cookie = vector8(reader, Hello.MAX_COOKIE);
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

/** Our ServerHello: DTLS 1.2, TLS_PSK_WITH_AES_128_CCM_8, null compression, renegotiation_info. */
export function encodeServerHello(random: Uint8Array, sessionId: Uint8Array): Uint8Array {
	return helloEnd(helloStart(new Uint8Array(2 + Hello.RANDOM + 1 + sessionId.length + 3 + 7), random, sessionId), 0);
}

export function decodeServerHello(body: Uint8Array): ServerHello {
	const reader = new ByteReader(body, "ServerHello");
	const version = reader.u16();
	const random = reader.bytes(Hello.RANDOM);
	const sessionId = vector8(reader, Hello.MAX_SESSION_ID);
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
	const writer = new ByteWriter(new Uint8Array(2 + identity.length));
	writer.u16(identity.length);
	writer.bytes(identity);
	return writer.target;
}

export function decodeIdentity(body: Uint8Array, what: string): Uint8Array {
	const reader = new ByteReader(body, what);
	const identity = reader.bytes(reader.u16());
	reader.end();
	return identity;
}

/** opaque<0..255>: its length, then its bytes. */
function vector(writer: ByteWriter, bytes: Uint8Array): void {
	writer.byte(bytes.length);
	writer.bytes(bytes);
}

function vector8(reader: ByteReader, max: number): Uint8Array {
	const length = reader.byte();
	if (length > max) throw reader.malformed(`a vector of ${length} bytes, over ${max}`);
	return reader.bytes(length);
}

function u24(reader: ByteReader): number {
	return reader.byte() * 0x10000 + reader.u16();
}
