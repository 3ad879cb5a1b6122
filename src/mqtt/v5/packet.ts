/**
 * MQTT 5.0 control packets (OASIS MQTT 5.0, section 3) as plain objects: the 3.1.1
 * packets plus reason codes and properties, subscription options, and AUTH. Only the
 * session running protocol version 5 makes or reads these.
 */
import type { PacketType, PublishPacket, QoS, Will } from "../packet";
import type { Properties } from "./properties";

/** The packet type MQTT 3.1.1 reserved (15) is AUTH in 5.0 (3.15). */
export const AUTH = 15;

export interface Will5 extends Will {
	/** Will Delay Interval, Message Expiry, Content Type, Response Topic... (3.1.3.2). */
	readonly properties: Properties;
}

export interface Connect5 {
	readonly type: PacketType.CONNECT;
	readonly clientId: string;
	/** Clean Start (3.1.2.4): unlike 3.1.1's clean session it says nothing about the session's end, Session Expiry does. */
	readonly cleanStart: boolean;
	readonly keepAlive: number;
	readonly properties: Properties;
	readonly will?: Will5;
	readonly username?: string;
	readonly password?: Uint8Array;
}

export interface Connack5 {
	readonly type: PacketType.CONNACK;
	readonly sessionPresent: boolean;
	readonly reasonCode: number;
	readonly properties: Properties;
}

export interface Publish5 extends PublishPacket {
	readonly properties: Properties;
}

/** PUBACK, PUBREC, PUBREL, PUBCOMP (3.4-3.7): a packet identifier, a reason code (0 when omitted) and properties. */
export interface Ack5 {
	readonly type: PacketType.PUBACK | PacketType.PUBREC | PacketType.PUBREL | PacketType.PUBCOMP;
	readonly packetId: number;
	readonly reasonCode: number;
	readonly properties: Properties;
}

/** A topic filter and its Subscription Options byte (3.8.3.1). */
export interface Subscription5 {
	readonly topic: string;
	readonly qos: QoS;
	readonly noLocal: boolean;
	readonly retainAsPublished: boolean;
	/** 0 send retained messages on subscribe, 1 only for a new subscription, 2 never. */
	readonly retainHandling: 0 | 1 | 2;
}

export interface Subscribe5 {
	readonly type: PacketType.SUBSCRIBE;
	readonly packetId: number;
	readonly properties: Properties;
	readonly subscriptions: readonly Subscription5[];
}

/** SUBACK and UNSUBACK: one reason code per filter (3.9.3, 3.11.3). */
export interface Suback5 {
	readonly type: PacketType.SUBACK | PacketType.UNSUBACK;
	readonly packetId: number;
	readonly properties: Properties;
	readonly reasonCodes: readonly number[];
}

export interface Unsubscribe5 {
	readonly type: PacketType.UNSUBSCRIBE;
	readonly packetId: number;
	readonly properties: Properties;
	readonly topics: readonly string[];
}

export interface Ping5 {
	readonly type: PacketType.PINGREQ | PacketType.PINGRESP;
}

/** DISCONNECT (3.14) from either side, and AUTH (3.15): a reason code and properties. */
export interface Disconnect5 {
	readonly type: PacketType.DISCONNECT | typeof AUTH;
	readonly reasonCode: number;
	readonly properties: Properties;
}

export type Packet5 = Connect5 | Connack5 | Publish5 | Ack5 | Subscribe5 | Suback5 | Unsubscribe5 | Ping5 | Disconnect5;
