/** The shared byte reader and writer (src/common/bytes.ts) every codec and record uses. */
import { describe, it, check } from "./test-api";
import { expectProtocolError } from "./errors";
import { hex, toHex } from "./bytes";
import { ByteReader, ByteWriter } from "../../src/common/bytes";

describe("ByteWriter", () => {
	it("writes big-endian integers, byte runs and UTF-8 at its offset", () => {
		const writer = new ByteWriter(new Uint8Array(13), 1);
		writer.byte(0xab);
		writer.u16(0x1234);
		writer.u32(0xdeadbeef);
		writer.bytes(hex("01 02"));
		writer.utf8("h\u00e9");
		check(writer.offset).toBe(13);
		check(toHex(writer.target)).toBe("00 ab 12 34 de ad be ef 01 02 68 c3 a9");
	});
});

describe("ByteReader", () => {
	it("reads back what the writer wrote, as views", () => {
		const bytes = hex("ff ab 12 34 de ad be ef 01 02 68 c3 a9");
		const reader = new ByteReader(bytes, "test record", 1);
		check(reader.byte()).toBe(0xab);
		check(reader.u16()).toBe(0x1234);
		check(reader.u32()).toBe(0xdeadbeef);
		const run = reader.bytes(2);
		check(run.buffer).toBe(bytes.buffer);
		check(toHex(run)).toBe("01 02");
		check(reader.remaining).toBe(3);
		check(reader.utf8(3)).toBe("h\u00e9");
		reader.end();
	});

	it("refuses to run past its end, naming what it reads", () => {
		const reader = new ByteReader(hex("01 02 03"), "REGISTER", 0, 2);
		reader.byte();
		check(expectProtocolError(() => reader.u16(), "MALFORMED_PACKET").message).toContain("REGISTER");
		expectProtocolError(() => reader.bytes(-1), "MALFORMED_PACKET");
	});

	it("calls leftover bytes malformed", () => {
		const reader = new ByteReader(hex("01 02"), "CONNACK");
		reader.byte();
		check(expectProtocolError(() => reader.end(), "MALFORMED_PACKET").message).toContain("1 bytes left over");
	});
});
