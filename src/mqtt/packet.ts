/**
 * MQTT 3.1.1 control packets (OASIS standard, section 3) as plain objects. The codec
 * turns these into bytes and back; the session never sees bytes.
 */
/**
 * Control packet types, MQTT 3.1.1 table 2.1, as a `const enum`: the firmware's compiler
 * (tsc, not isolated) writes each use as its number, so a name costs the device nothing,
 * where an imported constant costs an import, a symbol and a read at every use. Tests and
 * host tools, compiled module by module, see an ordinary object (testkit/portable/mqtt-types.ts
 * gives them the bare names).
 */
export const enum PacketType {
	CONNECT = 1,
	CONNACK = 2,
	PUBLISH = 3,
	PUBACK = 4,
	PUBREC = 5,
	PUBREL = 6,
	PUBCOMP = 7,
	SUBSCRIBE = 8,
	SUBACK = 9,
	UNSUBSCRIBE = 10,
	UNSUBACK = 11,
	PINGREQ = 12,
	PINGRESP = 13,
	DISCONNECT = 14,
}

/** Limits of the format. */
export const enum Wire {
	/** SUBACK return code for a refused subscription (3.9.3). */
	SUBACK_FAILURE = 0x80,
	/** Largest Remaining Length the four-byte variable integer can say (2.2.3). */
	MAX_REMAINING_LENGTH = 268_435_455,
}

export type QoS = 0 | 1 | 2;

export interface Will {
	readonly topic: string;
	readonly payload: Uint8Array;
	readonly qos: QoS;
	readonly retain: boolean;
}

export interface ConnectPacket {
	readonly type: PacketType.CONNECT;
	readonly clientId: string;
	readonly cleanSession: boolean;
	/** Seconds; 0 turns keep-alive off. */
	readonly keepAlive: number;
	readonly will?: Will;
	readonly username?: string;
	readonly password?: Uint8Array;
}

export interface ConnackPacket {
	readonly type: PacketType.CONNACK;
	readonly sessionPresent: boolean;
	readonly returnCode: number;
}

export interface PublishPacket {
	readonly type: PacketType.PUBLISH;
	readonly topic: string;
	readonly payload: Uint8Array;
	readonly qos: QoS;
	readonly retain: boolean;
	readonly dup: boolean;
	/** Present exactly when qos > 0. */
	readonly packetId?: number;
}

/** PUBACK, PUBREC, PUBREL, PUBCOMP and UNSUBACK carry nothing but a packet identifier. */
export interface AckPacket {
	readonly type: PacketType.PUBACK | PacketType.PUBREC | PacketType.PUBREL | PacketType.PUBCOMP | PacketType.UNSUBACK;
	readonly packetId: number;
}

/**
 * MQTT 5 PUBLISH properties the application sets (3.3.2.3); a 3.1.1 session has no such
 * fields and sends the message without them.
 */
export interface MessageProperties {
	/** Seconds the server keeps the message for a subscriber that has not had it yet (3.3.2.3.3). */
	readonly messageExpiryInterval?: number;
	/** The payload's MIME type, e.g. "application/json" (3.3.2.3.9). */
	readonly contentType?: string;
	/** Request/response: the Topic Name the answer goes to (3.3.2.3.5), and what it echoes (3.3.2.3.6). */
	readonly responseTopic?: string;
	readonly correlationData?: Uint8Array;
	/** Name and value pairs, in order, repeats allowed (3.3.2.3.7). */
	readonly userProperties?: readonly (readonly [name: string, value: string])[];
}

export interface Subscription {
	readonly topic: string;
	readonly qos: QoS;
	/** MQTT 5 subscription options (3.8.3.1); a 3.1.1 session ignores them. No Local: our own messages are not sent back. */
	readonly noLocal?: boolean;
	readonly retainAsPublished?: boolean;
	readonly retainHandling?: 0 | 1 | 2;
}

export interface SubscribePacket {
	readonly type: PacketType.SUBSCRIBE;
	readonly packetId: number;
	readonly subscriptions: readonly Subscription[];
}

export interface SubackPacket {
	readonly type: PacketType.SUBACK;
	readonly packetId: number;
	/** Granted QoS per filter, or SUBACK_FAILURE. */
	readonly returnCodes: readonly number[];
}

export interface UnsubscribePacket {
	readonly type: PacketType.UNSUBSCRIBE;
	readonly packetId: number;
	readonly topics: readonly string[];
}

/** PINGREQ, PINGRESP and DISCONNECT are a fixed header alone. */
export interface EmptyPacket {
	readonly type: PacketType.PINGREQ | PacketType.PINGRESP | PacketType.DISCONNECT;
}

export type Packet =
	| ConnectPacket
	| ConnackPacket
	| PublishPacket
	| AckPacket
	| SubscribePacket
	| SubackPacket
	| UnsubscribePacket
	| EmptyPacket;

/** The packets a client sends (and PINGRESP, which shares their type with PINGREQ and DISCONNECT). */
export type ClientPacket = Exclude<Packet, ConnackPacket | SubackPacket>;

/** What the codec's `encodeInto` writes: the session writes PUBLISH and the acknowledgements by code of its own. */
export type EncodedPacket = ConnectPacket | SubscribePacket | UnsubscribePacket;

/** Where the codec's `encodeInto` writes: a transmit chunk with room for `size` bytes at `offset` once reserved (link.ts). */
export interface Transmit {
	readonly offset: number;
	reserve(size: number): Uint8Array;
	commit(size: number): void;
}
