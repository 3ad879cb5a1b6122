/**
 * CoAP message decoding (RFC 7252 3.1). A message format error is a ProtocolError
 * MALFORMED_PACKET; `peekHeader` still reads the type and message id of such a
 * datagram, which is what the messaging layer needs to answer it with a Reset (4.2, 4.3).
 */
import { ProtocolError } from "../common/errors";
import { EMPTY_BYTES, type CoapMessage, type CoapOption, type MessageType } from "./message";

export interface Header {
	readonly type: MessageType;
	readonly code: number;
	readonly messageId: number;
}

/** The fixed header, or undefined when there is none to read or the version is not 1 (3.: silently ignored). */
export function peekHeader(bytes: Uint8Array): Header | undefined {
	if (bytes.length < 4 || bytes[0] >> 6 !== 1) return undefined;
	return { type: ((bytes[0] >> 4) & 3) as MessageType, code: bytes[1], messageId: (bytes[2] << 8) | bytes[3] };
}

function malformed(why: string): ProtocolError {
	return new ProtocolError("MALFORMED_PACKET", why);
}

/** Extra bytes after the option header for a delta or length nibble (3.1): 13 takes one, 14 two. */
function extensionBytes(nibble: number): number {
	return nibble < 13 ? 0 : nibble - 12;
}

/** The delta or length a nibble stands for, reading its extension at `at`; throws when it is cut off. */
function extended(bytes: Uint8Array, at: number, nibble: number): number {
	if (nibble < 13) return nibble;
	if (at + nibble - 12 > bytes.length) throw malformed("truncated option delta or length");
	return nibble === 13 ? bytes[at] + 13 : ((bytes[at] << 8) | bytes[at + 1]) + 269;
}

/** Decodes one datagram. Token, option values and payload are views into `bytes`. */
export function decode(bytes: Uint8Array): CoapMessage {
	const end = bytes.length;
	if (end < 4) throw malformed("shorter than the 4-byte header");
	const first = bytes[0];
	if (first >> 6 !== 1) throw malformed("version is not 1");
	const tokenLength = first & 0x0f;
	// 3.: lengths 9-15 are reserved and a message format error.
	if (tokenLength > 8) throw malformed("token length over 8");
	const messageCode = bytes[1];
	let at = 4 + tokenLength;
	if (at > end) throw malformed("truncated token");
	// 4.1: an Empty message (code 0.00) has nothing after the message id.
	if (messageCode === 0 && end !== 4) throw malformed("an Empty message with a token, options or payload");
	const token = tokenLength === 0 ? EMPTY_BYTES : bytes.subarray(4, at);
	const options: CoapOption[] = [];
	let number = 0;
	let payload = EMPTY_BYTES;
	while (at < end) {
		const head = bytes[at++];
		if (head === 0xff) {
			// 3.: a marker followed by a zero-length payload is a format error.
			if (at === end) throw malformed("payload marker without a payload");
			payload = bytes.subarray(at, end);
			break;
		}
		if (head >> 4 === 15 || (head & 0x0f) === 15) throw malformed("option nibble 15 outside the payload marker");
		let delta = head >> 4;
		let length = head & 0x0f;
		// Most options have no extension bytes: no calls for them.
		if (delta >= 13) {
			const nibble = delta;
			delta = extended(bytes, at, nibble);
			at += extensionBytes(nibble);
		}
		if (length >= 13) {
			const nibble = length;
			length = extended(bytes, at, nibble);
			at += extensionBytes(nibble);
		}
		number += delta;
		if (number > 0xffff) throw malformed("option number over 65535");
		if (at + length > end) throw malformed("option value runs past the datagram");
		options.push({ number, value: bytes.subarray(at, at + length) });
		at += length;
	}
	return { type: ((first >> 4) & 3) as MessageType, code: messageCode, messageId: (bytes[2] << 8) | bytes[3], token, options, payload };
}
