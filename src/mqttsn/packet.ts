/**
 * MQTT-SN 1.2 messages (MQTT For Sensor Networks Protocol Specification, version 1.2,
 * section 5) as plain objects. The codec turns these into datagrams and back; the
 * session never sees bytes. Field names follow the specification's tables.
 */

/** MsgType values, table 3 (0x03, 0x11, 0x19 and 0x1E-0xFD are reserved). */
export const ADVERTISE = 0x00;
export const SEARCHGW = 0x01;
export const GWINFO = 0x02;
export const CONNECT = 0x04;
export const CONNACK = 0x05;
export const WILLTOPICREQ = 0x06;
export const WILLTOPIC = 0x07;
export const WILLMSGREQ = 0x08;
export const WILLMSG = 0x09;
export const REGISTER = 0x0a;
export const REGACK = 0x0b;
export const PUBLISH = 0x0c;
export const PUBACK = 0x0d;
export const PUBCOMP = 0x0e;
export const PUBREC = 0x0f;
export const PUBREL = 0x10;
export const SUBSCRIBE = 0x12;
export const SUBACK = 0x13;
export const UNSUBSCRIBE = 0x14;
export const UNSUBACK = 0x15;
export const PINGREQ = 0x16;
export const PINGRESP = 0x17;
export const DISCONNECT = 0x18;
export const WILLTOPICUPD = 0x1a;
export const WILLTOPICRESP = 0x1b;
export const WILLMSGUPD = 0x1c;
export const WILLMSGRESP = 0x1d;

/** QoS in the flags (5.3.4): -1 is "publish without connection", to predefined or short topics only. */
export type QoS = -1 | 0 | 1 | 2;

/** TopicIdType in the flags (5.3.4); 0b11 is reserved. */
export const TOPIC_NORMAL = 0;
export const TOPIC_PREDEFINED = 1;
export const TOPIC_SHORT = 2;
export type TopicIdType = typeof TOPIC_NORMAL | typeof TOPIC_PREDEFINED | typeof TOPIC_SHORT;

/** ReturnCode values, table 5. */
export const ACCEPTED = 0x00;
export const REJECTED_CONGESTION = 0x01;
export const REJECTED_INVALID_TOPIC_ID = 0x02;
export const REJECTED_NOT_SUPPORTED = 0x03;

/** ProtocolId of CONNECT (5.3.8): the only value defined. */
export const PROTOCOL_ID = 0x01;

export interface AdvertiseMessage {
	readonly type: typeof ADVERTISE;
	readonly gwId: number;
	/** Seconds until the next ADVERTISE. */
	readonly duration: number;
}

export interface SearchGwMessage {
	readonly type: typeof SEARCHGW;
	readonly radius: number;
}

export interface GwInfoMessage {
	readonly type: typeof GWINFO;
	readonly gwId: number;
	/** Present only when a client answers for a gateway it knows (5.4.3). */
	readonly gwAdd?: Uint8Array;
}

export interface ConnectMessage {
	readonly type: typeof CONNECT;
	/** The client wants to be asked for its will topic and message. */
	readonly will: boolean;
	readonly cleanSession: boolean;
	/** Keep-alive, seconds. */
	readonly duration: number;
	readonly clientId: string;
}

/** CONNACK, WILLTOPICRESP and WILLMSGRESP carry a return code alone. */
export interface ReturnCodeMessage {
	readonly type: typeof CONNACK | typeof WILLTOPICRESP | typeof WILLMSGRESP;
	readonly returnCode: number;
}

/** WILLTOPICREQ, WILLMSGREQ and PINGRESP are a header alone. */
export interface EmptyMessage {
	readonly type: typeof WILLTOPICREQ | typeof WILLMSGREQ | typeof PINGRESP;
}

/**
 * WILLTOPIC and WILLTOPICUPD. An empty `willTopic` is the message without flags and
 * topic (5.4.7): "no will" in the connect exchange, "delete the will" as an update.
 */
export interface WillTopicMessage {
	readonly type: typeof WILLTOPIC | typeof WILLTOPICUPD;
	readonly qos: QoS;
	readonly retain: boolean;
	readonly willTopic: string;
}

export interface WillMsgMessage {
	readonly type: typeof WILLMSG | typeof WILLMSGUPD;
	readonly willMsg: Uint8Array;
}

export interface RegisterMessage {
	readonly type: typeof REGISTER;
	/** 0x0000 from a client: the gateway assigns the id. */
	readonly topicId: number;
	readonly msgId: number;
	readonly topicName: string;
}

/** REGACK and PUBACK have the same fields. */
export interface TopicAckMessage {
	readonly type: typeof REGACK | typeof PUBACK;
	readonly topicId: number;
	readonly msgId: number;
	readonly returnCode: number;
}

export interface PublishMessage {
	readonly type: typeof PUBLISH;
	readonly dup: boolean;
	readonly qos: QoS;
	readonly retain: boolean;
	readonly topicIdType: TopicIdType;
	/** A short topic name travels here as its two bytes (see shortTopicId). */
	readonly topicId: number;
	/** 0x0000 for QoS 0 and -1. */
	readonly msgId: number;
	readonly data: Uint8Array;
}

/** PUBREC, PUBREL, PUBCOMP and UNSUBACK carry a message id alone. */
export interface MsgIdMessage {
	readonly type: typeof PUBREC | typeof PUBREL | typeof PUBCOMP | typeof UNSUBACK;
	readonly msgId: number;
}

/** What SUBSCRIBE and UNSUBSCRIBE name: a topic name or filter, a predefined id, or a short name. */
export type TopicRef =
	| { readonly topicIdType: typeof TOPIC_NORMAL; readonly topicName: string }
	| { readonly topicIdType: typeof TOPIC_PREDEFINED | typeof TOPIC_SHORT; readonly topicId: number };

export interface SubscribeMessage {
	readonly type: typeof SUBSCRIBE;
	readonly dup: boolean;
	readonly qos: QoS;
	readonly msgId: number;
	readonly topic: TopicRef;
}

export interface SubackMessage {
	readonly type: typeof SUBACK;
	/** Granted QoS. */
	readonly qos: QoS;
	/** Assigned for a topic name without wildcards; 0x0000 otherwise. */
	readonly topicId: number;
	readonly msgId: number;
	readonly returnCode: number;
}

export interface UnsubscribeMessage {
	readonly type: typeof UNSUBSCRIBE;
	readonly msgId: number;
	readonly topic: TopicRef;
}

export interface PingreqMessage {
	readonly type: typeof PINGREQ;
	/** Present when a sleeping client wakes to collect its buffered messages (6.14). */
	readonly clientId?: string;
}

export interface DisconnectMessage {
	readonly type: typeof DISCONNECT;
	/** Sleep duration in seconds: present when a client goes to sleep (6.14). */
	readonly duration?: number;
}

export type Message =
	| AdvertiseMessage
	| SearchGwMessage
	| GwInfoMessage
	| ConnectMessage
	| ReturnCodeMessage
	| EmptyMessage
	| WillTopicMessage
	| WillMsgMessage
	| RegisterMessage
	| TopicAckMessage
	| PublishMessage
	| MsgIdMessage
	| SubscribeMessage
	| SubackMessage
	| UnsubscribeMessage
	| PingreqMessage
	| DisconnectMessage;

/**
 * The Flags octet (5.3.4), shared by the encoder and the decoder:
 *
 *   bit 7 DUP | bits 6-5 QoS | bit 4 Retain | bit 3 Will | bit 2 CleanSession | bits 1-0 TopicIdType
 *
 * QoS 0b11 is -1 ("publish without connection").
 */
export const DUP = 0x80;
export const RETAIN = 0x10;
export const WILL = 0x08;
export const CLEAN_SESSION = 0x04;

/** Sets DUP in an encoded PUBLISH or SUBSCRIBE: its Flags octet follows Length (1 or 3 octets) and MsgType. */
export function markDup(message: Uint8Array): void {
	message[message[0] === 0x01 ? 4 : 2] |= DUP;
}

/** The Flags octet of a PUBLISH. */
export function publishFlags(dup: boolean, qos: QoS, retain: boolean, topicIdType: TopicIdType): number {
	return (dup ? DUP : 0) | ((qos & 3) << 5) | (retain ? RETAIN : 0) | topicIdType;
}

/** Names of the return codes, for error messages. */
export function returnCodeName(code: number): string {
	switch (code) {
		case ACCEPTED:
			return "accepted";
		case REJECTED_CONGESTION:
			return "rejected: congestion";
		case REJECTED_INVALID_TOPIC_ID:
			return "rejected: invalid topic ID";
		case REJECTED_NOT_SUPPORTED:
			return "rejected: not supported";
		default:
			return "return code " + code;
	}
}

/** A short topic name ("ab") as the two-byte topic id that carries it (5.3.11). */
export function shortTopicId(name: string): number {
	return (name.charCodeAt(0) << 8) | name.charCodeAt(1);
}

export function shortTopicName(topicId: number): string {
	return String.fromCharCode(topicId >> 8, topicId & 0xff);
}

export { isShortTopicName } from "./short-topic";

/**
 * Each message's fields after MsgType, in wire order (5.4), for the codec, indexed by
 * MsgType (PUBLISH, the hot one, has code of its own; "-" is a reserved type). Each field
 * is name:kind, the kinds being b one octet, w two octets, s UTF-8 to the end (not
 * empty), d octets to the end, f<bits> the Flags octet (bits: 1 DUP, 2 QoS, 4 Retain,
 * 8 Will, 16 CleanSession, 32 TopicIdType of the topic that follows), t that topic (a
 * name, or a predefined id or short name in two octets), p ProtocolId; a trailing ? says
 * the field, and what follows, may be absent, the message ending there. Written as text
 * and turned into numbers once, at load (on the device, when the image is built): the
 * text takes less flash than the arrays it becomes.
 */
// Indexed by MsgType, from ADVERTISE (0x00) to WILLMSGRESP (0x1d), "|" between messages:
// one string literal costs less flash than an array of thirty.
const FIELDS = (
	"gwId:b duration:w|radius:b|gwId:b gwAdd:d?|-|:f24 :p duration:w clientId:s|returnCode:b||:f6? willTopic:s||willMsg:d|" +
	"topicId:w msgId:w topicName:s|topicId:w msgId:w returnCode:b|-|topicId:w msgId:w returnCode:b|msgId:w|msgId:w|msgId:w|-|" +
	":f35 msgId:w topic:t|:f2 topicId:w msgId:w returnCode:b|:f32 msgId:w topic:t|msgId:w|clientId:s?||duration:w?|-|" +
	":f6? willTopic:s|returnCode:b|willMsg:d|returnCode:b"
).split("|");

/**
 * The same table as the codec walks it: pairs of field name and kind number, kind 0-6
 * in the order of the letters "bwsdftp", | 8 when optional, a Flags octet's bits << 4.
 */
export const SHAPES: readonly (readonly (string | number)[] | undefined)[] = FIELDS.map((text) => {
	if (text === "-") return undefined;
	const shape: (string | number)[] = [];
	const fields = text === "" ? [] : text.split(" ");
	for (let i = 0; i < fields.length; i++) {
		const field = fields[i];
		const colon = field.indexOf(":");
		let kind = "bwsdftp".indexOf(field.charAt(colon + 1));
		let end = field.length;
		if (field.charAt(end - 1) === "?") {
			kind |= 8;
			end--;
		}
		if (end > colon + 2) kind |= Number(field.slice(colon + 2, end)) << 4;
		shape.push(field.slice(0, colon), kind);
	}
	return shape;
});
