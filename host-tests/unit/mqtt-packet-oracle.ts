/**
 * Translation between our packet objects and mqtt-packet's, the reference MQTT codec
 * of the Node ecosystem (used by MQTT.js and aedes), which serves as the test oracle.
 */
import mqttPacket from "mqtt-packet";
import type { Packet as OraclePacket } from "mqtt-packet";
import { type Packet, type QoS } from "../../src/mqtt/packet";
import { CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT } from "../../testkit/portable/mqtt-types";

const ACK_NAMES = { [PUBACK]: "puback", [PUBREC]: "pubrec", [PUBREL]: "pubrel", [PUBCOMP]: "pubcomp", [UNSUBACK]: "unsuback" } as const;
const EMPTY_NAMES = { [PINGREQ]: "pingreq", [PINGRESP]: "pingresp", [DISCONNECT]: "disconnect" } as const;

export function toOracle(packet: Packet): OraclePacket {
	switch (packet.type) {
		case CONNECT:
			return {
				cmd: "connect",
				protocolId: "MQTT",
				protocolVersion: 4,
				clean: packet.cleanSession,
				clientId: packet.clientId,
				keepalive: packet.keepAlive,
				will: packet.will && { topic: packet.will.topic, payload: Buffer.from(packet.will.payload), qos: packet.will.qos, retain: packet.will.retain },
				username: packet.username,
				password: packet.password && Buffer.from(packet.password),
			};
		case CONNACK:
			return { cmd: "connack", sessionPresent: packet.sessionPresent, returnCode: packet.returnCode };
		case PUBLISH:
			return { cmd: "publish", topic: packet.topic, payload: Buffer.from(packet.payload), qos: packet.qos, retain: packet.retain, dup: packet.dup, messageId: packet.packetId };
		case SUBSCRIBE:
			return { cmd: "subscribe", messageId: packet.packetId, subscriptions: packet.subscriptions.map((s) => ({ topic: s.topic, qos: s.qos })) };
		case SUBACK:
			return { cmd: "suback", messageId: packet.packetId, granted: [...packet.returnCodes] };
		case UNSUBSCRIBE:
			return { cmd: "unsubscribe", messageId: packet.packetId, unsubscriptions: [...packet.topics] };
		case PINGREQ:
		case PINGRESP:
		case DISCONNECT:
			return { cmd: EMPTY_NAMES[packet.type] } as OraclePacket;
		default:
			return { cmd: ACK_NAMES[packet.type], messageId: packet.packetId } as OraclePacket;
	}
}

/** Our packet equivalent to what mqtt-packet parsed (only the fields MQTT 3.1.1 defines). */
// eslint-disable-next-line complexity
export function fromOracle(p: OraclePacket): Packet {
	const q = p as unknown as Record<string, unknown>;
	const bytes = (value: unknown) => new Uint8Array(value as Buffer);
	switch (p.cmd) {
		case "connect": {
			const will = q.will as { topic: string; payload: Buffer; qos: QoS; retain: boolean } | undefined;
			return {
				type: CONNECT,
				clientId: q.clientId as string,
				cleanSession: q.clean as boolean,
				keepAlive: q.keepalive as number,
				will: will && { topic: will.topic, payload: bytes(will.payload), qos: will.qos, retain: will.retain },
				username: q.username as string | undefined,
				password: q.password === undefined ? undefined : bytes(q.password),
			};
		}
		case "connack":
			return { type: CONNACK, sessionPresent: q.sessionPresent as boolean, returnCode: q.returnCode as number };
		case "publish":
			return { type: PUBLISH, topic: q.topic as string, payload: bytes(q.payload), qos: q.qos as QoS, retain: q.retain as boolean, dup: q.dup as boolean, packetId: (q.qos as number) > 0 ? (q.messageId as number) : undefined };
		case "subscribe":
			return { type: SUBSCRIBE, packetId: q.messageId as number, subscriptions: (q.subscriptions as { topic: string; qos: QoS }[]).map((s) => ({ topic: s.topic, qos: s.qos })) };
		case "suback":
			return { type: SUBACK, packetId: q.messageId as number, returnCodes: q.granted as number[] };
		case "unsubscribe":
			return { type: UNSUBSCRIBE, packetId: q.messageId as number, topics: q.unsubscriptions as string[] };
		case "puback":
			return { type: PUBACK, packetId: q.messageId as number };
		case "pubrec":
			return { type: PUBREC, packetId: q.messageId as number };
		case "pubrel":
			return { type: PUBREL, packetId: q.messageId as number };
		case "pubcomp":
			return { type: PUBCOMP, packetId: q.messageId as number };
		case "unsuback":
			return { type: UNSUBACK, packetId: q.messageId as number };
		case "pingreq":
			return { type: PINGREQ };
		case "pingresp":
			return { type: PINGRESP };
		case "disconnect":
			return { type: DISCONNECT };
		default:
			throw new Error(`unexpected packet ${p.cmd}`);
	}
}

export function oracleGenerate(packet: Packet): Uint8Array {
	return new Uint8Array(mqttPacket.generate(toOracle(packet), { protocolVersion: 4 }));
}

export function oracleParse(bytes: Uint8Array): OraclePacket[] {
	const parser = mqttPacket.parser({ protocolVersion: 4 });
	const packets: OraclePacket[] = [];
	const errors: Error[] = [];
	parser.on("packet", (packet) => packets.push(packet));
	parser.on("error", (error) => errors.push(error));
	parser.parse(Buffer.from(bytes));
	if (errors.length > 0) throw errors[0];
	return packets;
}
