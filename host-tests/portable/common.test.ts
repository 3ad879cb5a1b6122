/** The portable helpers every protocol uses: UTF-8, reconnect backoff, FIFO queues. */
import { describe, it, check } from "./test-api";
import { expectProtocolError } from "./errors";
import { hex, toHex } from "./bytes";
import { decodeUtf8, encodeUtf8, utf8Length } from "../../src/common/utf8";
import { Backoff } from "../../src/common/backoff";
import { ConfigError, ProtocolError } from "../../src/common/errors";
import { ipv4Octets, isCanonicalDecimal, isDecimal, isHexDigit, isPrintableAscii, isSpace, splitUrl } from "../../src/common/text";

describe("UTF-8", () => {
	const samples: [string, string][] = [
		["A", "41"],
		["\u00e9", "c3 a9"],
		["\u20ac", "e2 82 ac"],
		["\u{1F600}", "f0 9f 98 80"],
		["\uffff", "ef bf bf"],
		["\u{10FFFF}", "f4 8f bf bf"],
	];
	for (const [string, bytes] of samples) {
		it(`U+${string.codePointAt(0)?.toString(16)} <-> ${bytes}`, () => {
			check(toHex(encodeUtf8(string))).toBe(bytes);
			check(utf8Length(string)).toBe(hex(bytes).length);
			check(decodeUtf8(hex(bytes))).toBe(string);
		});
	}
	it("decodes long ASCII (past one chunk) and mixed text", () => {
		const long = "abc/".repeat(3000);
		check(decodeUtf8(encodeUtf8(long))).toBe(long);
		const mixed = "t\u00e9\u{1F600}".repeat(2000);
		check(decodeUtf8(encodeUtf8(mixed))).toBe(mixed);
	});
	it("refuses overlong forms, surrogates, out-of-range and truncated sequences", () => {
		for (const bad of ["c0 af", "c1 bf", "e0 80 af", "ed a0 80", "ed bf bf", "f0 80 80 af", "f4 90 80 80", "f5 80 80 80", "80", "c3", "e2 82", "f0 9f 98", "c3 28"])
			expectProtocolError(() => decodeUtf8(hex(bad)), "MALFORMED_PACKET");
	});
	it("reports lone surrogates as unencodable", () => {
		check(utf8Length("a\udc00")).toBe(-1);
		check(utf8Length("\ud800b")).toBe(-1);
		expectProtocolError(() => encodeUtf8("\ud800"), "MALFORMED_PACKET");
	});
	it("takes XS's own bytes of an ASCII string (ArrayBuffer.fromString), and checks any other", () => {
		// What a Moddable device's XS holds: UTF-8, with a lone surrogate in 3 bytes no UTF-8 allows.
		const held: Record<string, number[]> = { abc: [0x61, 0x62, 0x63], "h\u00e9": [0x68, 0xc3, 0xa9], "\ud800": [0xed, 0xa0, 0x80] };
		const copies: ArrayBuffer[] = [];
		const constructor = ArrayBuffer as unknown as { fromString?: (text: string) => ArrayBuffer };
		if (!Object.isExtensible(ArrayBuffer)) {
			// Frozen as Moddable's preload leaves it, in xsnap's XS, which keeps strings in
			// CESU-8 and so has no fromString: the walks encode everything.
			check(constructor.fromString).toBeUndefined();
			check(toHex(encodeUtf8("h\u00e9"))).toBe("68 c3 a9");
			return;
		}
		const own = Object.getOwnPropertyDescriptor(ArrayBuffer, "fromString");
		Object.defineProperty(ArrayBuffer, "fromString", {
			configurable: true,
			value: (text: string) => {
				const copy = new Uint8Array(held[text]).buffer;
				copies.push(copy);
				return copy;
			},
		});
		try {
			check(typeof constructor.fromString).toBe("function");
			const ascii = encodeUtf8("abc");
			check(ascii.buffer).toBe(copies[0]);
			check(toHex(ascii)).toBe("61 62 63");
			check(toHex(encodeUtf8("h\u00e9"))).toBe("68 c3 a9");
			check(encodeUtf8("h\u00e9").buffer === copies[copies.length - 1]).toBe(false);
			expectProtocolError(() => encodeUtf8("\ud800"), "MALFORMED_PACKET");
		} finally {
			if (own) Object.defineProperty(ArrayBuffer, "fromString", own);
			else delete constructor.fromString;
		}
	});
});

describe("Backoff: exponential with full jitter", () => {
	it("draws each delay uniformly below min(cap, base * 2^attempt)", () => {
		const backoff = new Backoff({ base: 1000, cap: 10_000, random: () => 0.999999 });
		const delays = Array.from({ length: 6 }, () => backoff.next());
		check(delays).toEqual([999, 1999, 3999, 7999, 9999, 9999]);
	});
	it("can wait zero (full jitter) and starts over after reset", () => {
		const backoff = new Backoff({ base: 500, cap: 4000, random: () => 0 });
		check(backoff.next()).toBe(0);
		check(backoff.attempt).toBe(1);
		backoff.reset();
		check(backoff.attempt).toBe(0);
		check(backoff.ceiling()).toBe(500);
	});
	it("spreads a fleet: 1000 devices at attempt 3 fill the whole window evenly", () => {
		let seed = 1;
		const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
		const buckets = [0, 0, 0, 0];
		for (let i = 0; i < 1000; i++) {
			const backoff = new Backoff({ base: 1000, cap: 60_000, random });
			backoff.attempt = 3;
			buckets[Math.floor(backoff.next() / 2000)]++;
		}
		for (const count of buckets) {
			check(count).toBeGreaterThan(200);
			check(count).toBeLessThan(300);
		}
	});
	it("never overflows for huge attempt counts", () => {
		const backoff = new Backoff({ base: 1000, cap: 60_000, random: () => 0.5 });
		backoff.attempt = 5000;
		check(backoff.next()).toBe(30_000);
	});
});

// In the XS run these execute after the runtime is frozen as Moddable's preload leaves
// it (tools/xs-preload.ts), where assigning `this.name` in a constructor throws.
describe("typed errors", () => {
	it("a ProtocolError keeps its name, code and message", () => {
		const error = new ProtocolError("MALFORMED_PACKET", "remaining length over 4 bytes");
		check(error instanceof Error).toBe(true);
		check(error.name).toBe("ProtocolError");
		check(error.code).toBe("MALFORMED_PACKET");
		check(String(error)).toBe("ProtocolError: remaining length over 4 bytes");
	});
	it("a ConfigError keeps its name and key, and names the key, not the value", () => {
		const error = new ConfigError("broker", "mqtt://host[:port]");
		check(error.name).toBe("ConfigError");
		check(error.key).toBe("broker");
		check(error.message).toBe('config "broker": expected mqtt://host[:port]');
	});
});

describe("text checks (the firmware's stand-ins for regular expressions)", () => {
	it("splits scheme://host[:port]rest and refuses what is not one", () => {
		check(splitUrl("coap://a-b.c:5683/x?y")).toEqual({ scheme: "coap", host: "a-b.c", port: "5683", rest: "/x?y" });
		check(splitUrl("mqtt://10.0.0.1")).toEqual({ scheme: "mqtt", host: "10.0.0.1", port: undefined, rest: "" });
		for (const bad of ["mqtt:/h", "://h", "mqtt://", "mqtt://h:", "mqtt://h:123456", "mqtt://h_x", "mqtt://h:1x", "mqtt://user@h"])
			check(splitUrl(bad)).toBeUndefined();
	});
	it("reads dotted-quad IPv4 and nothing else", () => {
		check(ipv4Octets("192.168.1.10")).toEqual([192, 168, 1, 10]);
		for (const bad of ["256.1.1.1", "1.2.3", "1.2.3.4.5", "1..2.3", "a.b.c.d", "1.2.3.1234", ""]) check(ipv4Octets(bad)).toBeUndefined();
	});
	it("tells decimals, canonical decimals and printable ASCII", () => {
		check([isDecimal("00123", 5), isDecimal("123456", 5), isDecimal(""), isDecimal("1a")]).toEqual([true, false, false, false]);
		check([isCanonicalDecimal("0", 3), isCanonicalDecimal("07", 3), isCanonicalDecimal("255", 3)]).toEqual([true, false, true]);
		check([isPrintableAscii("lamp-1", 23), isPrintableAscii("has space", 23), isPrintableAscii("x".repeat(24), 23), isPrintableAscii("\u00e9", 23)]).toEqual([true, false, false, false]);
		check([isSpace(0x20), isSpace(0x09), isSpace(0x41), isHexDigit(0x66), isHexDigit(0x67)]).toEqual([true, true, false, true, false]);
	});
});
