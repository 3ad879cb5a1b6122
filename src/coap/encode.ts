/**
 * CoAP message encoding (RFC 7252 3.1). `encodeInto` writes into a caller's buffer, so
 * a sender that reuses one buffer allocates nothing per message; `encode` sizes a new one.
 */
import { ProtocolError } from "../common/errors";
import type { CoapMessage } from "./message";

/** The option delta or length nibble (3.1): 0-12 as is, 13 and 14 announce 1 and 2 extra bytes. */
function extensionLength(n: number): number {
	return n < 13 ? 0 : n < 269 ? 1 : 2;
}

/** Bytes `message` takes on the wire. Throws for a token over 8 bytes or options out of order. */
export function encodedLength(message: CoapMessage): number {
	const token = message.token.length;
	if (token > 8) throw new ProtocolError("MALFORMED_PACKET", "a token longer than 8 bytes");
	const options = message.options;
	let length = 4 + token;
	let previous = 0;
	for (let i = 0; i < options.length; i++) {
		const option = options[i];
		const number = option.number;
		const size = option.value.length;
		if (number < previous || number > 0xffff || number !== Math.floor(number))
			throw new ProtocolError("MALFORMED_PACKET", "option numbers not ascending in 0-65535");
		if (size > 65535 + 269) throw new ProtocolError("PACKET_TOO_LARGE", "option value over 65804 bytes");
		length += 1 + extensionLength(number - previous) + extensionLength(size) + size;
		previous = number;
	}
	const payload = message.payload.length;
	return payload > 0 ? length + 1 + payload : length;
}

function writeNibbleExtension(n: number, target: Uint8Array, offset: number): number {
	if (n >= 269) {
		const rest = n - 269;
		target[offset] = rest >> 8;
		target[offset + 1] = rest & 0xff;
		return offset + 2;
	}
	if (n >= 13) {
		target[offset] = n - 13;
		return offset + 1;
	}
	return offset;
}

function nibble(n: number): number {
	return n < 13 ? n : n < 269 ? 13 : 14;
}

/**
 * Writes `message` at `offset` in `target`; returns the offset after it. Throws
 * PACKET_TOO_LARGE, writing nothing, when it does not fit.
 */
export function encodeInto(message: CoapMessage, target: Uint8Array, offset = 0): number {
	const length = encodedLength(message);
	if (offset + length > target.length) throw new ProtocolError("PACKET_TOO_LARGE", `${length}-byte message`);
	return write(message, target, offset);
}

/** Writes a message whose length was checked. */
function write(message: CoapMessage, target: Uint8Array, offset: number): number {
	const token = message.token;
	target[offset] = 0x40 | (message.type << 4) | token.length;
	target[offset + 1] = message.code;
	target[offset + 2] = (message.messageId >> 8) & 0xff;
	target[offset + 3] = message.messageId & 0xff;
	let at = offset + 4;
	for (let i = 0; i < token.length; i++) target[at++] = token[i];
	const options = message.options;
	let previous = 0;
	for (let i = 0; i < options.length; i++) {
		const option = options[i];
		const value = option.value;
		const size = value.length;
		const delta = option.number - previous;
		previous = option.number;
		// Most options need no extension bytes: one byte, no calls.
		if (delta < 13 && size < 13) target[at++] = (delta << 4) | size;
		else {
			target[at++] = (nibble(delta) << 4) | nibble(size);
			at = writeNibbleExtension(delta, target, at);
			at = writeNibbleExtension(size, target, at);
		}
		if (size <= 16) for (let j = 0; j < size; j++) target[at++] = value[j];
		else {
			target.set(value, at);
			at += size;
		}
	}
	const payload = message.payload;
	if (payload.length > 0) {
		target[at++] = 0xff;
		target.set(payload, at);
		at += payload.length;
	}
	return at;
}

export function encode(message: CoapMessage): Uint8Array {
	const bytes = new Uint8Array(encodedLength(message));
	write(message, bytes, 0);
	return bytes;
}
