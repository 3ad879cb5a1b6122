/**
 * Translation between our MQTT 5 packet objects and mqtt-packet's v5 mode (the codec of
 * MQTT.js and aedes), the test oracle. Its property names are ours, except that its
 * one-byte flags are booleans, its user properties an object of name -> value(s), and a
 * lone Subscription Identifier a number.
 */
import mqttPacket from "mqtt-packet";
import type { Packet as OraclePacket } from "mqtt-packet";
import { type QoS } from "../../src/mqtt/packet";
import { CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT } from "../../testkit/portable/mqtt-types";
import { AUTH, type Packet5 } from "../../src/mqtt/v5/packet";
import type { Properties, UserProperty } from "../../src/mqtt/v5/properties";

const FLAGS = ["payloadFormatIndicator", "requestProblemInformation", "requestResponseInformation", "retainAvailable", "wildcardSubscriptionAvailable", "subscriptionIdentifiersAvailable", "sharedSubscriptionAvailable"];
const NAMES: Record<number, string> = { [PUBACK]: "puback", [PUBREC]: "pubrec", [PUBREL]: "pubrel", [PUBCOMP]: "pubcomp", [PINGREQ]: "pingreq", [PINGRESP]: "pingresp", [DISCONNECT]: "disconnect", [AUTH]: "auth", [SUBACK]: "suback", [UNSUBACK]: "unsuback" };

type Loose = Record<string, unknown>;

function propertiesTo(p: Properties): Loose | undefined {
	const out: Loose = {};
	for (const [name, value] of Object.entries(p)) {
		if (value === undefined) continue;
		if (FLAGS.includes(name)) out[name] = value === 1;
		else if (name === "userProperties") {
			const object: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
			for (const [key, text] of value as UserProperty[]) {
				const seen = object[key];
				object[key] = seen === undefined ? text : Array.isArray(seen) ? [...seen, text] : [seen, text];
			}
			out[name] = object;
		} else if (name === "subscriptionIdentifier") out[name] = (value as number[]).length === 1 ? (value as number[])[0] : value;
		else if (value instanceof Uint8Array) out[name] = Buffer.from(value);
		else out[name] = value;
	}
	return Object.keys(out).length ? out : undefined;
}

function propertiesFrom(p: unknown): Properties {
	const out: Record<string, unknown> = {};
	for (const [name, value] of Object.entries((p ?? {}) as Loose)) {
		if (FLAGS.includes(name)) out[name] = value ? 1 : 0;
		else if (name === "userProperties") {
			const pairs: UserProperty[] = [];
			for (const [key, v] of Object.entries(value as Loose)) for (const text of Array.isArray(v) ? v : [v]) pairs.push([key, text as string]);
			out[name] = pairs;
		} else if (name === "subscriptionIdentifier") out[name] = Array.isArray(value) ? value : [value];
		else if (Buffer.isBuffer(value)) out[name] = new Uint8Array(value);
		else out[name] = value;
	}
	return out as Properties;
}

export function toOracle5(packet: Packet5): OraclePacket {
	const bytes = (b: Uint8Array | undefined) => b && Buffer.from(b);
	switch (packet.type) {
		case CONNECT:
			return {
				cmd: "connect",
				protocolId: "MQTT",
				protocolVersion: 5,
				clean: packet.cleanStart,
				clientId: packet.clientId,
				keepalive: packet.keepAlive,
				properties: propertiesTo(packet.properties),
				will: packet.will && { topic: packet.will.topic, payload: Buffer.from(packet.will.payload), qos: packet.will.qos, retain: packet.will.retain, properties: propertiesTo(packet.will.properties) },
				username: packet.username,
				password: bytes(packet.password),
			} as OraclePacket;
		case CONNACK:
			return { cmd: "connack", sessionPresent: packet.sessionPresent, reasonCode: packet.reasonCode, properties: propertiesTo(packet.properties) } as OraclePacket;
		case PUBLISH:
			return { cmd: "publish", topic: packet.topic, payload: Buffer.from(packet.payload), qos: packet.qos, retain: packet.retain, dup: packet.dup, messageId: packet.packetId, properties: propertiesTo(packet.properties) } as OraclePacket;
		case SUBSCRIBE:
			return { cmd: "subscribe", messageId: packet.packetId, properties: propertiesTo(packet.properties), subscriptions: packet.subscriptions.map((s) => ({ topic: s.topic, qos: s.qos, nl: s.noLocal, rap: s.retainAsPublished, rh: s.retainHandling })) } as OraclePacket;
		case SUBACK:
		case UNSUBACK:
			return { cmd: NAMES[packet.type], messageId: packet.packetId, properties: propertiesTo(packet.properties), granted: [...packet.reasonCodes] } as OraclePacket;
		case UNSUBSCRIBE:
			return { cmd: "unsubscribe", messageId: packet.packetId, properties: propertiesTo(packet.properties), unsubscriptions: [...packet.topics] } as OraclePacket;
		case PINGREQ:
		case PINGRESP:
			return { cmd: NAMES[packet.type] } as OraclePacket;
		case DISCONNECT:
		case AUTH:
			return { cmd: NAMES[packet.type], reasonCode: packet.reasonCode, properties: propertiesTo(packet.properties) } as OraclePacket;
		default:
			return { cmd: NAMES[packet.type], messageId: packet.packetId, reasonCode: packet.reasonCode, properties: propertiesTo(packet.properties) } as OraclePacket;
	}
}

export function fromOracle5(p: OraclePacket): Packet5 {
	const q = p as unknown as Loose;
	const bytes = (value: unknown) => new Uint8Array(value as Buffer);
	const properties = propertiesFrom(q.properties);
	const reasonCode = (q.reasonCode as number | undefined) ?? 0;
	const cmd = p.cmd as string;
	switch (cmd) {
		case "connect": {
			const will = q.will as { topic: string; payload: Buffer; qos: QoS; retain: boolean; properties?: unknown } | undefined;
			return {
				type: CONNECT,
				clientId: q.clientId as string,
				cleanStart: q.clean as boolean,
				keepAlive: q.keepalive as number,
				properties,
				will: will && { topic: will.topic, payload: bytes(will.payload), qos: will.qos, retain: will.retain, properties: propertiesFrom(will.properties) },
				username: q.username as string | undefined,
				password: q.password === undefined ? undefined : bytes(q.password),
			};
		}
		case "connack":
			return { type: CONNACK, sessionPresent: q.sessionPresent as boolean, reasonCode, properties };
		case "publish":
			return { type: PUBLISH, topic: q.topic as string, payload: bytes(q.payload), qos: q.qos as QoS, retain: q.retain as boolean, dup: q.dup as boolean, packetId: (q.qos as number) > 0 ? (q.messageId as number) : undefined, properties };
		case "subscribe":
			return { type: SUBSCRIBE, packetId: q.messageId as number, properties, subscriptions: (q.subscriptions as { topic: string; qos: QoS; nl: boolean; rap: boolean; rh: 0 | 1 | 2 }[]).map((s) => ({ topic: s.topic, qos: s.qos, noLocal: s.nl, retainAsPublished: s.rap, retainHandling: s.rh })) };
		case "suback":
		case "unsuback":
			return { type: cmd === "suback" ? SUBACK : UNSUBACK, packetId: q.messageId as number, properties, reasonCodes: q.granted as number[] };
		case "unsubscribe":
			return { type: UNSUBSCRIBE, packetId: q.messageId as number, properties, topics: q.unsubscriptions as string[] };
		case "puback":
		case "pubrec":
		case "pubrel":
		case "pubcomp":
			return { type: ({ puback: PUBACK, pubrec: PUBREC, pubrel: PUBREL, pubcomp: PUBCOMP } as const)[cmd as "puback"], packetId: q.messageId as number, reasonCode, properties };
		case "pingreq":
			return { type: PINGREQ };
		case "pingresp":
			return { type: PINGRESP };
		case "disconnect":
			return { type: DISCONNECT, reasonCode, properties };
		case "auth":
			return { type: AUTH, reasonCode, properties };
		default:
			throw new Error(`unexpected packet ${cmd}`);
	}
}

export function oracleGenerate5(packet: Packet5): Uint8Array {
	return new Uint8Array(mqttPacket.generate(toOracle5(packet), { protocolVersion: 5 }));
}

export function oracleParse5(bytes: Uint8Array): OraclePacket[] {
	const parser = mqttPacket.parser({ protocolVersion: 5 });
	const packets: OraclePacket[] = [];
	const errors: Error[] = [];
	parser.on("packet", (packet) => packets.push(packet));
	parser.on("error", (error) => errors.push(error));
	parser.parse(Buffer.from(bytes));
	if (errors.length > 0) throw errors[0];
	return packets;
}
