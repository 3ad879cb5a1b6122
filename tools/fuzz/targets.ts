/**
 * What the fuzzer feeds: one row per decoder, with valid seed inputs (written by hand
 * from the specs, so they do not depend on our encoders) and the decoder's declared
 * maximum packet size. A new decoder (CoAP, link-format, DHT22 pulse trains) is one more
 * row: seeds, a maximum, and a `decode` that runs the decoder the way the firmware does.
 */
import { PacketReader } from "../../src/mqtt/decode";
import { decode as decodeMqttSn } from "../../src/mqttsn/decode";

export interface FuzzTarget {
	readonly name: string;
	/** The largest packet the decoder may accept or hand out a view of. */
	readonly maxPacketSize: number;
	readonly seeds: readonly Uint8Array[];
	/** Decodes `input` as the firmware would, returning what it decoded; `random` may split it (streams). */
	decode(input: Uint8Array, random: () => number): unknown;
}

const ascii = (text: string) => Array.from(text, (c) => c.charCodeAt(0));
const bytes = (...parts: (number | number[])[]) => new Uint8Array(parts.flat());

/** MQTT 3.1.1 packets a client receives, plus CONNECT and SUBSCRIBE (the decoder knows them all). */
const MQTT_SEEDS = [
	bytes(0x20, 0x02, 0x00, 0x00), // CONNACK accepted
	bytes(0x20, 0x02, 0x01, 0x05), // CONNACK, session present, not authorised
	bytes(0x30, 0x07, 0x00, 0x03, ascii("a/b"), ascii("on")), // PUBLISH QoS 0
	bytes(0x32, 0x08, 0x00, 0x01, ascii("t"), 0x00, 0x01, ascii("xyz")), // PUBLISH QoS 1
	bytes(0x3d, 0x07, 0x00, 0x01, ascii("t"), 0x12, 0x34, ascii("z")), // PUBLISH QoS 2, DUP, RETAIN
	bytes(0x40, 0x02, 0x00, 0x01), // PUBACK
	bytes(0x50, 0x02, 0x00, 0x01), // PUBREC
	bytes(0x62, 0x02, 0x00, 0x01), // PUBREL
	bytes(0x70, 0x02, 0x00, 0x01), // PUBCOMP
	bytes(0x90, 0x04, 0x00, 0x01, 0x01, 0x80), // SUBACK: granted 1, failure
	bytes(0xb0, 0x02, 0x00, 0x01), // UNSUBACK
	bytes(0xd0, 0x00), // PINGRESP
	bytes(0x10, 0x0e, 0x00, 0x04, ascii("MQTT"), 0x04, 0x02, 0x00, 0x3c, 0x00, 0x02, ascii("id")), // CONNECT
	bytes(0x82, 0x06, 0x00, 0x01, 0x00, 0x01, ascii("a"), 0x01), // SUBSCRIBE
	bytes(0x30, 0x82, 0x01, 0x00, 0x01, ascii("t"), new Array<number>(127).fill(0x61)), // two-byte remaining length
];

/** MQTT-SN 1.2 messages: short and three-byte length forms. */
const MQTTSN_SEEDS = [
	bytes(0x05, 0x00, 0x01, 0x00, 0x3c), // ADVERTISE
	bytes(0x03, 0x01, 0x01), // SEARCHGW
	bytes(0x03, 0x02, 0x01), // GWINFO
	bytes(0x03, 0x05, 0x00), // CONNACK
	bytes(0x02, 0x06), // WILLTOPICREQ
	bytes(0x02, 0x08), // WILLMSGREQ
	bytes(0x09, 0x0a, 0x00, 0x01, 0x00, 0x02, ascii("a/b")), // REGISTER
	bytes(0x07, 0x0b, 0x00, 0x01, 0x00, 0x02, 0x00), // REGACK
	bytes(0x09, 0x0c, 0x20, 0x00, 0x01, 0x00, 0x03, ascii("hi")), // PUBLISH QoS 1, normal topic id
	bytes(0x08, 0x0c, 0x62, ascii("ab"), 0x00, 0x00, ascii("x")), // PUBLISH QoS -1, short topic, retain
	bytes(0x07, 0x0d, 0x00, 0x01, 0x00, 0x03, 0x00), // PUBACK
	bytes(0x04, 0x0e, 0x00, 0x03), // PUBCOMP
	bytes(0x04, 0x0f, 0x00, 0x03), // PUBREC
	bytes(0x04, 0x10, 0x00, 0x03), // PUBREL
	bytes(0x08, 0x13, 0x20, 0x00, 0x01, 0x00, 0x04, 0x00), // SUBACK
	bytes(0x02, 0x17), // PINGRESP
	bytes(0x02, 0x18), // DISCONNECT
	bytes(0x04, 0x18, 0x00, 0x0a), // DISCONNECT with a sleep duration
	bytes(0x01, 0x00, 0x0a, 0x0c, 0x00, 0x00, 0x01, 0x00, 0x00, ascii("x")), // PUBLISH, three-byte length
];

const MQTT_MAX = 1024;
const MQTTSN_MAX = 256;

export const FUZZ_TARGETS: readonly FuzzTarget[] = [
	{
		name: "MQTT",
		maxPacketSize: MQTT_MAX,
		seeds: MQTT_SEEDS,
		// As the session does: a PacketReader fed the stream in whatever chunks TCP delivers.
		decode(input, random) {
			const reader = new PacketReader(MQTT_MAX);
			const packets: unknown[] = [];
			let offset = 0;
			while (offset < input.length) {
				const take = 1 + Math.floor(random() * (input.length - offset));
				reader.push(input.subarray(offset, offset + take), (packet) => packets.push(packet));
				offset += take;
			}
			return packets;
		},
	},
	{
		name: "MQTT-SN",
		maxPacketSize: MQTTSN_MAX,
		seeds: MQTTSN_SEEDS,
		decode: (input) => decodeMqttSn(input, MQTTSN_MAX),
	},
];
