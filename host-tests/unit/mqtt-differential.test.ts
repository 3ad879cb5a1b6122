/**
 * Differential tests against mqtt-packet: for random packets of every type, what we
 * encode mqtt-packet parses to the same packet, and what mqtt-packet generates we decode
 * to the same packet, byte for byte; and the same, both ways, for MQTT 5.0 against its
 * v5 mode (there mqtt-packet and we pick different optional short forms, so packets are
 * compared, not bytes).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
// CONNACK and SUBACK are encoded by the tests' broker side, every other packet by the firmware's encoder.
import { decodeAny as decode, encodeAny as encode } from "../../testkit/portable/mqtt-client-packets";
import { type Packet, type QoS } from "../../src/mqtt/packet";
import { CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT } from "../../testkit/portable/mqtt-types";
import { fromOracle, oracleGenerate, oracleParse } from "./mqtt-packet-oracle";
import { decodeAny5, encodeAny5 } from "../../testkit/portable/mqtt5-client-packets";
import { AUTH, type Packet5 } from "../../src/mqtt/v5/packet";
import type { Properties } from "../../src/mqtt/v5/properties";
import { fromOracle5, oracleGenerate5, oracleParse5 } from "./mqtt5-packet-oracle";

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

// --- MQTT 5.0 (mqtt-packet's v5 mode) ---------------------------------------------------

/** Properties by packet, table 2-4 of the MQTT 5.0 specification, written out here independently of the codec's table. */
const PROPERTY_KINDS: Record<string, "flag" | "u16" | "u32" | "var" | "text" | "topic" | "binary"> = {
	payloadFormatIndicator: "flag",
	messageExpiryInterval: "u32",
	contentType: "text",
	responseTopic: "topic",
	correlationData: "binary",
	sessionExpiryInterval: "u32",
	assignedClientIdentifier: "text",
	serverKeepAlive: "u16",
	authenticationMethod: "text",
	authenticationData: "binary",
	requestProblemInformation: "flag",
	willDelayInterval: "u32",
	requestResponseInformation: "flag",
	responseInformation: "text",
	serverReference: "text",
	reasonString: "text",
	receiveMaximum: "u16",
	topicAliasMaximum: "u16",
	topicAlias: "u16",
	maximumQoS: "flag",
	retainAvailable: "flag",
	maximumPacketSize: "u32",
	wildcardSubscriptionAvailable: "flag",
	subscriptionIdentifiersAvailable: "flag",
	sharedSubscriptionAvailable: "flag",
};
const WILL_PROPERTIES = ["payloadFormatIndicator", "messageExpiryInterval", "contentType", "responseTopic", "correlationData", "willDelayInterval"];
const PACKET_PROPERTIES: Record<string, string[]> = {
	CONNECT: ["sessionExpiryInterval", "authenticationMethod", "authenticationData", "requestProblemInformation", "requestResponseInformation", "receiveMaximum", "topicAliasMaximum", "maximumPacketSize"],
	CONNACK: ["sessionExpiryInterval", "assignedClientIdentifier", "serverKeepAlive", "authenticationMethod", "authenticationData", "responseInformation", "serverReference", "reasonString", "receiveMaximum", "topicAliasMaximum", "maximumQoS", "retainAvailable", "maximumPacketSize", "wildcardSubscriptionAvailable", "subscriptionIdentifiersAvailable", "sharedSubscriptionAvailable"],
	PUBLISH: ["payloadFormatIndicator", "messageExpiryInterval", "contentType", "responseTopic", "correlationData", "topicAlias"],
	ACK: ["reasonString"],
	DISCONNECT: ["sessionExpiryInterval", "serverReference", "reasonString"],
	AUTH: ["authenticationMethod", "authenticationData", "reasonString"],
};
const safeText = fc.string({ unit: "grapheme", maxLength: 20 }).filter((t) => !t.includes("\u0000"));
const propertyValue: Record<string, fc.Arbitrary<unknown>> = {
	flag: fc.constantFrom(0, 1),
	u16: fc.integer({ min: 1, max: 0xffff }),
	u32: fc.integer({ min: 1, max: 0xffffffff }),
	var: fc.integer({ min: 1, max: 268_435_455 }),
	text: safeText,
	topic: topicName,
	binary: fc.uint8Array({ maxLength: 40 }),
};
/** User properties grouped by name, as mqtt-packet's object form keeps them (names never integer-like: object key order). */
// Values not empty: mqtt-packet's parser takes a repeated name whose first value is "" for a new one (a falsy check).
const userProperties = fc.array(fc.tuple(fc.constantFrom("ka", "kb", "k c", "ké"), safeText.filter((t) => t !== "")), { maxLength: 4 }).map((pairs) => {
	const names = [...new Set(pairs.map(([name]) => name))];
	return names.flatMap((name) => pairs.filter(([n]) => n === name));
});

function properties(names: readonly string[], extra: Record<string, fc.Arbitrary<unknown>> = {}): fc.Arbitrary<Properties> {
	const model: Record<string, fc.Arbitrary<unknown>> = { userProperties, ...extra };
	for (const name of names) model[name] = propertyValue[PROPERTY_KINDS[name]];
	return fc.record(model, { requiredKeys: [] }).map((p) => {
		const out = { ...p } as Record<string, unknown>;
		if ((out.userProperties as unknown[] | undefined)?.length === 0) delete out.userProperties;
		return out as Properties;
	});
}

const reason = (codes: number[]) => fc.constantFrom(...codes);
const subscriptionIds = fc.array(fc.integer({ min: 1, max: 268_435_455 }), { minLength: 1, maxLength: 3 });
const packets5: Record<string, fc.Arbitrary<Packet5>> = {
	CONNECT: fc
		.record({
			type: fc.constant(CONNECT),
			clientId: safeText,
			cleanStart: fc.boolean(),
			keepAlive: fc.integer({ min: 0, max: 0xffff }),
			properties: properties(PACKET_PROPERTIES.CONNECT),
			will: fc.option(fc.record({ topic: topicName, payload: bytes, qos, retain: fc.boolean(), properties: properties(WILL_PROPERTIES) }), { nil: undefined }),
			username: fc.option(safeText, { nil: undefined }),
			password: fc.option(bytes, { nil: undefined }),
		})
		.map((p) => (p.password !== undefined && p.username === undefined ? { ...p, username: "u" } : p)),
	CONNACK: fc.record({ type: fc.constant(CONNACK), sessionPresent: fc.boolean(), reasonCode: fc.constant(0), properties: properties(PACKET_PROPERTIES.CONNACK) }),
	"CONNACK refusal": fc.record({ type: fc.constant(CONNACK), sessionPresent: fc.constant(false), reasonCode: reason([0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8c, 0x90, 0x95, 0x97, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9f]), properties: properties(["reasonString", "serverReference"]) }),
	PUBLISH: fc
		.record({ type: fc.constant(PUBLISH), topic: topicName, payload: bytes, qos, retain: fc.boolean(), dup: fc.boolean(), packetId, properties: properties(PACKET_PROPERTIES.PUBLISH, { subscriptionIdentifier: subscriptionIds }) })
		.map((p) => ({ ...p, dup: p.qos > 0 && p.dup, packetId: p.qos > 0 ? p.packetId : undefined })),
	PUBACK: fc.record({ type: fc.constant(PUBACK), packetId, reasonCode: reason([0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99]), properties: properties(PACKET_PROPERTIES.ACK) }),
	PUBREC: fc.record({ type: fc.constant(PUBREC), packetId, reasonCode: reason([0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99]), properties: properties(PACKET_PROPERTIES.ACK) }),
	PUBREL: fc.record({ type: fc.constant(PUBREL), packetId, reasonCode: reason([0x00, 0x92]), properties: properties(PACKET_PROPERTIES.ACK) }),
	PUBCOMP: fc.record({ type: fc.constant(PUBCOMP), packetId, reasonCode: reason([0x00, 0x92]), properties: properties(PACKET_PROPERTIES.ACK) }),
	SUBSCRIBE: fc.record({
		type: fc.constant(SUBSCRIBE),
		packetId,
		properties: properties([], { subscriptionIdentifier: fc.integer({ min: 1, max: 268_435_455 }).map((n) => [n]) }),
		subscriptions: fc.array(fc.record({ topic: topicFilter, qos, noLocal: fc.boolean(), retainAsPublished: fc.boolean(), retainHandling: fc.constantFrom<0 | 1 | 2>(0, 1, 2) }), { minLength: 1, maxLength: 5 }),
	}),
	SUBACK: fc.record({ type: fc.constant(SUBACK), packetId, properties: properties(PACKET_PROPERTIES.ACK), reasonCodes: fc.array(reason([0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8f, 0x91, 0x97, 0x9e, 0xa1, 0xa2]), { minLength: 1, maxLength: 5 }) }),
	UNSUBSCRIBE: fc.record({ type: fc.constant(UNSUBSCRIBE), packetId, properties: properties([]), topics: fc.array(topicFilter, { minLength: 1, maxLength: 5 }) }),
	UNSUBACK: fc.record({ type: fc.constant(UNSUBACK), packetId, properties: properties(PACKET_PROPERTIES.ACK), reasonCodes: fc.array(reason([0x00, 0x11, 0x80, 0x83, 0x87, 0x8f, 0x91]), { minLength: 1, maxLength: 5 }) }),
	PINGREQ: fc.constant({ type: PINGREQ }),
	PINGRESP: fc.constant({ type: PINGRESP }),
	// 3.14.2.1's list, which mqtt-packet checks; we also accept 0x8c, which table 2-6 allows in DISCONNECT.
	DISCONNECT: fc.record({ type: fc.constant(DISCONNECT), reasonCode: reason([0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8b, 0x8d, 0x8e, 0x8f, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2]), properties: properties(PACKET_PROPERTIES.DISCONNECT) }),
	AUTH: fc.record({ type: fc.constant(AUTH), reasonCode: reason([0x00, 0x18, 0x19]), properties: properties(PACKET_PROPERTIES.AUTH) }),
};

describe("MQTT 5 codec vs mqtt-packet's v5 mode", () => {
	for (const [name, arbitrary] of Object.entries(packets5)) {
		it(`${name}: ours encodes what mqtt-packet parses back to the same packet`, () => {
			fc.assert(
				// mqtt-packet cannot parse the empty AUTH (reason 0, no properties) that 3.15.2.1 allows; the vectors cover it.
				fc.property(arbitrary.filter((p) => p.type !== AUTH || p.reasonCode !== 0 || Object.keys(p.properties).length > 0), (packet) => {
					const parsed = oracleParse5(encodeAny5(packet));
					expect(parsed).toHaveLength(1);
					expect(fromOracle5(parsed[0])).toEqual(packet);
				}),
				{ numRuns: 200 },
			);
		});
		it(`${name}: what mqtt-packet generates we decode to the same packet`, () => {
			fc.assert(
				fc.property(arbitrary.filter((p) => p.type !== CONNECT || p.cleanStart || p.clientId !== ""), (packet) => {
					expect(decodeAny5(oracleGenerate5(packet))).toEqual(packet);
				}),
				{ numRuns: 200 },
			);
		});
	}
});
