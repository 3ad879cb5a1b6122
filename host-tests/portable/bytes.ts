/** Byte helpers for the portable suites (no Buffer: these run in XS too). */
import { encodeUtf8 } from "../../src/common/utf8";

/** `hex("10 20 00")` -> Uint8Array [0x10, 0x20, 0x00]. */
export function hex(text: string): Uint8Array {
	const digits = text.replace(/\s+/g, "");
	const bytes = new Uint8Array(digits.length / 2);
	for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(digits.slice(i * 2, i * 2 + 2), 16);
	return bytes;
}

export function toHex(bytes: Uint8Array): string {
	return Array.from(bytes, (b) => (b < 16 ? "0" : "") + b.toString(16)).join(" ");
}

export const text = encodeUtf8;

export function concat(...parts: ArrayLike<number>[]): Uint8Array {
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let offset = 0;
	for (const part of parts) {
		out.set(part, offset);
		offset += part.length;
	}
	return out;
}
