/**
 * MQTT 3.1.1 codec vectors. Byte strings marked "spec" are the worked examples of the
 * OASIS specification (figures and tables cited); the others are built field by field
 * from the packet formats of section 3.
 */
import { describe, it, check } from "./test-api";
import { expectProtocolError } from "./errors";
import { hex, toHex, text } from "./bytes";
import { PacketReader, encodeInto } from "../../src/mqtt/codec";
// CONNACK and SUBACK are encoded by the tests' broker side (encodeAny), every other packet by the firmware's encoder.
import { decodeAny as decode, encodeAny, feedPackets } from "../../testkit/portable/mqtt-client-packets";
import { type Packet, type Transmit } from "../../src/mqtt/packet";
import { CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT } from "../../testkit/portable/mqtt-types";

const vectors: [string, Packet, string][] = [
	[
		"CONNECT with will, user name and password (variable header: spec figure 3.6, flags 0xCE, keep alive 10)",
		{ type: CONNECT, clientId: "lamp", cleanSession: true, keepAlive: 10, will: { topic: "a/b", payload: text("bye"), qos: 1, retain: false }, username: "u", password: text("p") },
		"10 20 00 04 4d 51 54 54 04 ce 00 0a 00 04 6c 61 6d 70 00 03 61 2f 62 00 03 62 79 65 00 01 75 00 01 70",
	],
	["CONNECT minimal, persistent session", { type: CONNECT, clientId: "c", cleanSession: false, keepAlive: 60 }, "10 0d 00 04 4d 51 54 54 04 00 00 3c 00 01 63"],
	["CONNACK session present", { type: CONNACK, sessionPresent: true, returnCode: 0 }, "20 02 01 00"],
	["CONNACK refused: not authorized", { type: CONNACK, sessionPresent: false, returnCode: 5 }, "20 02 00 05"],
	[
		"PUBLISH QoS 1 (variable header: spec figure 3.11, topic a/b, packet id 10)",
		{ type: PUBLISH, topic: "a/b", payload: text("hi"), qos: 1, retain: false, dup: false, packetId: 10 },
		"32 09 00 03 61 2f 62 00 0a 68 69",
	],
	["PUBLISH QoS 0 retained, empty payload", { type: PUBLISH, topic: "a/b", payload: new Uint8Array(0), qos: 0, retain: true, dup: false }, "31 05 00 03 61 2f 62"],
	["PUBLISH QoS 2 DUP", { type: PUBLISH, topic: "t", payload: text("x"), qos: 2, retain: false, dup: true, packetId: 0xffff }, "3c 06 00 01 74 ff ff 78"],
	["PUBACK", { type: PUBACK, packetId: 10 }, "40 02 00 0a"],
	["PUBREC", { type: PUBREC, packetId: 10 }, "50 02 00 0a"],
	["PUBREL (fixed header flags 0010, 3.6.1)", { type: PUBREL, packetId: 10 }, "62 02 00 0a"],
	["PUBCOMP", { type: PUBCOMP, packetId: 10 }, "70 02 00 0a"],
	[
		"SUBSCRIBE (payload: spec figure 3.22, a/b QoS 1 and c/d QoS 2)",
		{ type: SUBSCRIBE, packetId: 10, subscriptions: [{ topic: "a/b", qos: 1 }, { topic: "c/d", qos: 2 }] },
		"82 0e 00 0a 00 03 61 2f 62 01 00 03 63 2f 64 02",
	],
	["SUBACK (payload: spec figure 3.26, QoS 0, QoS 2, failure)", { type: SUBACK, packetId: 10, returnCodes: [0, 2, 0x80] }, "90 05 00 0a 00 02 80"],
	["UNSUBSCRIBE (payload: spec figure 3.30, a/b and c/d)", { type: UNSUBSCRIBE, packetId: 10, topics: ["a/b", "c/d"] }, "a2 0c 00 0a 00 03 61 2f 62 00 03 63 2f 64"],
	["UNSUBACK", { type: UNSUBACK, packetId: 10 }, "b0 02 00 0a"],
	["PINGREQ", { type: PINGREQ }, "c0 00"],
	["PINGRESP", { type: PINGRESP }, "d0 00"],
	["DISCONNECT", { type: DISCONNECT }, "e0 00"],
];

describe("MQTT codec: vectors for all 14 control packets", () => {
	for (const [name, packet, bytes] of vectors) {
		it(`encodes ${name}`, () => {
			check(toHex(encodeAny(packet))).toBe(bytes);
		});
		it(`decodes ${name}`, () => {
			check(decode(hex(bytes))).toEqual(packet);
		});
	}
});

describe("MQTT codec: encodeInto, the session's transmit chunk", () => {
	const subscribe = vectors.find(([name]) => name.startsWith("SUBSCRIBE"));
	const [, packet, bytes] = subscribe as [string, Packet, string];
	/** A chunk with 3 bytes used; `fresh`: reserve starts a new chunk (offset 0), as link.ts does when the packet does not fit. */
	const chunk = (fresh: boolean) => {
		const out = { chunks: [new Uint8Array(24)], offset: 3, committed: 0, asked: 0 };
		const transmit: Transmit = {
			get offset() {
				return out.offset;
			},
			reserve(size) {
				out.asked = size;
				if (!fresh) return out.chunks[0];
				out.offset = 0;
				out.chunks.push(new Uint8Array(size));
				return out.chunks[1];
			},
			commit(size) {
				out.committed = size;
				out.offset += size;
			},
		};
		return { out, transmit };
	};

	it("writes the packet's bytes at the chunk's offset and commits their size", () => {
		const { out, transmit } = chunk(false);
		encodeInto(packet as Parameters<typeof encodeInto>[0], transmit);
		check(out.asked).toBe(16);
		check(out.committed).toBe(16);
		check(toHex(out.chunks[0].subarray(3, 19))).toBe(bytes);
		check(toHex(out.chunks[0].subarray(0, 3))).toBe("00 00 00");
	});

	it("writes at the offset reserve leaves, when it starts a new chunk", () => {
		const { out, transmit } = chunk(true);
		encodeInto(packet as Parameters<typeof encodeInto>[0], transmit);
		check(toHex(out.chunks[1])).toBe(bytes);
		check(toHex(out.chunks[0].subarray(0, 4))).toBe("00 00 00 00");
	});

	it("checks before it reserves: a bad packet id reserves and writes nothing", () => {
		const { out, transmit } = chunk(false);
		expectProtocolError(() => encodeInto({ type: SUBSCRIBE, packetId: 0, subscriptions: [{ topic: "a", qos: 0 }] }, transmit), "MALFORMED_PACKET");
		check(out.asked).toBe(0);
		check(out.committed).toBe(0);
	});
});

describe("MQTT codec: remaining length (spec table 2.4)", () => {
	// Remaining length of a QoS 0 PUBLISH to "a" is 3 + payload.
	const cases: [number, string][] = [
		[3, "03"],
		[127, "7f"],
		[128, "80 01"],
		[16_383, "ff 7f"],
		[16_384, "80 80 01"],
	];
	for (const [remaining, header] of cases) {
		it(`${remaining} bytes -> ${header}`, () => {
			const bytes = encodeAny({ type: PUBLISH, topic: "a", payload: new Uint8Array(remaining - 3), qos: 0, retain: false, dup: false });
			check(toHex(bytes.subarray(1, 1 + hex(header).length))).toBe(header);
			const packet = decode(bytes);
			check(packet.type === PUBLISH && packet.payload.length).toBe(remaining - 3);
		});
	}
	it("reads the four-byte maximum 268,435,455 (ff ff ff 7f) and refuses it by size before buffering", () => {
		const reader = new PacketReader(8192);
		const error = expectProtocolError(() => feedPackets(reader, hex("30 ff ff ff 7f"), () => undefined), "PACKET_TOO_LARGE");
		check(error.message).toContain("268435460");
	});
	it("refuses a remaining length of five bytes", () => {
		expectProtocolError(() => feedPackets(new PacketReader(8192), hex("30 ff ff ff ff 01"), () => undefined), "MALFORMED_PACKET");
	});
});

describe("MQTT codec: UTF-8 strings (1.5.3)", () => {
	it("encodes the spec example A U+2A6D4 (figure 1.3) as 00 05 41 f0 aa 9b 94", () => {
		const bytes = encodeAny({ type: UNSUBSCRIBE, packetId: 1, topics: ["A\u{2A6D4}"] });
		check(toHex(bytes.subarray(4))).toBe("00 05 41 f0 aa 9b 94");
		const packet = decode(bytes);
		check(packet.type === UNSUBSCRIBE && packet.topics[0]).toBe("A\u{2A6D4}");
	});
	it("refuses ill-formed UTF-8 in a topic (overlong, surrogate, truncated)", () => {
		for (const bad of ["c0 80", "ed a0 80", "e2 82", "f8 88 80 80 80", "ff"]) {
			const body = hex(bad);
			const packet = new Uint8Array([0x30, 2 + body.length, 0, body.length, ...body]);
			expectProtocolError(() => decode(packet), "MALFORMED_PACKET");
		}
	});
	it("refuses to encode a lone surrogate", () => {
		expectProtocolError(() => encodeAny({ type: UNSUBSCRIBE, packetId: 1, topics: ["a\ud800"] }), "MALFORMED_PACKET");
	});
});

describe("MQTT codec: decode views", () => {
	it("returns the PUBLISH payload as a view into the input, not a copy", () => {
		const bytes = hex("32 09 00 03 61 2f 62 00 0a 68 69");
		const packet = decode(bytes);
		check(packet.type === PUBLISH && packet.payload.buffer === bytes.buffer).toBe(true);
	});
});

describe("MQTT codec: malformed packets are ProtocolErrors", () => {
	const malformed: [string, string][] = [
		["reserved type 0", "00 00"],
		["reserved type 15", "f0 00"],
		["PUBLISH QoS 3", "36 05 00 01 74 00 01"],
		["PUBLISH QoS 0 with DUP", "38 03 00 01 74"],
		["PUBLISH with a wildcard topic", "30 03 00 01 23"],
		["PUBLISH with an empty topic", "30 02 00 00"],
		["PUBLISH QoS 1 with packet id 0", "32 05 00 01 74 00 00"],
		["PUBLISH topic longer than the packet", "30 03 00 05 74"],
		["PUBACK with flags", "41 02 00 01"],
		["PUBREL without its 0010 flags", "60 02 00 01"],
		["PUBACK too long", "40 03 00 01 00"],
		["PUBACK too short", "40 01 00"],
		["CONNACK with reserved flags", "20 02 02 00"],
		["CONNACK refusal with session present", "20 02 01 05"],
		["SUBACK with return code 3", "90 03 00 01 03"],
		["SUBACK without return codes", "90 02 00 01"],
		["SUBSCRIBE without its 0010 flags", "80 06 00 01 00 01 61 00"],
		["SUBSCRIBE with QoS byte 3", "82 06 00 01 00 01 61 03"],
		["SUBSCRIBE with a bad filter a#", "82 07 00 01 00 02 61 23 00"],
		["UNSUBSCRIBE without topics", "a2 02 00 01"],
		["PINGRESP with a body", "d0 01 00"],
		["CONNECT with protocol name MQIsdp", "10 0f 00 06 4d 51 49 73 64 70 03 02 00 3c 00 01 63"],
		["CONNECT with reserved flag", "10 0d 00 04 4d 51 54 54 04 01 00 3c 00 01 63"],
		["CONNECT password without user name", "10 0d 00 04 4d 51 54 54 04 42 00 3c 00 01 63"],
		["remaining length shorter than the bytes", "c0 00 00"],
	];
	for (const [name, bytes] of malformed) {
		it(name, () => {
			expectProtocolError(() => decode(hex(bytes)), "MALFORMED_PACKET");
		});
	}
});

describe("MQTT codec: PacketReader framing", () => {
	const stream = hex("32 09 00 03 61 2f 62 00 0a 68 69 40 02 00 0a d0 00");
	it("splits a stream fed in one chunk", () => {
		const packets: Packet[] = [];
		feedPackets(new PacketReader(8192), stream, (p) => packets.push(p));
		check(packets.map((p) => p.type)).toEqual([PUBLISH, PUBACK, PINGRESP]);
	});
	it("splits the same stream fed one byte at a time (headers split too)", () => {
		const packets: Packet[] = [];
		const reader = new PacketReader(8192);
		for (let i = 0; i < stream.length; i++) feedPackets(reader, stream.subarray(i, i + 1), (p) => packets.push(p));
		check(packets.map((p) => p.type)).toEqual([PUBLISH, PUBACK, PINGRESP]);
		check(packets[0].type === PUBLISH && toHex(packets[0].payload)).toBe("68 69");
	});
	it("splits at every possible cut into two chunks", () => {
		for (let cut = 0; cut <= stream.length; cut++) {
			const types: number[] = [];
			const reader = new PacketReader(8192);
			feedPackets(reader, stream.subarray(0, cut), (p) => types.push(p.type));
			feedPackets(reader, stream.subarray(cut), (p) => types.push(p.type));
			check(types).toEqual([PUBLISH, PUBACK, PINGRESP]);
		}
	});
	it("refuses a packet over the maximum as soon as its header is complete", () => {
		const reader = new PacketReader(100);
		const packets: Packet[] = [];
		feedPackets(reader, hex("40 02 00 01"), (p) => packets.push(p));
		expectProtocolError(() => feedPackets(reader, hex("30 e5 00"), (p) => packets.push(p)), "PACKET_TOO_LARGE");
		check(packets).toHaveLength(1);
	});
	it("accepts a packet of exactly the maximum size", () => {
		const packet = encodeAny({ type: PUBLISH, topic: "t", payload: new Uint8Array(95), qos: 0, retain: false, dup: false });
		check(packet.length).toBe(100);
		const got: Packet[] = [];
		feedPackets(new PacketReader(100), packet, (p) => got.push(p));
		check(got).toHaveLength(1);
	});
});
