/**
 * Differential round-trips against coap-packet (the codec node-coap uses): random
 * messages (fast-check) encoded by us must be the bytes coap-packet generates, and
 * coap-packet's bytes must decode to the same message; option numbers and value
 * lengths are drawn around the 12/13/268/269 edges of the option format.
 */
import coapPacket from "coap-packet";
import fc from "fast-check";
import { expect, it } from "vitest";
import { decode } from "../../src/coap/message";
import { encode } from "../../src/coap/message";
import * as coap from "../../src/coap/message";
import type { CoapMessage, CoapOption } from "../../src/coap/message";
import { sortOptions } from "../../testkit/portable/coap-options";
import { comparable, toOracle } from "./coap-packet-oracle";

const edge = fc.constantFrom(0, 1, 12, 13, 14, 267, 268, 269, 270, 300);
const option: fc.Arbitrary<CoapOption> = fc.record({
	number: fc.oneof(fc.constantFrom(1, 3, 4, 6, 11, 12, 14, 15, 17, 23, 27, 28, 35, 60, 2048, 2049, 65000), fc.integer({ min: 1, max: 65535 })),
	value: fc.oneof(fc.uint8Array({ maxLength: 20 }), edge.chain((n) => fc.uint8Array({ minLength: n, maxLength: n }))),
});
const message: fc.Arbitrary<CoapMessage> = fc.record({
	type: fc.constantFrom(coap.Type.CON, coap.Type.NON, coap.Type.ACK, coap.Type.RST),
	code: fc.oneof(fc.constantFrom(coap.Code.GET, coap.Code.POST, coap.Code.PUT, coap.Code.DELETE, coap.Code.CONTENT, coap.Code.CHANGED, coap.Code.NOT_FOUND, coap.Code.CONTINUE), fc.integer({ min: 1, max: 255 })),
	messageId: fc.integer({ min: 0, max: 0xffff }),
	token: fc.uint8Array({ maxLength: 8 }),
	options: fc.array(option, { maxLength: 6 }).map((list) => sortOptions(list)),
	payload: fc.uint8Array({ maxLength: 80 }),
});

it("encodes every message to the bytes coap-packet generates", () => {
	fc.assert(
		fc.property(message, (m) => {
			expect(Buffer.from(encode(m)).toString("hex")).toBe(coapPacket.generate(toOracle(m), 70_000).toString("hex"));
		}),
		{ numRuns: 500 },
	);
});

it("decodes what coap-packet generates into the message it was given", () => {
	fc.assert(
		fc.property(message, (m) => {
			const decoded = decode(coapPacket.generate(toOracle(m), 70_000));
			expect(comparable(toOracle(decoded))).toEqual(comparable(toOracle(m)));
			expect(comparable(coapPacket.parse(Buffer.from(encode(m))))).toEqual(comparable(toOracle(m)));
		}),
		{ numRuns: 500 },
	);
});
