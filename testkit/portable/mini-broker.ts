/**
 * Just enough of an MQTT 3.1.1 broker to run wake cycles on a FakeBoard: persistent
 * sessions that keep subscriptions and queue QoS 1 messages while their client is
 * away, exact-match routing, PUBACK for QoS 1, retained messages. It records every
 * packet each client sent so a test can say what a wake cost. QoS 2 from the client is
 * received as a strict broker does (4.3.3): the id is kept until PUBREL, in the session,
 * and a PUBLISH that reuses it with DUP 0 is dropped as a duplicate and counted a violation.
 * A client that connects at protocol level 5 is answered in MQTT 5.0, its topic aliases
 * resolved (the same rules, with no will, expiry or reason codes modelled).
 */
import { decodeAny, encodeAny, feedPackets } from "./mqtt-client-packets";
import { decodeAny5, encodeAny5 } from "./mqtt5-client-packets";
import { PacketReader } from "../../src/mqtt/codec";
import type { Packet5 } from "../../src/mqtt/v5/packet";
import type { Properties } from "../../src/mqtt/v5/properties";
import { type Packet, type QoS } from "../../src/mqtt/packet";
import { CONNACK, CONNECT, DISCONNECT, PINGREQ, PINGRESP, PUBACK, PUBCOMP, PUBLISH, PUBREC, PUBREL, SUBACK, SUBSCRIBE, UNSUBACK, UNSUBSCRIBE } from "./mqtt-types";
import { ProtocolError } from "../../src/common/errors";
import { decodeUtf8, encodeUtf8 } from "../../src/common/utf8";
import type { FakeBoard, FakeStream } from "./fake-board";

/** Each answer reaches the client this much later (and never inside the client's own write). */
const LATENCY_MS = 1;

interface Message {
	readonly topic: string;
	readonly payload: Uint8Array;
	readonly qos: QoS;
}

interface Session {
	readonly subscriptions: Map<string, QoS>;
	readonly queue: Message[];
	/** Incoming QoS 2 packet ids whose PUBREL has not come. */
	readonly awaitingRelease: Set<number>;
	stream?: FakeStream;
	nextId: number;
}

export class MiniBroker {
	readonly sessions = new Map<string, Session>();
	readonly retained = new Map<string, string>();
	/** Every PUBLISH routed, in order: topic and payload as text. */
	readonly published: { topic: string; payload: string; dup: boolean }[] = [];
	/** Every PUBLISH received, duplicates and all, with its QoS and packet id. */
	readonly publishes: { topic: string; payload: string; qos: QoS; dup: boolean; packetId?: number }[] = [];
	/** What the client did that a strict broker refuses (a reused QoS 2 id with DUP 0). */
	readonly violations: string[] = [];
	/** PUBCOMPs come this many ms late (Infinity: never). */
	holdCompletes = 0;
	/** Packets received per connection, by type number. */
	readonly received: Packet[][] = [];
	/** Publications to these topics are acknowledged and then lost. */
	readonly swallow = new Set<string>();
	/** PUBACKs (PUBRECs at QoS 2) for publications to these topics come this many ms late (Infinity: never). */
	readonly holdAcks = new Map<string, number>();
	/** SUBSCRIBEs to these filters are refused (SUBACK 0x80) this many more times. */
	readonly refuse = new Map<string, number>();
	/** MQTT 5 clients get these CONNACK properties (mosquitto's default Topic Alias Maximum is 10). */
	connackProperties5: Properties = { topicAliasMaximum: 10 };
	#board: FakeBoard | undefined;
	readonly #versions = new WeakMap<FakeStream, number>();
	/** MQTT 5 connections whose CONNECT set no Session Expiry. */
	readonly #ephemeral = new WeakSet<FakeStream>();
	/** Connections whose session ends with them (at DISCONNECT), by client id. */
	readonly #ending = new WeakMap<FakeStream, string>();

	/** Serves a stream the firmware opened on `board` (accepts it and answers what arrives). */
	serve(stream: FakeStream, board: FakeBoard): void {
		this.#board = board;
		// The protocol level of the CONNECT decides how the connection's packets are read and written.
		const aliases = new Map<number, string>();
		const reader = new PacketReader<Packet>(1 << 16, (bytes, memo) => {
			if (bytes[0] >> 4 === CONNECT) this.#versions.set(stream, connectLevel(bytes));
			if (this.#versions.get(stream) !== 5) return decodeAny(bytes, memo);
			const packet = decodeAny5(bytes);
			if (packet.type === CONNECT && !packet.properties.sessionExpiryInterval) this.#ephemeral.add(stream);
			return as311(packet, aliases);
		});
		const packets: Packet[] = [];
		this.received.push(packets);
		let session: Session | undefined;
		const original = stream.write.bind(stream);
		stream.write = (bytes: Uint8Array) => {
			original(bytes);
			stream.written.length = 0;
			feedPackets(reader, bytes, (packet) => {
				packets.push(packet);
				session = this.#handle(stream, packet, session);
			});
		};
		stream.accept();
	}

	/** Someone else publishes (a command sent while the device sleeps). */
	publish(topic: string, payload: string, qos: QoS = 1): void {
		this.#route({ topic, payload: encodeUtf8(payload), qos });
	}

	#handle(stream: FakeStream, packet: Packet, current: Session | undefined): Session | undefined {
		switch (packet.type) {
			case CONNECT: {
				let session = this.sessions.get(packet.clientId);
				const present = session !== undefined && !packet.cleanSession;
				if (!present) this.sessions.set(packet.clientId, (session = { subscriptions: new Map(), queue: [], awaitingRelease: new Set(), nextId: 1 }));
				const s = session as Session;
				s.stream = stream;
				// CleanSession 1 (3.1.2-6), or MQTT 5 with no Session Expiry (3.1.2.11.2): the session ends with the connection.
				if (packet.cleanSession || this.#ephemeral.has(stream)) this.#ending.set(stream, packet.clientId);
				this.#send(stream, { type: CONNACK, sessionPresent: present, returnCode: 0 });
				for (const message of s.queue.splice(0)) this.#deliver(s, message);
				return s;
			}
			case SUBSCRIBE: {
				const codes = packet.subscriptions.map((sub) => {
					const refusals = this.refuse.get(sub.topic) ?? 0;
					if (refusals > 0) return this.refuse.set(sub.topic, refusals - 1) && 0x80;
					current?.subscriptions.set(sub.topic, sub.qos);
					return sub.qos;
				});
				this.#send(stream, { type: SUBACK, packetId: packet.packetId, returnCodes: codes });
				return current;
			}
			case PUBLISH:
				this.publishes.push({ topic: packet.topic, payload: decodeUtf8(packet.payload), qos: packet.qos, dup: packet.dup, packetId: packet.packetId });
				if (packet.qos === 2 && packet.packetId !== undefined && current) {
					const id = packet.packetId;
					const known = current.awaitingRelease.has(id);
					if (known && !packet.dup) this.violations.push(`duplicate QoS 2 message id ${id} found with DUP 0`);
					current.awaitingRelease.add(id);
					this.#acknowledge(stream, packet.topic, id, PUBREC);
					if (known) return current;
				}
				if (packet.qos === 1 && packet.packetId !== undefined) this.#acknowledge(stream, packet.topic, packet.packetId);
				this.published.push({ topic: packet.topic, payload: decodeUtf8(packet.payload), dup: packet.dup });
				if (packet.retain) this.retained.set(packet.topic, decodeUtf8(packet.payload));
				if (!this.swallow.has(packet.topic)) this.#route({ topic: packet.topic, payload: packet.payload.slice(), qos: packet.qos });
				return current;
			case PUBREL: {
				current?.awaitingRelease.delete(packet.packetId);
				const complete = () => this.#send(stream, { type: PUBCOMP, packetId: packet.packetId });
				if (this.holdCompletes === 0) complete();
				else if (this.holdCompletes !== Infinity) this.#board?.setTimer(complete, this.holdCompletes);
				return current;
			}
			case PINGREQ:
				this.#send(stream, { type: PINGRESP });
				return current;
			case DISCONNECT: {
				if (current) current.stream = undefined;
				const ending = this.#ending.get(stream);
				if (ending !== undefined && this.sessions.get(ending) === current) this.sessions.delete(ending);
				this.#board?.setTimer(() => stream.drop(), LATENCY_MS);
				return undefined;
			}
			default:
				return current;
		}
	}

	#acknowledge(stream: FakeStream, topic: string, packetId: number, type: typeof PUBACK | typeof PUBREC = PUBACK): void {
		const hold = this.holdAcks.get(topic) ?? 0;
		if (hold === Infinity) return;
		const ack = () => this.#send(stream, { type, packetId });
		if (hold > 0) this.#board?.setTimer(ack, hold);
		else ack();
	}

	#route(message: Message): void {
		for (const session of this.sessions.values()) {
			const granted = session.subscriptions.get(message.topic);
			if (granted === undefined) continue;
			const qos = Math.min(granted, message.qos) as QoS;
			if (session.stream && !session.stream.closed) this.#deliver(session, { ...message, qos });
			else if (qos > 0) session.queue.push({ ...message, qos });
		}
	}

	#deliver(session: Session, message: Message): void {
		const stream = session.stream;
		if (!stream) return;
		const packetId = message.qos > 0 ? session.nextId++ : undefined;
		this.#send(stream, { type: PUBLISH, topic: message.topic, payload: message.payload, qos: message.qos, retain: false, dup: false, packetId });
	}

	/** Encoded in the protocol version the client connected with. */
	#send(stream: FakeStream, packet: Packet): void {
		const bytes = this.#versions.get(stream) === 5 ? encodeAny5(as5(packet, this.connackProperties5)) : encodeAny(packet);
		this.#board?.setTimer(() => stream.deliver(bytes), LATENCY_MS);
	}
}

/** The Protocol Level byte of a CONNECT (3.1.2.2): after the fixed header and the name "MQTT". */
function connectLevel(bytes: Uint8Array): number {
	let at = 1;
	while (bytes[at] & 0x80) at++;
	return bytes[at + 7];
}

/** An MQTT 5 packet from a client in the 3.1.1 shape the broker handles; a PUBLISH's topic alias resolved (3.3.2.3.4). */
function as311(packet: Packet5, aliases: Map<number, string>): Packet {
	switch (packet.type) {
		case CONNECT:
			return { type: CONNECT, clientId: packet.clientId, cleanSession: packet.cleanStart, keepAlive: packet.keepAlive, will: packet.will, username: packet.username, password: packet.password };
		case PUBLISH: {
			const alias = packet.properties.topicAlias;
			let topic = packet.topic;
			if (alias !== undefined && topic === "") topic = aliases.get(alias) ?? "";
			else if (alias !== undefined) aliases.set(alias, topic);
			if (topic === "") throw new ProtocolError("PROTOCOL_VIOLATION", `unknown topic alias ${alias}`);
			return { type: PUBLISH, topic, payload: packet.payload, qos: packet.qos, retain: packet.retain, dup: packet.dup, packetId: packet.packetId };
		}
		case SUBSCRIBE:
			return { type: SUBSCRIBE, packetId: packet.packetId, subscriptions: packet.subscriptions.map((s) => ({ topic: s.topic, qos: s.qos })) };
		case UNSUBSCRIBE:
			return { type: UNSUBSCRIBE, packetId: packet.packetId, topics: packet.topics };
		case PUBACK:
		case PUBREC:
		case PUBREL:
		case PUBCOMP:
			return { type: packet.type, packetId: packet.packetId } as Packet;
		case PINGREQ:
		case DISCONNECT:
			return { type: packet.type } as Packet;
		default:
			throw new ProtocolError("PROTOCOL_VIOLATION", `a client does not send packet type ${packet.type}`);
	}
}

/** What the broker answers, in MQTT 5: reason code 0 (success, or the granted QoS) and no properties but CONNACK's. */
function as5(packet: Packet, connack: Properties): Packet5 {
	switch (packet.type) {
		case CONNACK:
			return { type: CONNACK, sessionPresent: packet.sessionPresent, reasonCode: packet.returnCode, properties: connack };
		case SUBACK:
			return { type: SUBACK, packetId: packet.packetId, reasonCodes: packet.returnCodes, properties: {} };
		case UNSUBACK:
			return { type: UNSUBACK, packetId: packet.packetId, reasonCodes: [0], properties: {} };
		case PUBACK:
		case PUBREC:
		case PUBREL:
		case PUBCOMP:
			return { type: packet.type, packetId: packet.packetId, reasonCode: 0, properties: {} };
		case PUBLISH:
			return { ...packet, properties: {} };
		default:
			return packet as Packet5;
	}
}
