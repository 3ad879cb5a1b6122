/**
 * What the fuzzer feeds: one row per decoder, with valid seed inputs (written by hand
 * from the specs, so they do not depend on our encoders) and the decoder's declared
 * maximum packet size. A new decoder (CoAP, link-format, DHT22 pulse trains) is one more
 * row: seeds, a maximum, and a `decode` that runs the decoder the way the firmware does.
 */
import { PacketReader } from "../../src/mqtt/codec";
import { feedPackets } from "../../testkit/portable/mqtt-client-packets";
import { decode as decodeMqttSn } from "../../src/mqttsn/encode";
import { decode as decodeCoap } from "../../src/coap/message";
import { readUtf8 } from "../../src/common/utf8";
import { decodeDht22 } from "../../src/drivers/dht22/sensor";
import { parseLinkFormat } from "../../testkit/portable/coap-host-client";
import { ContentType, decodeRecords } from "../../src/dtls/record";
import * as hm from "../../src/dtls/handshake-messages";

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

/** CoAP (RFC 7252 appendix A and 3.1): requests and responses, options with 13/14 extensions. */
const COAP_SEEDS = [
	bytes(0x40, 0x01, 0x7d, 0x34, 0xb4, ascii("temp")), // CON GET /temp
	bytes(0x60, 0x45, 0x7d, 0x34, 0xff, ascii("22.3 C")), // ACK 2.05 piggybacked
	bytes(0x44, 0x02, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 0xb7, ascii("sensors"), 0x06, ascii("office"), 0x05, ascii("dht22"), 0x11, 0x32, 0xff, ascii('{"t":21.5}')), // CON POST, token, 3 Uri-Path, Content-Format
	bytes(0x50, 0x01, 0x00, 0x01, 0x60, 0xd1, 0x0a, 0x06), // NON GET, Observe 0, Block2 (13-form delta)
	bytes(0x40, 0x03, 0x00, 0x02, 0xbd, 0x02, new Array<number>(15).fill(0x61)), // CON PUT, 13-form length
	bytes(0x60, 0x00, 0x00, 0x03), // empty ACK
	bytes(0x70, 0x00, 0x00, 0x04), // RST
];

/** RFC 6690 link-format, as /.well-known/core answers. */
const LINK_FORMAT_SEEDS = [
	bytes(ascii('</lamp>;rt="lamp";if="core.a";ct=0,</sensors/dht22>;rt="dht22";obs;ct=50')),
	bytes(ascii('</sensors>;ct=40;title="Sensor Index",</sensors/temp>;rt="temperature-c";if="sensor",<http://www.example.com/sensors/t123>;anchor="/sensors/temp";rel="describedby"')),
	bytes(ascii("</t>;rt=\"a b\";sz=1200")),
];

/** DHT22 captures: byte 0 is the line's first level, then one duration (us) per byte. */
function dht22Capture(humidityTenths: number, temperatureTenths: number): Uint8Array {
	const data = [humidityTenths >> 8, humidityTenths & 0xff, temperatureTenths >> 8, temperatureTenths & 0xff];
	const frame = [...data, data.reduce((a, b) => a + b, 0) & 0xff];
	const durations = [20, 80, 80]; // host release, sensor response low and high (datasheet)
	for (const byte of frame) for (let bit = 7; bit >= 0; bit--) durations.push(50, (byte >> bit) & 1 ? 70 : 26);
	durations.push(50);
	return bytes(1, durations);
}
const DHT22_SEEDS = [dht22Capture(450, 215), dht22Capture(999, 0x8000 | 101), dht22Capture(0, 0)];

/** DTLS 1.2 records as libcoap's peers sent them (captured on 127.0.0.1), and our ClientHello. */
const hex = (text: string) => new Uint8Array(text.length / 2).map((_, i) => parseInt(text.slice(2 * i, 2 * i + 2), 16));
const DTLS_SEEDS = [
	hex("16fefd0000000000000000003d010000310000000000000031fefd8596d7dceb3fdcfbc885c001b8c29eee4a0575d6f7b333e738741f68e71c8bb500000002c0a801000005ff01000100"), // ClientHello
	hex("16feff0000000000000000001f030000130000000000000013feff1021ea55702b303e6026c32451b829efa0"), // HelloVerifyRequest (GnuTLS)
	hex("16fefd000000000000000200120c00000600020000000000060004436f4150"), // ServerKeyExchange, hint "CoAP"
	hex("16fefd0000000000000003000c0e0000000003000000000000"), // ServerHelloDone
	hex("16fefd0000000000000002001210000006000200000000000600046c616d70"), // ClientKeyExchange, identity "lamp"
	hex("14fefd0000000000000004000101"), // ChangeCipherSpec
	hex("15fefd00000000000000050002022815fefd000000000000000600020100"), // two alerts in one datagram: handshake_failure, close_notify
];

/** Every handshake fragment of a datagram through the decoder of its message type, as the layer reads them. */
function decodeDtls(input: Uint8Array): unknown {
	const messages: unknown[] = [];
	for (const record of decodeRecords(input)) {
		if (record.type !== ContentType.HANDSHAKE) continue;
		for (const fragment of hm.decodeFragments(record.fragment)) {
			const body = fragment.body;
			if (fragment.type === hm.HandshakeType.CLIENT_HELLO) messages.push(hm.decodeClientHello(body));
			else if (fragment.type === hm.HandshakeType.SERVER_HELLO) messages.push(hm.decodeServerHello(body));
			else if (fragment.type === hm.HandshakeType.HELLO_VERIFY_REQUEST) messages.push(hm.decodeHelloVerifyRequest(body));
			else if (fragment.type === hm.HandshakeType.SERVER_KEY_EXCHANGE || fragment.type === hm.HandshakeType.CLIENT_KEY_EXCHANGE) messages.push(hm.decodeIdentity(body, "key exchange"));
			else messages.push(fragment);
		}
	}
	return messages;
}

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
				feedPackets(reader, input.subarray(offset, offset + take), (packet) => packets.push(packet));
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
	{
		name: "CoAP",
		maxPacketSize: 1280,
		seeds: COAP_SEEDS,
		decode: (input) => decodeCoap(input),
	},
	{
		name: "link-format",
		maxPacketSize: 1024,
		seeds: LINK_FORMAT_SEEDS,
		decode: (input) => parseLinkFormat(readUtf8(input)),
	},
	{
		name: "DTLS",
		maxPacketSize: 1500,
		seeds: DTLS_SEEDS,
		decode: decodeDtls,
	},
	{
		name: "DHT22",
		maxPacketSize: 256,
		seeds: DHT22_SEEDS,
		decode: (input) => (input.length === 0 ? undefined : decodeDht22({ firstLevel: input[0] & 1 ? 1 : 0, durations: input.subarray(1) })),
	},
];
