/**
 * MQTT-SN 1.2 messages (MQTT For Sensor Networks Protocol Specification, version 1.2,
 * section 5) as plain objects. The codec turns these into datagrams and back; the
 * session never sees bytes. Field names follow the specification's tables.
 */

/**
 * The protocol's numbers are `const enum`s: the firmware's compiler (tsc, one module at a
 * time, not isolated) writes each use as its number, so a name costs the device nothing,
 * where an imported constant costs an import, a symbol and a read at every use. Tests and
 * host tools, compiled module by module, see them as ordinary objects.
 */

/** MsgType values, table 3 (0x03, 0x11, 0x19 and 0x1E-0xFD are reserved). */
export const enum MsgType {
	ADVERTISE = 0x00,
	SEARCHGW = 0x01,
	GWINFO = 0x02,
	CONNECT = 0x04,
	CONNACK = 0x05,
	WILLTOPICREQ = 0x06,
	WILLTOPIC = 0x07,
	WILLMSGREQ = 0x08,
	WILLMSG = 0x09,
	REGISTER = 0x0a,
	REGACK = 0x0b,
	PUBLISH = 0x0c,
	PUBACK = 0x0d,
	PUBCOMP = 0x0e,
	PUBREC = 0x0f,
	PUBREL = 0x10,
	SUBSCRIBE = 0x12,
	SUBACK = 0x13,
	UNSUBSCRIBE = 0x14,
	UNSUBACK = 0x15,
	PINGREQ = 0x16,
	PINGRESP = 0x17,
	DISCONNECT = 0x18,
	WILLTOPICUPD = 0x1a,
	WILLTOPICRESP = 0x1b,
	WILLMSGUPD = 0x1c,
	WILLMSGRESP = 0x1d,
}

/** QoS in the flags (5.3.4): -1 is "publish without connection", to predefined or short topics only. */
export type QoS = -1 | 0 | 1 | 2;

/** TopicIdType in the flags (5.3.4): a normal topic id, a pre-defined topic id, a short topic name; 0b11 is reserved. */
export const enum TopicIdType {
	NORMAL = 0,
	PREDEFINED = 1,
	SHORT = 2,
}

/** ReturnCode values, table 5. */
export const enum ReturnCode {
	ACCEPTED = 0x00,
	REJECTED_CONGESTION = 0x01,
	REJECTED_INVALID_TOPIC_ID = 0x02,
	REJECTED_NOT_SUPPORTED = 0x03,
}

/**
 * The Flags octet (5.3.4), shared by the encoder and the decoder:
 *
 *   bit 7 DUP | bits 6-5 QoS | bit 4 Retain | bit 3 Will | bit 2 CleanSession | bits 1-0 TopicIdType
 *
 * QoS 0b11 is -1 ("publish without connection").
 */
export const enum Flags {
	DUP = 0x80,
	RETAIN = 0x10,
	WILL = 0x08,
	CLEAN_SESSION = 0x04,
}

/** ProtocolId of CONNECT (5.3.8): the only value defined. */
export const enum ProtocolId {
	MQTT_SN_1_2 = 0x01,
}

export interface AdvertiseMessage {
	readonly type: MsgType.ADVERTISE;
	readonly gwId: number;
	/** Seconds until the next ADVERTISE. */
	readonly duration: number;
}

export interface SearchGwMessage {
	readonly type: MsgType.SEARCHGW;
	readonly radius: number;
}

export interface GwInfoMessage {
	readonly type: MsgType.GWINFO;
	readonly gwId: number;
	/** Present only when a client answers for a gateway it knows (5.4.3). */
	readonly gwAdd?: Uint8Array;
}

export interface ConnectMessage {
	readonly type: MsgType.CONNECT;
	/** The client wants to be asked for its will topic and message. */
	readonly will: boolean;
	readonly cleanSession: boolean;
	/** Keep-alive, seconds. */
	readonly duration: number;
	readonly clientId: string;
}

/** CONNACK, WILLTOPICRESP and WILLMSGRESP carry a return code alone. */
export interface ReturnCodeMessage {
	readonly type: MsgType.CONNACK | MsgType.WILLTOPICRESP | MsgType.WILLMSGRESP;
	readonly returnCode: number;
}

/** WILLTOPICREQ, WILLMSGREQ and PINGRESP are a header alone. */
export interface EmptyMessage {
	readonly type: MsgType.WILLTOPICREQ | MsgType.WILLMSGREQ | MsgType.PINGRESP;
}

/**
 * WILLTOPIC and WILLTOPICUPD. An empty `willTopic` is the message without flags and
 * topic (5.4.7): "no will" in the connect exchange, "delete the will" as an update.
 */
export interface WillTopicMessage {
	readonly type: MsgType.WILLTOPIC | MsgType.WILLTOPICUPD;
	readonly qos: QoS;
	readonly retain: boolean;
	readonly willTopic: string;
}

export interface WillMsgMessage {
	readonly type: MsgType.WILLMSG | MsgType.WILLMSGUPD;
	readonly willMsg: Uint8Array;
}

export interface RegisterMessage {
	readonly type: MsgType.REGISTER;
	/** 0x0000 from a client: the gateway assigns the id. */
	readonly topicId: number;
	readonly msgId: number;
	readonly topicName: string;
}

/** REGACK and PUBACK have the same fields. */
export interface TopicAckMessage {
	readonly type: MsgType.REGACK | MsgType.PUBACK;
	readonly topicId: number;
	readonly msgId: number;
	readonly returnCode: number;
}

export interface PublishMessage {
	readonly type: MsgType.PUBLISH;
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
	readonly type: MsgType.PUBREC | MsgType.PUBREL | MsgType.PUBCOMP | MsgType.UNSUBACK;
	readonly msgId: number;
}

/** What SUBSCRIBE and UNSUBSCRIBE name: a topic name or filter, a predefined id, or a short name. */
export type TopicRef =
	| { readonly topicIdType: TopicIdType.NORMAL; readonly topicName: string }
	| { readonly topicIdType: TopicIdType.PREDEFINED | TopicIdType.SHORT; readonly topicId: number };

export interface SubscribeMessage {
	readonly type: MsgType.SUBSCRIBE;
	readonly dup: boolean;
	readonly qos: QoS;
	readonly msgId: number;
	readonly topic: TopicRef;
}

export interface SubackMessage {
	readonly type: MsgType.SUBACK;
	/** Granted QoS. */
	readonly qos: QoS;
	/** Assigned for a topic name without wildcards; 0x0000 otherwise. */
	readonly topicId: number;
	readonly msgId: number;
	readonly returnCode: number;
}

export interface UnsubscribeMessage {
	readonly type: MsgType.UNSUBSCRIBE;
	readonly msgId: number;
	readonly topic: TopicRef;
}

export interface PingreqMessage {
	readonly type: MsgType.PINGREQ;
	/** Present when a sleeping client wakes to collect its buffered messages (6.14). */
	readonly clientId?: string;
}

export interface DisconnectMessage {
	readonly type: MsgType.DISCONNECT;
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
