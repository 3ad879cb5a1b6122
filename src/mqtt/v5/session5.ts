/**
 * What a session running MQTT 5.0 adds to the 3.1.1 one (session.ts holds one of these
 * only when `protocolVersion` is 5): the CONNECT's properties, the limits the server's
 * CONNACK sets (Receive Maximum, Maximum Packet Size, Topic Alias Maximum, Maximum QoS,
 * Retain / Wildcard / Shared Subscription Available, Server Keep Alive, Assigned Client
 * Identifier, Session Expiry), topic aliases both ways, subscription options, and reason
 * codes turned into typed errors. Every table the server can grow is capped by what we
 * announced.
 */
import { ProtocolError } from "../../common/errors";
import { ByteWriter } from "../../common/bytes";
import { PacketType, type MessageProperties, type QoS, type Subscription } from "../packet";
import { TopicCache } from "../topic";
import type { SessionOptions } from "../session";
import { encode5 } from "./encode";
import type { Connack5, Publish5 } from "./packet";
import { varIntLength } from "../codec";
import { propertiesLength, writeProperties, writeVariable, type Properties } from "./properties";
import { reasonText } from "./reason";

/** Where properties.ts checks a property may appear: PUBLISH (1 << its type). */
const PUBLISH_PROPERTIES = 1 << PacketType.PUBLISH;

/** Outgoing aliases we keep at most, whatever the server allows: the lamp publishes to three or four topics. */
const OUTGOING_ALIASES = 8;

/** An MQTT 5 reason code as a typed error: the code and the server's Reason String in `detail`. */
export function reasonError(code: "CONNECTION_REFUSED" | "PUBLISH_REFUSED" | "SUBSCRIPTION_REFUSED" | "DISCONNECTED", what: string, reasonCode: number, properties: Properties): ProtocolError {
	const detail = reasonText(reasonCode, properties.reasonString);
	return new ProtocolError(code, `${what}: ${detail}`, detail);
}

export class Version5 {
	/** The server's limits, from CONNACK (3.2.2.3); the defaults are the specification's when absent. */
	receiveMaximum = 65_535;
	maximumPacketSize = 0;
	maximumQoS: QoS = 2;
	retainAvailable = true;
	wildcardAvailable = true;
	sharedAvailable = true;
	/** Seconds the server keeps the session after the connection closes (its CONNACK may change ours). */
	sessionExpiry: number;
	/** Server Keep Alive, when the server set one (3.2.2.3.14). */
	serverKeepAlive: number | undefined;
	/** The client identifier the server assigned to an empty one, kept to resume the session. */
	assignedClientId: string | undefined;
	readonly #options: SessionOptions;
	/** Topic Alias Maximum we announce: aliases the server may use towards us (default 0, none). */
	readonly #inboundMaximum: number;
	#inbound: string[] = [];
	/** Aliases we set, topic -> alias; at most min(server's Topic Alias Maximum, OUTGOING_ALIASES). */
	#outbound = new Map<string, number>();
	#outboundMaximum = 0;
	/** Subscription options by filter, so a resubscription carries them too. */
	readonly #subscriptionOptions = new Map<string, number>();
	#topics: TopicCache | undefined;

	constructor(options: SessionOptions) {
		this.#options = options;
		this.#inboundMaximum = options.topicAliasMaximum ?? 0;
		this.sessionExpiry = options.sessionExpiry ?? (options.cleanSession ? 0 : 0xffff_ffff);
	}

	get cleanStart(): boolean {
		return this.#options.cleanStart ?? this.#options.cleanSession;
	}

	/** CONNECT at protocol version 5 (3.1); a new connection also starts both alias tables afresh (3.3.2.3.4). */
	connect(clientId: string, receiveMaximum: number, maxPacketSize: number): Uint8Array {
		const options = this.#options;
		this.#inbound = [];
		this.#outbound = new Map();
		this.#outboundMaximum = 0;
		const properties: Properties = { receiveMaximum, maximumPacketSize: maxPacketSize };
		if (this.sessionExpiry !== 0) properties.sessionExpiryInterval = this.sessionExpiry;
		if (this.#inboundMaximum > 0) properties.topicAliasMaximum = this.#inboundMaximum;
		const will = options.will;
		return encode5({
			type: PacketType.CONNECT,
			clientId: this.assignedClientId ?? clientId,
			cleanStart: this.cleanStart,
			keepAlive: options.keepAlive,
			properties,
			will: will && { topic: will.topic, payload: will.payload, qos: will.qos, retain: will.retain, properties: options.willDelay ? { willDelayInterval: options.willDelay } : {} },
			username: options.username,
			password: options.password,
		});
	}

	/** CONNACK: a refusal becomes a typed error; acceptance sets the server's limits. */
	connack(packet: Connack5): void {
		const p = packet.properties;
		if (packet.reasonCode >= 0x80) throw reasonError("CONNECTION_REFUSED", "server refused the connection", packet.reasonCode, p);
		if (p.authenticationMethod !== undefined) throw new ProtocolError("PROTOCOL_VIOLATION", "CONNACK with an authentication method we did not ask for (4.12)");
		this.receiveMaximum = p.receiveMaximum ?? 65_535;
		this.maximumPacketSize = p.maximumPacketSize ?? 0;
		this.maximumQoS = (p.maximumQoS ?? 2) as QoS;
		this.retainAvailable = p.retainAvailable !== 0;
		this.wildcardAvailable = p.wildcardSubscriptionAvailable !== 0;
		this.sharedAvailable = p.sharedSubscriptionAvailable !== 0;
		if (p.sessionExpiryInterval !== undefined) this.sessionExpiry = p.sessionExpiryInterval;
		this.serverKeepAlive = p.serverKeepAlive;
		if (p.assignedClientIdentifier !== undefined) this.assignedClientId = p.assignedClientIdentifier;
		this.#outboundMaximum = Math.min(p.topicAliasMaximum ?? 0, OUTGOING_ALIASES);
	}

	/**
	 * A PUBLISH as bytes, QoS lowered to the server's Maximum QoS (it may not receive more,
	 * 3.2.2-11). `alias`: this connection carries it now, so a repeated topic may go as its
	 * alias alone; a message kept for a later connection never does (aliases die with it).
	 * `message`: the application's properties, checked as the specification says.
	 */
	publish(topic: string, payload: Uint8Array, qos: QoS, retain: boolean, alias: boolean, limit: number, message?: MessageProperties): Uint8Array {
		if (retain && !this.retainAvailable) throw new ProtocolError("PROTOCOL_VIOLATION", "the server does not support retained messages (Retain Available 0)");
		if (qos > this.maximumQoS) qos = this.maximumQoS;
		// Written here, not by encode5: this runs per message, and without the application's
		// properties the only one is a Topic Alias.
		let topicAlias = 0;
		// Undefined: an empty Topic Name, the Topic Alias stands for it (3.3.2.1).
		let field: Uint8Array | undefined;
		if (alias && this.#outboundMaximum > 0) topicAlias = this.#outbound.get(topic) ?? 0;
		if (topicAlias === 0) {
			// The topic checked and encoded once per topic (topic.ts's cache).
			field = (this.#topics ??= new TopicCache()).field(topic);
			if (alias && this.#outbound.size < this.#outboundMaximum) topicAlias = -(this.#outbound.size + 1);
		}
		// With the application's properties, the general writer (properties.ts) writes them all, alias included.
		const properties: Properties | undefined = message && { ...(message as Properties), topicAlias: topicAlias === 0 ? undefined : topicAlias < 0 ? -topicAlias : topicAlias };
		const props = properties ? propertiesLength(properties, PUBLISH_PROPERTIES) : topicAlias === 0 ? 0 : 3;
		const remaining = (field ? field.length : 2) + (qos ? 2 : 0) + varIntLength(props) + props + payload.length;
		const size = 1 + varIntLength(remaining) + remaining;
		const max = this.maximumPacketSize > 0 && this.maximumPacketSize < limit ? this.maximumPacketSize : limit;
		if (size > max) throw new ProtocolError("PACKET_TOO_LARGE", `PUBLISH of ${size} bytes, over the maximum packet size ${max}`);
		if (topicAlias < 0) {
			// A new alias, set with the topic (3.3.2.3.4); sent as the alias alone from the next message on.
			topicAlias = -topicAlias;
			this.#outbound.set(topic, topicAlias);
		}
		const bytes = new Uint8Array(size);
		const w = new ByteWriter(bytes);
		w.byte(0x30 | (qos << 1) | (retain ? 1 : 0));
		writeVariable(w, remaining);
		if (field) w.bytes(field);
		else w.u16(0);
		// A QoS 1/2 packet id is patched in when the message enters the window (inflight.ts).
		if (qos) w.u16(0xffff);
		if (properties) writeProperties(w, properties, props);
		else {
			w.byte(props);
			if (props) {
				w.byte(0x23);
				w.u16(topicAlias);
			}
		}
		w.bytes(payload);
		return bytes;
	}

	/** An incoming PUBLISH with its topic alias resolved; an alias past ours, or unknown, is a Protocol Error (3.3.2.3.4). */
	received(packet: Publish5): Publish5 {
		const alias = packet.properties.topicAlias;
		if (alias === undefined) return packet;
		if (alias > this.#inboundMaximum) throw new ProtocolError("PROTOCOL_VIOLATION", `topic alias ${alias} over our maximum ${this.#inboundMaximum}`);
		if (packet.topic !== "") {
			this.#inbound[alias] = packet.topic;
			return packet;
		}
		const topic = this.#inbound[alias];
		if (topic === undefined) throw new ProtocolError("PROTOCOL_VIOLATION", `unknown topic alias ${alias}`);
		return { type: PacketType.PUBLISH, topic, payload: packet.payload, qos: packet.qos, retain: packet.retain, dup: packet.dup, packetId: packet.packetId, properties: packet.properties };
	}

	/**
	 * Refuses locally what the server said it does not support (3.2.2.3.11, 3.2.2.3.13), and a
	 * SUBSCRIBE over its Maximum Packet Size (`checkRequest`). Keeps the options for resubscribing.
	 */
	checkSubscriptions(subscriptions: readonly Subscription[]): void {
		for (const s of subscriptions) {
			const topic = s.topic;
			if (!this.sharedAvailable && topic.startsWith("$share/")) throw new ProtocolError("SUBSCRIPTION_REFUSED", `shared subscriptions not available: ${topic}`);
			if (!this.wildcardAvailable && (topic.includes("+") || topic.includes("#"))) throw new ProtocolError("SUBSCRIPTION_REFUSED", `wildcard subscriptions not available: ${topic}`);
			this.#subscriptionOptions.set(topic, (s.noLocal ? 4 : 0) | (s.retainAsPublished ? 8 : 0) | ((s.retainHandling ?? 0) << 4));
		}
		this.checkRequest(subscriptions, void 0);
	}

	/**
	 * Throws PACKET_TOO_LARGE at the call, before the session records anything, for a request
	 * over the server's current Maximum Packet Size: for a SUBSCRIBE, one for all of
	 * `subscriptions`, the most the session would send for them. Sized by encoding it (only
	 * when the server named a limit): counting it instead cost 453 B more bytecode to spare
	 * one small encode per call, a few calls per connection.
	 */
	checkRequest(subscriptions: readonly Subscription[] | undefined, topics: readonly string[] | undefined): void {
		const packet = this.maximumPacketSize > 0 ? this.request(1, subscriptions, topics) : void 0;
		if (packet instanceof ProtocolError) throw packet;
	}

	/**
	 * SUBSCRIBE or UNSUBSCRIBE at version 5, subscription options included; or, when it is over
	 * the server's Maximum Packet Size, which the client must not send (3.1.2-24), the
	 * PACKET_TOO_LARGE error the session refuses it with (at the call, or when a CONNACK
	 * names a smaller limit than the one it was asked under).
	 */
	request(packetId: number, subscriptions: readonly Subscription[] | undefined, topics: readonly string[] | undefined): Uint8Array | ProtocolError {
		const options = this.#subscriptionOptions;
		const packet = subscriptions
			? encode5({
					type: PacketType.SUBSCRIBE,
					packetId,
					properties: {},
					subscriptions: subscriptions.map((s) => {
						const o = options.get(s.topic) ?? 0;
						return { topic: s.topic, qos: s.qos, noLocal: (o & 4) !== 0, retainAsPublished: (o & 8) !== 0, retainHandling: ((o >> 4) & 3) as 0 | 1 | 2 };
					}),
				})
			: encode5({ type: PacketType.UNSUBSCRIBE, packetId, properties: {}, topics: topics as readonly string[] });
		const max = this.maximumPacketSize;
		if (max === 0 || packet.length <= max) return packet;
		return new ProtocolError("PACKET_TOO_LARGE", `${subscriptions ? "SUBSCRIBE" : "UNSUBSCRIBE"} of ${packet.length} bytes, over the server's maximum packet size ${max}`);
	}

	/**
	 * DISCONNECT with a reason (3.14): 0 drops the will, 0x04 asks the server to publish it
	 * (after its Will Delay Interval); `sessionExpiry` may change the session's lifetime,
	 * but not from 0 (3.14.2.2.2).
	 */
	disconnect(reasonCode: number, sessionExpiry?: number): Uint8Array {
		const properties: Properties = {};
		if (sessionExpiry !== undefined && sessionExpiry !== this.sessionExpiry) {
			if (this.sessionExpiry === 0 && sessionExpiry !== 0) throw new ProtocolError("PROTOCOL_VIOLATION", "a session that expires at once cannot be extended at DISCONNECT");
			properties.sessionExpiryInterval = this.sessionExpiry = sessionExpiry;
		}
		return encode5({ type: PacketType.DISCONNECT, reasonCode, properties });
	}
}
