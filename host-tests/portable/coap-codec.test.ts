/**
 * The CoAP codec against vectors written by hand from RFC 7252 (the examples of
 * appendix A, the option format of 3.1 at the 12/13/268/269 edges of the delta and
 * length forms), both ways; then the datagrams 3. and 4.1 call message format errors.
 */
import { describe, it, check } from "./test-api";
import { expectProtocolError } from "./errors";
import { concat, hex, text, toHex } from "./bytes";
import { decode } from "../../src/coap/message";
import { encode } from "../../src/coap/message";
import * as coap from "../../src/coap/message";
import type { CoapMessage } from "../../src/coap/message";
import * as o from "../../testkit/portable/coap-options";
import { blockOption, readBlock, szxFor, blockSize } from "../../testkit/portable/coap-options";
import { parseCoapUri } from "../../src/coap/uri";
import { readUtf8 } from "../../src/common/utf8";

const none = coap.EMPTY_BYTES;
const message = (fields: Partial<CoapMessage>): CoapMessage => ({ type: coap.Type.CON, code: coap.Code.GET, messageId: 0, token: none, options: [], payload: none, ...fields });
const filled = (length: number, byte = 0x61) => new Uint8Array(length).fill(byte);

const vectors: [string, CoapMessage, string][] = [
	["A.1 CON GET /temperature", message({ messageId: 0x7d34, options: [{ number: o.Option.URI_PATH, value: text("temperature") }] }), "40 01 7d 34 bb 74 65 6d 70 65 72 61 74 75 72 65"],
	["A.1 piggybacked 2.05", message({ type: coap.Type.ACK, code: coap.Code.CONTENT, messageId: 0x7d34, payload: text("22.3 C") }), "60 45 7d 34 ff 32 32 2e 33 20 43"],
	["A.2 GET with token 0x20", message({ messageId: 0x7d35, token: hex("20"), options: [{ number: o.Option.URI_PATH, value: text("temperature") }] }), "41 01 7d 35 20 bb 74 65 6d 70 65 72 61 74 75 72 65"],
	["A.3 separate response, CON 2.05 with token", message({ code: coap.Code.CONTENT, messageId: 0x23bb, token: hex("20"), payload: text("22.5 C") }), "41 45 23 bb 20 ff 32 32 2e 35 20 43"],
	["empty CON (ping)", message({ code: coap.Code.EMPTY, messageId: 0x1234 }), "40 00 12 34"],
	["empty ACK", message({ type: coap.Type.ACK, code: coap.Code.EMPTY, messageId: 0xbeef }), "60 00 be ef"],
	["RST", message({ type: coap.Type.RST, code: coap.Code.EMPTY, messageId: 1 }), "70 00 00 01"],
	["NON POST, 8-byte token", message({ type: coap.Type.NON, code: coap.Code.POST, messageId: 2, token: hex("01 02 03 04 05 06 07 08") }), "58 02 00 02 01 02 03 04 05 06 07 08"],
	["Observe 0 (empty uint) and Content-Format 50", message({ options: [{ number: o.Option.OBSERVE, value: none }, o.uintOption(o.Option.CONTENT_FORMAT, 50)] }), "40 01 00 00 60 61 32"],
	["option delta 12 (one nibble)", message({ options: [{ number: 12, value: none }] }), "40 01 00 00 c0"],
	["option delta 13 (first 1-byte extension)", message({ options: [{ number: 13, value: none }] }), "40 01 00 00 d0 00"],
	["option delta 268 (last 1-byte extension)", message({ options: [{ number: 268, value: none }] }), "40 01 00 00 d0 ff"],
	["option delta 269 (first 2-byte extension)", message({ options: [{ number: 269, value: none }] }), "40 01 00 00 e0 00 00"],
	["option number 65535", message({ options: [{ number: 65535, value: none }] }), "40 01 00 00 e0 fe f2"],
	["Size1 (60) after Uri-Path (11): delta 49", message({ options: [{ number: o.Option.URI_PATH, value: text("a") }, o.uintOption(o.Option.SIZE1, 1500)] }), "40 01 00 00 b1 61 d2 24 05 dc"],
	["repeated Uri-Path: delta 0", message({ options: [{ number: o.Option.URI_PATH, value: text("a") }, { number: o.Option.URI_PATH, value: text("b") }] }), "40 01 00 00 b1 61 01 62"],
];

/** Option value lengths at the form edges, with the header byte and extension each needs. */
const lengths: [number, string][] = [
	[12, "1c"],
	[13, "1d 00"],
	[268, "1d ff"],
	[269, "1e 00 00"],
	[1034, "1e 02 fd"],
];

describe("CoAP codec: RFC 7252 vectors", () => {
	for (const [name, value, bytes] of vectors) {
		it(`encodes ${name}`, () => {
			check(toHex(encode(value))).toBe(toHex(hex(bytes)));
		});
		it(`decodes ${name}`, () => {
			const decoded = decode(hex(bytes));
			check(decoded.type).toBe(value.type);
			check(decoded.code).toBe(value.code);
			check(decoded.messageId).toBe(value.messageId);
			check(toHex(decoded.token)).toBe(toHex(value.token));
			check(decoded.options.map((x) => `${x.number}:${toHex(x.value)}`)).toEqual(value.options.map((x) => `${x.number}:${toHex(x.value)}`));
			check(toHex(decoded.payload)).toBe(toHex(value.payload));
		});
	}
	for (const [length, head] of lengths) {
		it(`writes and reads a ${length}-byte option value`, () => {
			const value = filled(length);
			const bytes = encode(message({ options: [{ number: 1, value }] }));
			check(toHex(bytes.subarray(4, 4 + hex(head).length))).toBe(head);
			check(bytes.length).toBe(4 + hex(head).length + length);
			check(decode(bytes).options[0].value.length).toBe(length);
		});
	}
	it("decodes into views of the datagram, not copies", () => {
		const bytes = hex("41 45 23 bb 20 b1 61 ff 32 32");
		const decoded = decode(bytes);
		check(decoded.payload.buffer === bytes.buffer).toBe(true);
		check(decoded.options[0].value.buffer === bytes.buffer).toBe(true);
		check(decoded.token.buffer === bytes.buffer).toBe(true);
	});
	it("refuses to encode options out of order or a 9-byte token", () => {
		expectProtocolError(() => encode(message({ options: [{ number: 11, value: none }, { number: 3, value: none }] })), "MALFORMED_PACKET");
		expectProtocolError(() => encode(message({ token: filled(9) })), "MALFORMED_PACKET");
	});
});

describe("CoAP codec: message format errors", () => {
	const errors: [string, string][] = [
		["shorter than the header", "40 01 00"],
		["version 2", "80 01 00 00"],
		["token length 9 (reserved)", "49 01 00 00 01 02 03 04 05 06 07 08 09"],
		["truncated token", "44 01 00 00 01 02"],
		["an Empty message with a token", "41 00 00 00 01"],
		["an Empty message with a payload", "40 00 00 00 ff 01"],
		["a payload marker and no payload", "40 01 00 00 ff"],
		["option delta nibble 15", "40 01 00 00 f1 00"],
		["option length nibble 15", "40 01 00 00 1f"],
		["a truncated 1-byte delta extension", "40 01 00 00 d0"],
		["a truncated 2-byte length extension", "40 01 00 00 1e 00"],
		["an option value past the end", "40 01 00 00 13 61"],
		["an option number over 65535", "40 01 00 00 e0 fe f2 e0 00 00"],
	];
	for (const [name, bytes] of errors)
		it(`refuses ${name}`, () => {
			expectProtocolError(() => decode(hex(bytes)), "MALFORMED_PACKET");
		});
});

describe("CoAP options", () => {
	it("writes uints minimally: 0 as no bytes (3.2)", () => {
		check(o.uintOption(o.Option.MAX_AGE, 0).value.length).toBe(0);
		check(toHex(o.uintOption(o.Option.MAX_AGE, 60).value)).toBe("3c");
		check(toHex(o.uintOption(o.Option.SIZE2, 0x10000).value)).toBe("01 00 00");
		check(o.readUint(hex("01 00 00 00"))).toBe(0x1000000);
	});
	it("finds an unknown critical option as it decodes and lets unknown elective ones pass (5.4.1)", () => {
		const critical = (options: { number: number; value: Uint8Array }[]) => decode(encode({ type: 0, code: 1, messageId: 1, token: none, options, payload: none })).critical;
		check(critical([{ number: o.Option.URI_PATH, value: none }, { number: 2049, value: none }, { number: 2051, value: none }])).toBe(2049);
		check(critical([{ number: o.Option.BLOCK2, value: none }, { number: 2048, value: none }])).toBeUndefined();
		check("critical" in decode(encode({ type: 0, code: 1, messageId: 1, token: none, options: [], payload: none }))).toBe(false);
	});
	it("knows exactly the critical options it implements, below 32 and above (5.4.1, 5.10)", () => {
		const known: number[] = [];
		for (let number = 1; number < 64; number += 2) if (decode(encode({ type: 0, code: 1, messageId: 1, token: none, options: [{ number, value: none }], payload: none })).critical === void 0) known.push(number);
		check(known).toEqual([1, 3, 5, 7, 11, 15, 17, 23, 27, 35, 39]);
	});
	it("sorts options stably by number", () => {
		const sorted = o.sortOptions([o.stringOption(o.Option.URI_QUERY, "q"), o.stringOption(o.Option.URI_PATH, "a"), o.uintOption(o.Option.CONTENT_FORMAT, 0), o.stringOption(o.Option.URI_PATH, "b")]);
		check(sorted.map((x) => x.number)).toEqual([11, 11, 12, 15]);
		check(o.uriPath(sorted)).toBe("/a/b");
	});
	it("reads and writes block values (RFC 7959 2.2)", () => {
		check(toHex(blockOption(o.Option.BLOCK2, { num: 0, more: false, szx: 2 }).value)).toBe("02");
		check(toHex(blockOption(o.Option.BLOCK2, { num: 1, more: true, szx: 6 }).value)).toBe("1e");
		check(toHex(blockOption(o.Option.BLOCK1, { num: 4096, more: false, szx: 0 }).value)).toBe("01 00 00");
		check(readBlock(hex("1e"))).toEqual({ num: 1, more: true, szx: 6 });
		check(readBlock(hex("07"))).toBeUndefined();
		check(readBlock(hex("01 00 00 00"))).toBeUndefined();
		check(readBlock(none)).toEqual({ num: 0, more: false, szx: 0 });
		check(blockSize(6)).toBe(1024);
		check(szxFor(1024)).toBe(6);
		check(szxFor(100)).toBe(2);
		check(szxFor(5)).toBe(0);
	});
	it("names codes the RFC way", () => {
		check(coap.codeName(coap.Code.CONTENT)).toBe("2.05");
		check(coap.codeName(coap.Code.REQUEST_ENTITY_TOO_LARGE)).toBe("4.13");
		check(toHex(encode(message({ payload: concat(text("x")) })))).toBe("40 01 00 00 ff 78");
	});
});

describe("coap:// URIs (RFC 7252 6.4)", () => {
	it("reads host, port, Uri-Path and Uri-Query, percent-decoded as UTF-8", () => {
		const uri = parseCoapUri("coap://10.0.0.2:5700/a%20b/c?x=%C3%A9&y");
		check([uri.host, uri.port, uri.secure, uri.pathAndQuery]).toEqual(["10.0.0.2", 5700, false, "/a%20b/c?x=%C3%A9&y"]);
		check(uri.options.map((option) => [option.number, readUtf8(option.value)])).toEqual([
			[o.Option.URI_PATH, "a b"],
			[o.Option.URI_PATH, "c"],
			[o.Option.URI_QUERY, "x=\u00e9"],
			[o.Option.URI_QUERY, "y"],
		]);
		check([parseCoapUri("coaps://h").port, parseCoapUri("coaps://h").secure, parseCoapUri("coap://10.0.0.2/").options.length]).toEqual([5684, true, 0]);
	});
	it("names a host name, not an IPv4 literal, in Uri-Host, lowercase (6.4 step 5)", () => {
		const named = parseCoapUri("coap://Collector.Local:5700/readings");
		check(named.host).toBe("Collector.Local");
		check(named.options.map((option) => [option.number, readUtf8(option.value)])).toEqual([
			[o.Option.URI_HOST, "collector.local"],
			[o.Option.URI_PATH, "readings"],
		]);
		check(parseCoapUri("coap://10.0.0.2/readings").options.map((option) => option.number)).toEqual([o.Option.URI_PATH]);
	});
	it("refuses an escape that is cut off, not hex, or not UTF-8 (a string option, 5.10.1), and other schemes", () => {
		for (const bad of ["coap://h/%FF", "coap://h/a%2", "coap://h/%zz", "coap://h/?q=%E9", "http://h/", "coap://h/#f"]) expectProtocolError(() => parseCoapUri(bad), "INVALID_URI");
	});
});
