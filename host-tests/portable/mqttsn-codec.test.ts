/**
 * The MQTT-SN codec against vectors written by hand from the message formats of the
 * specification (section 5.4), one or more per message type, both ways; then the
 * length forms, the flags, and datagrams that must be refused.
 */
import { describe, it, check } from "./test-api";
import { expectProtocolError } from "./errors";
import { hex, text, toHex } from "./bytes";
import { decode } from "../../src/mqttsn/encode";
import { encode } from "../../testkit/portable/mqttsn-encode";
import { isShortTopicName } from "../../src/mqttsn/short-topic";
import { shortTopicId, TopicRegistry } from "../../src/mqttsn/topic-registry";
import * as sn from "../../src/mqttsn/packet";
import type { Message } from "../../src/mqttsn/packet";

const vectors: [string, Message, string][] = [
	["ADVERTISE (5.4.1)", { type: sn.MsgType.ADVERTISE, gwId: 5, duration: 900 }, "05 00 05 03 84"],
	["SEARCHGW (5.4.2)", { type: sn.MsgType.SEARCHGW, radius: 1 }, "03 01 01"],
	["GWINFO from a gateway (5.4.3)", { type: sn.MsgType.GWINFO, gwId: 5 }, "03 02 05"],
	["GWINFO from a client, with GwAdd", { type: sn.MsgType.GWINFO, gwId: 5, gwAdd: hex("7f 00 00 01 07 5b") }, "09 02 05 7f 00 00 01 07 5b"],
	["CONNECT with will and clean session (5.4.4)", { type: sn.MsgType.CONNECT, will: true, cleanSession: true, duration: 60, clientId: "lamp" }, "0a 04 0c 01 00 3c 6c 61 6d 70"],
	["CONNECT persistent, no will", { type: sn.MsgType.CONNECT, will: false, cleanSession: false, duration: 0, clientId: "a" }, "07 04 00 01 00 00 61"],
	["CONNACK (5.4.5)", { type: sn.MsgType.CONNACK, returnCode: sn.ReturnCode.ACCEPTED }, "03 05 00"],
	["WILLTOPICREQ (5.4.6)", { type: sn.MsgType.WILLTOPICREQ }, "02 06"],
	["WILLTOPIC, QoS 1 retained (5.4.7)", { type: sn.MsgType.WILLTOPIC, qos: 1, retain: true, willTopic: "s/o" }, "06 07 30 73 2f 6f"],
	["empty WILLTOPIC", { type: sn.MsgType.WILLTOPIC, qos: 0, retain: false, willTopic: "" }, "02 07"],
	["WILLMSGREQ (5.4.8)", { type: sn.MsgType.WILLMSGREQ }, "02 08"],
	["WILLMSG (5.4.9)", { type: sn.MsgType.WILLMSG, willMsg: text("off") }, "05 09 6f 66 66"],
	["REGISTER from a client (5.4.10)", { type: sn.MsgType.REGISTER, topicId: 0, msgId: 1, topicName: "a/b" }, "09 0a 00 00 00 01 61 2f 62"],
	["REGACK (5.4.11)", { type: sn.MsgType.REGACK, topicId: 1, msgId: 1, returnCode: sn.ReturnCode.ACCEPTED }, "07 0b 00 01 00 01 00"],
	[
		"PUBLISH QoS 1 retained, normal id (5.4.12)",
		{ type: sn.MsgType.PUBLISH, dup: false, qos: 1, retain: true, topicIdType: sn.TopicIdType.NORMAL, topicId: 1, msgId: 2, data: text("on") },
		"09 0c 30 00 01 00 02 6f 6e",
	],
	[
		"PUBLISH QoS -1, predefined id",
		{ type: sn.MsgType.PUBLISH, dup: false, qos: -1, retain: false, topicIdType: sn.TopicIdType.PREDEFINED, topicId: 7, msgId: 0, data: text("x") },
		"08 0c 61 00 07 00 00 78",
	],
	[
		"PUBLISH QoS 2 DUP, short name, empty data",
		{ type: sn.MsgType.PUBLISH, dup: true, qos: 2, retain: false, topicIdType: sn.TopicIdType.SHORT, topicId: shortTopicId("ab"), msgId: 3, data: new Uint8Array(0) },
		"07 0c c2 61 62 00 03",
	],
	["PUBACK, invalid topic id (5.4.13)", { type: sn.MsgType.PUBACK, topicId: 1, msgId: 2, returnCode: sn.ReturnCode.REJECTED_INVALID_TOPIC_ID }, "07 0d 00 01 00 02 02"],
	["PUBCOMP (5.4.14)", { type: sn.MsgType.PUBCOMP, msgId: 2 }, "04 0e 00 02"],
	["PUBREC", { type: sn.MsgType.PUBREC, msgId: 2 }, "04 0f 00 02"],
	["PUBREL", { type: sn.MsgType.PUBREL, msgId: 0x1234 }, "04 10 12 34"],
	["SUBSCRIBE QoS 1 to a filter (5.4.15)", { type: sn.MsgType.SUBSCRIBE, dup: false, qos: 1, msgId: 4, topic: { topicIdType: sn.TopicIdType.NORMAL, topicName: "a/+" } }, "08 12 20 00 04 61 2f 2b"],
	["SUBSCRIBE DUP to a predefined id", { type: sn.MsgType.SUBSCRIBE, dup: true, qos: 0, msgId: 5, topic: { topicIdType: sn.TopicIdType.PREDEFINED, topicId: 7 } }, "07 12 81 00 05 00 07"],
	["SUBACK (5.4.16)", { type: sn.MsgType.SUBACK, qos: 1, topicId: 0, msgId: 4, returnCode: sn.ReturnCode.ACCEPTED }, "08 13 20 00 00 00 04 00"],
	["UNSUBSCRIBE a short name (5.4.17)", { type: sn.MsgType.UNSUBSCRIBE, msgId: 6, topic: { topicIdType: sn.TopicIdType.SHORT, topicId: shortTopicId("ab") } }, "07 14 02 00 06 61 62"],
	["UNSUBACK (5.4.18)", { type: sn.MsgType.UNSUBACK, msgId: 6 }, "04 15 00 06"],
	["PINGREQ (5.4.19)", { type: sn.MsgType.PINGREQ }, "02 16"],
	["PINGREQ of a waking client", { type: sn.MsgType.PINGREQ, clientId: "lamp" }, "06 16 6c 61 6d 70"],
	["PINGRESP (5.4.20)", { type: sn.MsgType.PINGRESP }, "02 17"],
	["DISCONNECT (5.4.21)", { type: sn.MsgType.DISCONNECT }, "02 18"],
	["DISCONNECT with a sleep duration", { type: sn.MsgType.DISCONNECT, duration: 600 }, "04 18 02 58"],
	["WILLTOPICUPD (5.4.22)", { type: sn.MsgType.WILLTOPICUPD, qos: 2, retain: false, willTopic: "s" }, "04 1a 40 73"],
	["empty WILLTOPICUPD deletes the will", { type: sn.MsgType.WILLTOPICUPD, qos: 0, retain: false, willTopic: "" }, "02 1a"],
	["WILLTOPICRESP (5.4.23)", { type: sn.MsgType.WILLTOPICRESP, returnCode: sn.ReturnCode.ACCEPTED }, "03 1b 00"],
	["WILLMSGUPD (5.4.24)", { type: sn.MsgType.WILLMSGUPD, willMsg: text("x") }, "03 1c 78"],
	["WILLMSGRESP (5.4.25)", { type: sn.MsgType.WILLMSGRESP, returnCode: sn.ReturnCode.REJECTED_NOT_SUPPORTED }, "03 1d 03"],
];

describe("MQTT-SN codec: the specification's message formats", () => {
	for (const [name, message, bytes] of vectors) {
		it(`encodes ${name}`, () => {
			check(toHex(encode(message))).toBe(toHex(hex(bytes)));
		});
		it(`decodes ${name}`, () => {
			check(decode(hex(bytes))).toEqual(message);
		});
	}

	it("has a vector for every message type from ADVERTISE to WILLMSGRESP", () => {
		const covered = new Set(vectors.map(([, m]) => m.type));
		for (const type of [0x00, 0x01, 0x02, ...Array.from({ length: 0x1d - 0x04 + 1 }, (_, i) => 0x04 + i)]) {
			if (type === 0x11 || type === 0x19) continue; // reserved
			check(covered.has(type as Message["type"])).toBe(true);
		}
	});

	it("decodes binary fields as views into the datagram, not copies", () => {
		const datagram = hex("09 0c 30 00 01 00 02 6f 6e");
		const message = decode(datagram);
		if (message.type !== sn.MsgType.PUBLISH) throw new Error("not a PUBLISH");
		check(message.data.buffer).toBe(datagram.buffer);
	});
});

describe("MQTT-SN codec: length forms and flags", () => {
	function publish(size: number): Message {
		return { type: sn.MsgType.PUBLISH, dup: false, qos: 0, retain: false, topicIdType: sn.TopicIdType.NORMAL, topicId: 1, msgId: 0, data: new Uint8Array(size).fill(0x61) };
	}

	it("uses one length octet up to 255 bytes and the 3-octet form (0x01, then two) above", () => {
		const at255 = encode(publish(248));
		check(at255.length).toBe(255);
		check(at255[0]).toBe(255);
		const at258 = encode(publish(249));
		check(at258.length).toBe(258);
		check(toHex(at258.subarray(0, 4))).toBe("01 01 02 0c");
		check(decode(at258)).toEqual(publish(249));
		const large = encode(publish(300));
		check(toHex(large.subarray(0, 3))).toBe("01 01 35");
		check(decode(large)).toEqual(publish(300));
	});

	it("accepts the 3-octet form for a short message too", () => {
		check(decode(hex("01 00 05 05 00"))).toEqual({ type: sn.MsgType.CONNACK, returnCode: 0 });
	});

	it("refuses a message over the 65535-byte maximum of the length field", () => {
		expectProtocolError(() => encode(publish(65535 - 9 + 1)), "PACKET_TOO_LARGE");
		check(encode(publish(65535 - 9)).length).toBe(65535);
	});

	it("maps every QoS, -1 included, and every topic id type through the flags", () => {
		for (const qos of [-1, 0, 1, 2] as const)
			for (const topicIdType of [sn.TopicIdType.NORMAL, sn.TopicIdType.PREDEFINED, sn.TopicIdType.SHORT] as const)
				for (const retain of [false, true]) {
					const message: Message = { type: sn.MsgType.PUBLISH, dup: qos > 0, qos, retain, topicIdType, topicId: 0x0102, msgId: qos > 0 ? 9 : 0, data: text("d") };
					check(decode(encode(message))).toEqual(message);
				}
	});

	it("reads a short topic name from its two bytes and back", () => {
		check(shortTopicId("ab")).toBe(0x6162);
		check(new TopicRegistry().nameOf(sn.TopicIdType.SHORT, 0x6162)).toBe("ab");
		check(isShortTopicName("ab")).toBe(true);
		for (const name of ["a", "abc", "a+", "#a", "é1"]) check(isShortTopicName(name)).toBe(false);
	});

	it("round-trips UTF-8 client ids, topic names and will topics", () => {
		for (const message of [
			{ type: sn.MsgType.CONNECT, will: false, cleanSession: true, duration: 65535, clientId: "läмп-🙂" },
			{ type: sn.MsgType.REGISTER, topicId: 0xfffe, msgId: 0xffff, topicName: "home/büro/lampe" },
			{ type: sn.MsgType.WILLTOPIC, qos: 2, retain: true, willTopic: "home/büro" },
		] as Message[])
			check(decode(encode(message))).toEqual(message);
	});
});

describe("MQTT-SN codec: datagrams that are refused", () => {
	const malformed: [string, string][] = [
		["an empty datagram", ""],
		["a lone length octet", "05"],
		["Length 0", "00 0c"],
		["a 3-octet length cut short", "01 00"],
		["a 3-octet Length smaller than its header", "01 00 03 05"],
		["truncated: Length above the datagram size", "05 0c 00"],
		["Length below the datagram size", "03 05 00 00"],
		["CONNECT with ProtocolId 2", "07 04 00 02 00 00 61"],
		["CONNECT without a ClientId", "06 04 00 01 00 00"],
		["PUBLISH with the reserved topic id type 0b11", "08 0c 03 00 01 00 00 78"],
		["PUBLISH cut inside MsgId", "06 0c 00 00 01 00"],
		["REGISTER without a TopicName", "06 0a 00 00 00 01"],
		["REGISTER with ill-formed UTF-8", "07 0a 00 00 00 01 c0"],
		["WILLTOPIC flags without a topic", "03 07 20"],
		["PUBACK without its return code", "06 0d 00 01 00 02"],
		["CONNACK with an extra byte", "04 05 00 00"],
		["DISCONNECT with half a duration", "03 18 01"],
		["SUBSCRIBE to a predefined id of three bytes", "08 12 01 00 05 00 07 00"],
		["SUBSCRIBE to an empty name", "05 12 00 00 05"],
		["ADVERTISE without its duration", "03 00 05"],
	];
	for (const [name, bytes] of malformed)
		it(`refuses ${name} as MALFORMED_PACKET`, () => {
			expectProtocolError(() => decode(hex(bytes)), "MALFORMED_PACKET");
		});

	it("refuses reserved message types as UNKNOWN_PACKET_TYPE", () => {
		for (const type of [0x03, 0x11, 0x19, 0x1e, 0xfd, 0xfe, 0xff]) expectProtocolError(() => decode(new Uint8Array([2, type])), "UNKNOWN_PACKET_TYPE");
	});

	it("refuses a datagram over the caller's maximum before reading it", () => {
		const datagram = encode({ type: sn.MsgType.PUBLISH, dup: false, qos: 0, retain: false, topicIdType: 0, topicId: 1, msgId: 0, data: new Uint8Array(100) });
		expectProtocolError(() => decode(datagram, 64), "PACKET_TOO_LARGE");
		check(decode(datagram, datagram.length).type).toBe(sn.MsgType.PUBLISH);
	});
});
