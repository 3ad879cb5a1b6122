/**
 * Option numbers (RFC 7252 5.10 and 12.2, RFC 7641 2, RFC 7959 2.1 and 4) and the
 * helpers that read and write their values. An option is critical when its number is
 * odd (5.4.1): an endpoint that does not know a critical option must not act on the
 * message.
 */
import * as utf8 from "../common/utf8";
import { EMPTY_BYTES, type CoapOption } from "./message";

import { Option } from "./option-numbers";

export { Option } from "./option-numbers";

/** Every option this implementation understands. */
const KNOWN = [Option.IF_MATCH, Option.URI_HOST, Option.ETAG, Option.IF_NONE_MATCH, Option.OBSERVE, Option.URI_PORT, Option.LOCATION_PATH, Option.URI_PATH, Option.CONTENT_FORMAT, Option.MAX_AGE, Option.URI_QUERY, Option.ACCEPT, Option.LOCATION_QUERY, Option.BLOCK2, Option.BLOCK1, Option.SIZE2, Option.PROXY_URI, Option.PROXY_SCHEME, Option.SIZE1];

function isCritical(number: number): boolean {
	return (number & 1) === 1;
}

/** The first critical option the firmware does not know, or undefined (5.4.1). */
export function unknownCritical(options: readonly CoapOption[]): number | undefined {
	for (let i = 0; i < options.length; i++) {
		const number = options[i].number;
		if (isCritical(number) && KNOWN.indexOf(number) < 0) return number;
	}
	return void 0;
}

/** The value of the first `number` option, or undefined. */
export function optionValue(options: readonly CoapOption[], number: number): Uint8Array | undefined {
	for (let i = 0; i < options.length; i++) if (options[i].number === number) return options[i].value;
	return void 0;
}

/** A uint option value (3.2): big-endian, leading zero bytes removed, so 0 is empty. */
export function readUint(value: Uint8Array): number {
	let n = 0;
	for (let i = 0; i < value.length; i++) n = n * 256 + value[i];
	return n;
}

/** A uint option (RFC 7252 3.2): at most 4 bytes, so a value past 2^32 - 1 (or Infinity) is refused, never looped on. */
export function uintOption(number: number, n: number): CoapOption {
	if (!(n >= 0 && n <= 0xffffffff)) throw new RangeError("option " + number + ": " + n + " is no 32-bit unsigned value");
	let length = 0;
	for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) length++;
	const value = length === 0 ? EMPTY_BYTES : new Uint8Array(length);
	for (let i = length - 1, rest = n; i >= 0; i--, rest = Math.floor(rest / 256)) value[i] = rest & 0xff;
	return { number, value };
}

export function uintValue(options: readonly CoapOption[], number: number): number | undefined {
	const value = optionValue(options, number);
	return value === void 0 ? void 0 : readUint(value);
}

export function stringOption(number: number, text: string): CoapOption {
	return { number, value: utf8.encodeUtf8(text) };
}

/** All values of a repeatable string option, such as the Uri-Path segments. */
export function stringValues(options: readonly CoapOption[], number: number): string[] {
	const values: string[] = [];
	for (let i = 0; i < options.length; i++) if (options[i].number === number) values.push(utf8.readUtf8(options[i].value));
	return values;
}

/** "/a/b" from Uri-Path options; "" segments are kept, so "/a/" stays distinct from "/a". */
export function uriPath(options: readonly CoapOption[]): string {
	let path = "";
	for (let i = 0; i < options.length; i++) if (options[i].number === Option.URI_PATH) path += "/" + segment(options[i].value);
	return path === "" ? "/" : path;
}

/**
 * A path segment as text. Short ASCII, what paths nearly always are, is made in one call
 * (readUtf8 builds short strings a character at a time); anything else is validated as UTF-8.
 */
function segment(value: Uint8Array): string {
	if (value.length > 32) return utf8.readUtf8(value);
	for (let i = 0; i < value.length; i++) if (value[i] >= 0x80) return utf8.readUtf8(value);
	return String.fromCharCode.apply(null, value as unknown as number[]);
}

/** Sorts by option number, keeping the order of repeated options (a stable sort). */
export function sortOptions(options: CoapOption[]): CoapOption[] {
	if (options.length < 2) return options;
	for (let i = 1; i < options.length; i++) {
		const option = options[i];
		let j = i - 1;
		while (j >= 0 && options[j].number > option.number) {
			options[j + 1] = options[j];
			j--;
		}
		options[j + 1] = option;
	}
	return options;
}

/**
 * Block1/Block2 option values (RFC 7959 2.2): NUM, the M(ore) flag and SZX, where the
 * block size is 2^(SZX + 4), 16 to 1024 bytes. SZX 7 is reserved.
 */
export interface Block {
	readonly num: number;
	readonly more: boolean;
	/** 0-6: blocks of 16 << szx bytes. */
	readonly szx: number;
}

export function blockSize(szx: number): number {
	return 16 << szx;
}

/** The SZX of the largest block size not over `bytes` (at least 16, at most 1024). */
export function szxFor(bytes: number): number {
	let szx = 0;
	while (szx < 6 && 32 << szx <= bytes) szx++;
	return szx;
}

/** Undefined for a value that is not a block option: over 3 bytes, or SZX 7 (2.2: reserved). */
export function readBlock(value: Uint8Array): Block | undefined {
	if (value.length > 3) return void 0;
	let n = 0;
	for (let i = 0; i < value.length; i++) n = n * 256 + value[i];
	const szx = n & 7;
	if (szx === 7) return void 0;
	return { num: n >>> 4, more: (n & 8) !== 0, szx };
}

export function blockOption(number: number, block: Block): CoapOption {
	return uintOption(number, block.num * 16 + (block.more ? 8 : 0) + block.szx);
}
