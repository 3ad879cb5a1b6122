/**
 * MQTT 5.0 codec vectors. "spec" marks the worked examples of the OASIS MQTT 5.0
 * specification (figure cited); the others are built field by field from section 3's
 * packet formats and section 2.2.2's property table, and the rules: reason codes per
 * packet (2.4), a property twice (Protocol Error), a property in the wrong packet
 * (Malformed Packet), values outside their range (Protocol Error).
 */
import { describe, it, check } from "./test-api";
import { expectProtocolError } from "./errors";
import { hex, toHex, text } from "./bytes";
// What a server sends, and PUBLISH and the acknowledgements, are encoded by the tests' broker side (encodeAny5); the rest by the firmware's encoder.
import { decodeAny5 as decode, encodeAny5 as encode } from "../../testkit/portable/mqtt5-client-packets";
import { CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT } from "../../testkit/portable/mqtt-types";
import { AUTH, type Packet5 } from "../../src/mqtt/v5/packet";
import { reasonText } from "../../src/mqtt/v5/reason";

const vectors: [string, Packet5, string][] = [
	[
		"CONNECT (variable header: spec figure 3-6, flags 0xCE, keep alive 10, Session Expiry Interval 10) with a will delayed 5 s",
		{ type: CONNECT, clientId: "lamp", cleanStart: true, keepAlive: 10, properties: { sessionExpiryInterval: 10 }, will: { topic: "a/b", payload: text("bye"), qos: 1, retain: false, properties: { willDelayInterval: 5 } }, username: "u", password: text("p") },
		"10 2c 00 04 4d 51 54 54 05 ce 00 0a 05 11 00 00 00 0a 00 04 6c 61 6d 70 05 18 00 00 00 05 00 03 61 2f 62 00 03 62 79 65 00 01 75 00 01 70",
	],
	["CONNECT minimal: no properties is a Property Length of 0", { type: CONNECT, clientId: "c", cleanStart: false, keepAlive: 60, properties: {} }, "10 0e 00 04 4d 51 54 54 05 00 00 3c 00 00 01 63"],
	[
		"CONNACK with Assigned Client Identifier, Receive Maximum, Topic Alias Maximum",
		{ type: CONNACK, sessionPresent: false, reasonCode: 0, properties: { assignedClientIdentifier: "x", receiveMaximum: 10, topicAliasMaximum: 5 } },
		"20 0d 00 00 0a 12 00 01 78 21 00 0a 22 00 05",
	],
	["CONNACK refused: 0x87 not authorized", { type: CONNACK, sessionPresent: false, reasonCode: 0x87, properties: {} }, "20 03 00 87 00"],
	[
		"PUBLISH QoS 1 with a Topic Alias (properties after the packet identifier, 3.3.2)",
		{ type: PUBLISH, topic: "a/b", payload: text("hi"), qos: 1, retain: false, dup: false, packetId: 10, properties: { topicAlias: 1 } },
		"32 0d 00 03 61 2f 62 00 0a 03 23 00 01 68 69",
	],
	["PUBLISH QoS 0 by its Topic Alias alone (empty Topic Name, 3.3.2.3.4)", { type: PUBLISH, topic: "", payload: text("hi"), qos: 0, retain: false, dup: false, packetId: undefined, properties: { topicAlias: 1 } }, "30 08 00 00 03 23 00 01 68 69"],
	[
		"PUBLISH with two Subscription Identifiers and user properties (repeated names kept in order)",
		{ type: PUBLISH, topic: "t", payload: new Uint8Array(0), qos: 0, retain: true, dup: false, packetId: undefined, properties: { subscriptionIdentifier: [1, 200], userProperties: [["a", "1"], ["a", "2"]] } },
		"31 17 00 01 74 13 0b 01 0b c8 01 26 00 01 61 00 01 31 26 00 01 61 00 01 32",
	],
	["PUBACK success: the packet identifier alone (3.4.2.1)", { type: PUBACK, packetId: 10, reasonCode: 0, properties: {} }, "40 02 00 0a"],
	["PUBACK 0x10 no matching subscribers, no properties", { type: PUBACK, packetId: 10, reasonCode: 0x10, properties: {} }, "40 03 00 0a 10"],
	["PUBACK 0x87 with a Reason String", { type: PUBACK, packetId: 10, reasonCode: 0x87, properties: { reasonString: "no" } }, "40 09 00 0a 87 05 1f 00 02 6e 6f"],
	["PUBREC 0x80", { type: PUBREC, packetId: 10, reasonCode: 0x80, properties: {} }, "50 03 00 0a 80"],
	["PUBREL 0x92 packet identifier not found (flags 0010)", { type: PUBREL, packetId: 10, reasonCode: 0x92, properties: {} }, "62 03 00 0a 92"],
	["PUBCOMP success", { type: PUBCOMP, packetId: 10, reasonCode: 0, properties: {} }, "70 02 00 0a"],
	[
		"SUBSCRIBE with No Local, Retain Handling 2 and a Subscription Identifier (options byte 3.8.3.1)",
		{ type: SUBSCRIBE, packetId: 10, properties: { subscriptionIdentifier: [3] }, subscriptions: [{ topic: "a/b", qos: 1, noLocal: true, retainAsPublished: false, retainHandling: 2 }] },
		"82 0b 00 0a 02 0b 03 00 03 61 2f 62 25",
	],
	["SUBACK granted QoS 1, 0x80", { type: SUBACK, packetId: 10, properties: {}, reasonCodes: [1, 0x80] }, "90 05 00 0a 00 01 80"],
	["UNSUBSCRIBE", { type: UNSUBSCRIBE, packetId: 10, properties: {}, topics: ["a/b"] }, "a2 08 00 0a 00 00 03 61 2f 62"],
	["UNSUBACK success, 0x11 no subscription existed", { type: UNSUBACK, packetId: 10, properties: {}, reasonCodes: [0, 0x11] }, "b0 05 00 0a 00 00 11"],
	["PINGREQ", { type: PINGREQ }, "c0 00"],
	["PINGRESP", { type: PINGRESP }, "d0 00"],
	["DISCONNECT normal: a fixed header alone (3.14.2.1)", { type: DISCONNECT, reasonCode: 0, properties: {} }, "e0 00"],
	["DISCONNECT 0x8e session taken over", { type: DISCONNECT, reasonCode: 0x8e, properties: {} }, "e0 02 8e 00"],
	["DISCONNECT with Session Expiry Interval 0", { type: DISCONNECT, reasonCode: 0, properties: { sessionExpiryInterval: 0 } }, "e0 07 00 05 11 00 00 00 00"],
	["AUTH 0x18 continue authentication, method m", { type: AUTH, reasonCode: 0x18, properties: { authenticationMethod: "m" } }, "f0 06 18 04 15 00 01 6d"],
];

describe("MQTT 5 codec: vectors for all 15 control packets", () => {
	for (const [name, packet, bytes] of vectors) {
		it(`encodes ${name}`, () => {
			check(toHex(encode(packet))).toBe(bytes);
		});
		it(`decodes ${name}`, () => {
			check(decode(hex(bytes))).toEqual(packet);
		});
	}
	it("decodes the short forms a sender may choose: DISCONNECT and acknowledgements with a reason code and no Property Length", () => {
		check(decode(hex("e0 01 8e"))).toEqual({ type: DISCONNECT, reasonCode: 0x8e, properties: {} });
		check(decode(hex("f0 00"))).toEqual({ type: AUTH, reasonCode: 0, properties: {} });
		check(decode(hex("40 04 00 0a 00 00"))).toEqual({ type: PUBACK, packetId: 10, reasonCode: 0, properties: {} });
	});
	it("decodes every property data type (1.5): byte, two- and four-byte integer, variable byte integer, string, string pair, binary", () => {
		const packet = decode(hex("30 1e 00 01 74 19 01 01 02 00 00 01 00 09 00 02 01 02 0b 80 01 23 00 07 26 00 01 6b 00 01 76 ff"));
		check(packet).toEqual({ type: PUBLISH, topic: "t", payload: hex("ff"), qos: 0, retain: false, dup: false, packetId: undefined, properties: { payloadFormatIndicator: 1, messageExpiryInterval: 256, correlationData: hex("01 02"), subscriptionIdentifier: [128], topicAlias: 7, userProperties: [["k", "v"]] } });
	});
});

describe("MQTT 5 codec: property rules (2.2.2)", () => {
	const violations: [string, string][] = [
		["Receive Maximum twice", "20 09 00 00 06 21 00 01 21 00 02"],
		["Receive Maximum 0", "20 06 00 00 03 21 00 00"],
		["Maximum QoS 2", "20 05 00 00 02 24 02"],
		["Retain Available 2", "20 05 00 00 02 25 02"],
		["Maximum Packet Size 0", "20 08 00 00 05 27 00 00 00 00"],
		["Topic Alias 0", "30 07 00 01 74 03 23 00 00"],
		["Payload Format Indicator 2", "30 06 00 01 74 02 01 02"],
		["a Response Topic with a wildcard", "30 09 00 01 74 05 08 00 02 61 23"],
		["a PUBLISH with neither topic name nor alias", "30 03 00 00 00"],
		["Reason String twice", "40 0c 00 0a 80 08 1f 00 01 61 1f 00 01 62"],
	];
	for (const [name, bytes] of violations) it(`${name} is a Protocol Error`, () => expectProtocolError(() => decode(hex(bytes)), "PROTOCOL_VIOLATION"));
	const malformed: [string, string][] = [
		["a Topic Alias in CONNACK (not its property)", "20 06 00 00 03 23 00 01"],
		["an unknown property identifier", "20 05 00 00 02 7f 00"],
		["a Property Length past the packet", "20 04 00 00 09 21"],
		["a property running past the Property Length", "20 05 00 00 02 21 00"],
		["a variable byte integer not in its shortest form", "30 06 00 01 74 80 00 00"],
		["PUBACK reason code 0x92 (PUBREL/PUBCOMP's)", "40 03 00 0a 92"],
		["PUBREL reason code 0x80", "62 03 00 0a 80"],
		["CONNACK reason code 0x04", "20 03 00 04 00"],
		["CONNACK session present with a refusal", "20 03 01 87 00"],
		["SUBACK reason code 0x03", "90 04 00 0a 00 03"],
		["UNSUBACK reason code 0x01", "b0 04 00 0a 00 01"],
		["DISCONNECT reason code 0x01", "e0 01 01"],
		["AUTH reason code 0x87", "f0 01 87"],
		["PUBLISH QoS 3", "36 06 00 01 74 00 01 00"],
		["SUBSCRIBE Retain Handling 3", "82 09 00 0a 00 00 03 61 2f 62 30"],
		["SUBSCRIBE reserved option bits", "82 09 00 0a 00 00 03 61 2f 62 40"],
		["CONNECT at protocol level 4 read as 5", "10 0d 00 04 4d 51 54 54 04 00 00 3c 00 01 63"],
		["Will Delay Interval in CONNECT's own properties", "10 13 00 04 4d 51 54 54 05 00 00 3c 05 18 00 00 00 05 00 00"],
	];
	for (const [name, bytes] of malformed) it(`${name} is a Malformed Packet`, () => expectProtocolError(() => decode(hex(bytes)), "MALFORMED_PACKET"));
	it("keeps two Subscription Identifiers in a PUBLISH but refuses two in a SUBSCRIBE", () => {
		const publish = decode(hex("30 09 00 01 74 04 0b 01 0b 02 ff"));
		check(publish.type === PUBLISH && publish.properties.subscriptionIdentifier).toEqual([1, 2]);
		expectProtocolError(() => decode(hex("82 0b 00 0a 04 0b 01 0b 02 00 01 61 00")), "PROTOCOL_VIOLATION");
	});
	it("refuses to encode a property the packet does not carry, or a value out of range", () => {
		expectProtocolError(() => encode({ type: CONNECT, clientId: "c", cleanStart: true, keepAlive: 0, properties: { topicAlias: 1 } }), "PROTOCOL_VIOLATION");
		expectProtocolError(() => encode({ type: CONNECT, clientId: "c", cleanStart: true, keepAlive: 0, properties: { receiveMaximum: 0 } }), "PROTOCOL_VIOLATION");
		expectProtocolError(() => encode({ type: CONNECT, clientId: "c", cleanStart: true, keepAlive: 0, properties: { sessionExpiryInterval: 0x1_0000_0000 } }), "PROTOCOL_VIOLATION");
	});
	it("names reason codes for error details (2.4)", () => {
		check(reasonText(0x87, "acl")).toBe("0x87 not authorized: acl");
		check(reasonText(0x04)).toBe("0x04 disconnect with will message");
	});
});
