/**
 * UTF-8 for protocol strings. XS has no TextEncoder/TextDecoder on every platform, and
 * the protocols need exact validation anyway (MQTT 1.5.3: ill-formed UTF-8 closes the
 * connection), so the firmware carries its own small codec. It writes straight into a
 * caller's buffer so encoding a packet needs no intermediate array.
 */
import { ProtocolError } from "./errors";

/*
 * The walks below read characters as `String.prototype.charCodeAt.call(text, i)`. In XS,
 * reading a property of a primitive string (`text.charCodeAt`) boxes it in a String
 * object, 2 heap slots each time: `text.charCodeAt(i)` made encoding one PUBLISH
 * allocate 132 slots. Called this way XS allocates nothing per character, and V8 folds
 * the call into its charCodeAt intrinsic (through a variable holding charCodeAt it does
 * not, and the codec ran at half speed). `text.length` is still read once per walk.
 */

/** Bytes needed to encode `text`, or -1 when it holds a lone surrogate (not encodable). */
export function utf8Length(text: string): number {
	let length = 0;
	for (let i = 0, n = text.length; i < n; i++) {
		const c = String.prototype.charCodeAt.call(text, i);
		if (c < 0x80) length += 1;
		else if (c < 0x800) length += 2;
		else if (c >= 0xd800 && c <= 0xdbff) {
			const next = String.prototype.charCodeAt.call(text, i + 1);
			if (!(next >= 0xdc00 && next <= 0xdfff)) return -1;
			length += 4;
			i++;
		} else if (c >= 0xdc00 && c <= 0xdfff) return -1;
		else length += 3;
	}
	return length;
}

/** Writes `text` at `offset`; returns the offset after it. The caller sized the buffer. */
export function writeUtf8(text: string, target: Uint8Array, offset: number): number {
	for (let i = 0, n = text.length; i < n; i++) {
		let c = String.prototype.charCodeAt.call(text, i);
		if (c < 0x80) {
			target[offset++] = c;
			continue;
		}
		// Continuation bytes after the lead byte: 1 below U+0800, 3 for a surrogate pair, else 2.
		let follow = 2;
		if (c < 0x800) follow = 1;
		else if (c >= 0xd800 && c <= 0xdbff) {
			c = 0x10000 + ((c - 0xd800) << 10) + (String.prototype.charCodeAt.call(text, ++i) - 0xdc00);
			follow = 3;
		}
		// The lead byte: 110xxxxx, 1110xxxx or 11110xxx, then 10xxxxxx each.
		target[offset++] = ((0xff00 >> (follow + 1)) & 0xff) | (c >> (6 * follow));
		for (let shift = 6 * follow - 6; shift >= 0; shift -= 6) target[offset++] = 0x80 | ((c >> shift) & 0x3f);
	}
	return offset;
}

/** Moddable's XS extension: a copy of the bytes XS holds a string in. V8 has none. */
interface XsArrayBuffer {
	fromString?(text: string): ArrayBuffer;
}

export function encodeUtf8(text: string): Uint8Array {
	// XS holds strings as UTF-8, so for ASCII (one byte a character: the payloads the
	// firmware builds) its native copy is the encoding, at ~2 computrons a character, not
	// ~100 for the walks below. Any other byte count means non-ASCII, or a lone surrogate
	// that XS keeps as 3 bytes no UTF-8 allows: the walks check and encode those.
	if ((ArrayBuffer as XsArrayBuffer).fromString) {
		const bytes = new Uint8Array((ArrayBuffer as XsArrayBuffer & ArrayBufferConstructor).fromString!(text));
		if (bytes.length === text.length) return bytes;
	}
	const length = utf8Length(text);
	if (length < 0) throw new ProtocolError("MALFORMED_PACKET", "string holds a lone surrogate");
	const bytes = new Uint8Array(length);
	writeUtf8(text, bytes, 0);
	return bytes;
}

/**
 * Decodes bytes[start, end) strictly: overlong forms, surrogates, code points past
 * U+10FFFF and truncated sequences are a ProtocolError, never a replacement character.
 * ASCII goes eight characters per String.fromCharCode call, which makes far fewer
 * intermediate strings than one at a time (twice as fast on V8), while
 * String.fromCharCode.apply over a long array would overflow XS's small device stacks.
 */
export function readUtf8(bytes: Uint8Array, start = 0, end = bytes.length): string {
	let text = "";
	let i = start;
	while (i < end) {
		if (i + 8 <= end && (bytes[i] | bytes[i + 1] | bytes[i + 2] | bytes[i + 3] | bytes[i + 4] | bytes[i + 5] | bytes[i + 6] | bytes[i + 7]) < 0x80) {
			text += String.fromCharCode(bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3], bytes[i + 4], bytes[i + 5], bytes[i + 6], bytes[i + 7]);
			i += 8;
			continue;
		}
		let c = bytes[i++];
		if (c >= 0x80) {
			// The lead byte's payload bits, how many continuation bytes follow, and the least
			// code point that length may encode (anything less is an overlong form).
			let follow: number;
			let least: number;
			if (c >= 0xc2 && c <= 0xdf) {
				c &= 0x1f;
				follow = 1;
				least = 0x80;
			} else if (c >= 0xe0 && c <= 0xef) {
				c &= 0x0f;
				follow = 2;
				least = 0x800;
			} else if (c >= 0xf0 && c <= 0xf4) {
				c &= 0x07;
				follow = 3;
				least = 0x10000;
			} else throw malformed();
			for (; follow > 0; follow--) {
				const b = bytes[i++];
				if (i > end || (b & 0xc0) !== 0x80) throw malformed();
				c = (c << 6) | (b & 0x3f);
			}
			if (c < least || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) throw malformed();
			if (c >= 0x10000) {
				c -= 0x10000;
				text += String.fromCharCode(0xd800 + (c >> 10), 0xdc00 + (c & 0x3ff));
				continue;
			}
		}
		text += String.fromCharCode(c);
	}
	return text;
}

export function decodeUtf8(bytes: Uint8Array): string {
	return readUtf8(bytes, 0, bytes.length);
}

function malformed(): ProtocolError {
	return new ProtocolError("MALFORMED_PACKET", "ill-formed UTF-8 string");
}
