/**
 * Block1/Block2 option values (RFC 7959 2.2): NUM, the M(ore) flag and SZX, where the
 * block size is 2^(SZX + 4), 16 to 1024 bytes. SZX 7 is reserved.
 */
import { uintOption } from "./options";
import type { CoapOption } from "./message";

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
	if (value.length > 3) return undefined;
	let n = 0;
	for (let i = 0; i < value.length; i++) n = n * 256 + value[i];
	const szx = n & 7;
	if (szx === 7) return undefined;
	return { num: n >>> 4, more: (n & 8) !== 0, szx };
}

export function blockOption(number: number, block: Block): CoapOption {
	return uintOption(number, block.num * 16 + (block.more ? 8 : 0) + block.szx);
}
