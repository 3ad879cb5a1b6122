/**
 * Differential tests against mqtt-packet: for random packets of every type, what we
 * encode mqtt-packet parses to the same packet, and what mqtt-packet generates we decode
 * to the same packet, byte for byte.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeAny as decode } from "../../testkit/portable/mqtt-client-packets";
import { encode } from "../../src/mqtt/encode";
import { CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT, type Packet, type QoS } from "../../src/mqtt/packet";
import { fromOracle, oracleGenerate, oracleParse } from "./mqtt-packet-oracle";

const qos = fc.constantFrom<QoS>(0, 1, 2);
const packetId = fc.integer({ min: 1, max: 0xffff });
const bytes = fc.uint8Array({ maxLength: 300 });
// Topic names: any Unicode (incl. astral), no wildcards, no U+0000, not empty.
const topicName = fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 }).filter((t) => !/[+#\u0000]/.test(t));
const level = fc.oneof(fc.constant("+"), fc.stringMatching(/^[a-z0-9$ ]{0,6}$/));
const topicFilter = fc.tuple(fc.array(level, { minLength: 1, maxLength: 5 }), fc.boolean()).map(([levels, hash]) => (hash ? [...levels, "#"] : levels).join("/")).filter((f) => f.length > 0);
const text = fc.string({ unit: "grapheme", maxLength: 30 });

const packets: Record<string, fc.Arbitrary<Packet>> = {
	CONNECT: fc.record({
		type: fc.constant(CONNECT),
		clientId: text,
		cleanSession: fc.boolean(),
		keepAlive: fc.integer({ min: 0, max: 0xffff }),
		will: fc.option(fc.record({ topic: topicName, payload: bytes, qos, retain: fc.boolean() }), { nil: undefined }),
		username: fc.option(text, { nil: undefined }),
		password: fc.option(bytes, { nil: undefined }),
	}).map((p) => (p.password !== undefined && p.username === undefined ? { ...p, username: "u" } : p)),
	CONNACK: fc.record({ type: fc.constant(CONNACK), sessionPresent: fc.boolean(), returnCode: fc.constant(0) }),
	PUBLISH: fc.record({ type: fc.constant(PUBLISH), topic: topicName, payload: bytes, qos, retain: fc.boolean(), dup: fc.boolean(), packetId }).map((p) => ({ ...p, dup: p.qos > 0 && p.dup, packetId: p.qos > 0 ? p.packetId : undefined })),
	PUBACK: fc.record({ type: fc.constant(PUBACK), packetId }),
	PUBREC: fc.record({ type: fc.constant(PUBREC), packetId }),
	PUBREL: fc.record({ type: fc.constant(PUBREL), packetId }),
	PUBCOMP: fc.record({ type: fc.constant(PUBCOMP), packetId }),
	SUBSCRIBE: fc.record({ type: fc.constant(SUBSCRIBE), packetId, subscriptions: fc.array(fc.record({ topic: topicFilter, qos }), { minLength: 1, maxLength: 5 }) }),
	SUBACK: fc.record({ type: fc.constant(SUBACK), packetId, returnCodes: fc.array(fc.constantFrom(0, 1, 2, 0x80), { minLength: 1, maxLength: 5 }) }),
	UNSUBSCRIBE: fc.record({ type: fc.constant(UNSUBSCRIBE), packetId, topics: fc.array(topicFilter, { minLength: 1, maxLength: 5 }) }),
	UNSUBACK: fc.record({ type: fc.constant(UNSUBACK), packetId }),
	PINGREQ: fc.constant({ type: PINGREQ }),
	PINGRESP: fc.constant({ type: PINGRESP }),
	DISCONNECT: fc.constant({ type: DISCONNECT }),
};

describe("MQTT codec vs mqtt-packet", () => {
	for (const [name, arbitrary] of Object.entries(packets)) {
		it(`${name}: ours encodes what mqtt-packet parses back to the same packet`, () => {
			fc.assert(
				fc.property(arbitrary, (packet) => {
					const parsed = oracleParse(encode(packet));
					expect(parsed).toHaveLength(1);
					expect(fromOracle(parsed[0])).toEqual(packet);
				}),
				{ numRuns: 300 },
			);
		});
		it(`${name}: mqtt-packet generates the same bytes, which we decode to the same packet`, () => {
			fc.assert(
				// mqtt-packet refuses (rightly) to generate a persistent session without a client id.
				fc.property(arbitrary.filter((p) => p.type !== CONNECT || p.cleanSession || p.clientId !== ""), (packet) => {
					const theirs = oracleGenerate(packet);
					expect(encode(packet)).toEqual(theirs);
					expect(decode(theirs)).toEqual(packet);
				}),
				{ numRuns: 300 },
			);
		});
	}

	it("agrees on remaining-length boundaries up to the four-byte form (2,097,152)", () => {
		for (const size of [124, 125, 16_380, 16_381, 2_097_148, 2_097_149]) {
			const packet: Packet = { type: PUBLISH, topic: "a", payload: new Uint8Array(size), qos: 0, retain: false, dup: false };
			const ours = encode(packet);
			// Buffer.compare: vitest's deep equality walks megabytes element by element.
			expect(Buffer.compare(ours, oracleGenerate(packet))).toBe(0);
			const decoded = decode(ours);
			expect(decoded.type === PUBLISH && decoded.payload.length).toBe(size);
		}
	});
});
