/** Our CoapMessage to and from coap-packet's packet objects (test and bench only). */
import coapPacket from "coap-packet";
import * as coap from "../../src/coap/message";
import type { CoapMessage } from "../../src/coap/message";

export function toOracle(message: CoapMessage): coapPacket.Packet {
	return {
		messageId: message.messageId,
		token: Buffer.from(message.token),
		code: coap.codeName(message.code),
		confirmable: message.type === coap.Type.CON,
		reset: message.type === coap.Type.RST,
		ack: message.type === coap.Type.ACK,
		options: message.options.map((o) => ({ name: String(o.number) as coapPacket.OptionName, value: Buffer.from(o.value) })),
		payload: Buffer.from(message.payload),
	};
}

/** The fields both sides keep, in a form `toEqual` compares. */
export function comparable(packet: coapPacket.ParsedPacket | coapPacket.Packet): unknown {
	return {
		messageId: packet.messageId,
		token: Buffer.from(packet.token ?? []).toString("hex"),
		code: packet.code,
		type: packet.ack ? coap.Type.ACK : packet.reset ? coap.Type.RST : packet.confirmable ? coap.Type.CON : coap.Type.NON,
		options: (packet.options ?? []).map((o) => `${numberOf(String(o.name))}:${Buffer.from(o.value).toString("hex")}`),
		payload: Buffer.from(packet.payload ?? []).toString("hex"),
	};
}

/** coap-packet's option names (it parses known numbers into these). */
const NAMES: Record<string, number> = {
	"If-Match": 1,
	"Uri-Host": 3,
	ETag: 4,
	"If-None-Match": 5,
	Observe: 6,
	"Uri-Port": 7,
	"Location-Path": 8,
	OSCORE: 9,
	"Uri-Path": 11,
	"Content-Format": 12,
	"Max-Age": 14,
	"Uri-Query": 15,
	"Hop-Limit": 16,
	Accept: 17,
	"Q-Block1": 19,
	"Location-Query": 20,
	Block2: 23,
	Block1: 27,
	Size2: 28,
	"Q-Block2": 31,
	"Proxy-Uri": 35,
	"Proxy-Scheme": 39,
	Size1: 60,
	"No-Response": 258,
	"OCF-Accept-Content-Format-Version": 2049,
	"OCF-Content-Format-Version": 2053,
};

function numberOf(name: string): number {
	return NAMES[name] ?? Number(name);
}
