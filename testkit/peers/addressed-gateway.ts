/**
 * A scripted MQTT-SN gateway over real UDP on 127.0.0.1 that behaves, towards sleeping
 * clients, as the Eclipse Paho MQTT-SN gateway does (MQTTSNGWClientRecvTask.cpp,
 * MQTTSNGWConnectionHandler.cpp), together with the broker behind it:
 * - clients are found by network address: a datagram from an address with no record is
 *   dropped unless it is a CONNECT (so a PINGREQ from a new source port is dropped);
 * - a waking PINGREQ gets the buffered messages and, when there were any, no PINGRESP
 *   (Paho relays the broker's answer to the PINGREQ it forwards; here it never comes);
 * - the broker's keep-alive is the CONNECT's duration, 1.5 times it without a word from
 *   the client and the broker publishes the will and drops the connection: the gateway
 *   never pings the broker for a sleeping client; a PINGREQ then gets no answer at all;
 * - topic ids are per address record: a new record (or a restart) knows none, a
 *   PUBLISH to an unknown id is refused with "invalid topic id".
 * Broker sessions (subscriptions, queued messages, the will) are kept by client id, as a
 * broker's persistent session is (clean session false); a queued message leaves the
 * queue only when the client acknowledges it. Time can be moved on (`advance`) to stand
 * for the sleeps between wakes, which the test does not wait out.
 */
import dgram from "node:dgram";
import { decode } from "../../src/mqttsn/encode";
import { encode } from "../portable/mqttsn-encode";
import * as sn from "../../src/mqttsn/packet";
import { decodeUtf8, encodeUtf8 } from "../../src/common/utf8";

interface Queued {
	readonly topic: string;
	readonly payload: string;
	/** MsgId of the delivery in flight, 0 while waiting. */
	msgId: number;
}

interface BrokerSession {
	readonly subscriptions: Set<string>;
	readonly queue: Queued[];
	will: { topic: string; retain: boolean; payload: string } | undefined;
	keepAlive: number;
	lastHeard: number;
	/** The broker connection the gateway holds for the client is up. */
	online: boolean;
}

interface AddressRecord {
	readonly clientId: string;
	readonly address: string;
	readonly port: number;
	state: "willtopic" | "willmsg" | "active" | "asleep" | "awake";
	readonly ids: Map<string, number>;
	cleanSession: boolean;
	keepAlive: number;
	willTopic?: { topic: string; retain: boolean };
}

export class AddressedGateway {
	/** What clients published, in order. */
	readonly published: { clientId: string; topic: string; payload: string }[] = [];
	readonly retained = new Map<string, string>();
	/** Client ids whose will the broker published (keep-alive expired). */
	readonly willsFired: string[] = [];
	/** Source ports seen per client id, and datagrams dropped as from an unknown address, by type. */
	readonly ports = new Map<string, Set<number>>();
	readonly droppedFromUnknown: number[] = [];
	/** Message types received, per record created (one per CONNECT from a new address or after a restart). */
	readonly received: number[][] = [];
	readonly #socket: dgram.Socket;
	readonly #sessions = new Map<string, BrokerSession>();
	#records = new Map<string, AddressRecord>();
	readonly #log = new Map<AddressRecord, number[]>();
	#offset = 0;
	#nextMsgId = 1;
	#nextTopicId = 1;

	private constructor(socket: dgram.Socket) {
		this.#socket = socket;
		socket.on("message", (bytes, remote) => this.#received(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), remote.address, remote.port));
	}

	static async start(): Promise<AddressedGateway> {
		const socket = dgram.createSocket("udp4");
		await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
		return new AddressedGateway(socket);
	}

	get port(): number {
		return this.#socket.address().port;
	}

	/** Time passes (the client sleeps): the broker's keep-alive is looked at. */
	advance(ms: number): void {
		this.#offset += ms;
		this.#superviseKeepAlive();
	}

	/** The gateway restarts: every address record is gone; the broker keeps its sessions. */
	restart(): void {
		this.#records = new Map();
	}

	/** Someone publishes at QoS 1 on the broker: queued for each subscriber, delivered to an active one. */
	publish(topic: string, payload: string): void {
		for (const [clientId, session] of this.#sessions) {
			if (!session.subscriptions.has(topic)) continue;
			session.queue.push({ topic, payload, msgId: 0 });
			const record = this.#recordOf(clientId);
			if (record?.state === "active") this.#deliver(record, session, true);
		}
	}

	subscriptions(clientId: string): readonly string[] {
		return [...(this.#sessions.get(clientId)?.subscriptions ?? [])];
	}

	close(): Promise<void> {
		return new Promise((resolve) => this.#socket.close(() => resolve()));
	}

	#now(): number {
		return Date.now() + this.#offset;
	}

	#recordOf(clientId: string): AddressRecord | undefined {
		for (const record of this.#records.values()) if (record.clientId === clientId) return record;
		return undefined;
	}

	#superviseKeepAlive(): void {
		const now = this.#now();
		for (const [clientId, session] of this.#sessions) {
			if (!session.online || session.keepAlive === 0 || now - session.lastHeard <= session.keepAlive * 1500) continue;
			session.online = false;
			this.willsFired.push(clientId);
			const will = session.will;
			if (will) {
				this.published.push({ clientId, topic: will.topic, payload: will.payload });
				if (will.retain) this.retained.set(will.topic, will.payload);
			}
		}
	}

	#received(bytes: Uint8Array, address: string, port: number): void {
		this.#superviseKeepAlive();
		const message = decode(bytes);
		const key = `${address}:${port}`;
		let record = this.#records.get(key);
		if (message.type === sn.MsgType.CONNECT) record = this.#connect(message, address, port, record);
		if (!record) {
			this.droppedFromUnknown.push(message.type);
			return;
		}
		this.#log.get(record)?.push(message.type);
		const session = this.#sessions.get(record.clientId) as BrokerSession;
		if (session.online) session.lastHeard = this.#now();
		const reply = (answer: sn.Message) => this.#send(record, answer);
		switch (message.type) {
			case sn.MsgType.CONNECT:
				if (record.state === "willtopic") reply({ type: sn.MsgType.WILLTOPICREQ });
				else this.#accepted(record, session);
				return;
			case sn.MsgType.WILLTOPIC:
				record.willTopic = { topic: message.willTopic, retain: message.retain };
				record.state = "willmsg";
				reply({ type: sn.MsgType.WILLMSGREQ });
				return;
			case sn.MsgType.WILLMSG:
				if (record.state !== "willmsg" || !record.willTopic) return;
				session.will = { ...record.willTopic, payload: decodeUtf8(message.willMsg) };
				this.#accepted(record, session);
				return;
			case sn.MsgType.REGISTER:
				reply({ type: sn.MsgType.REGACK, topicId: this.#idOf(record, message.topicName), msgId: message.msgId, returnCode: sn.ReturnCode.ACCEPTED });
				return;
			case sn.MsgType.SUBSCRIBE: {
				if (message.topic.topicIdType !== sn.TopicIdType.NORMAL) return;
				session.subscriptions.add(message.topic.topicName);
				const topicId = this.#idOf(record, message.topic.topicName);
				reply({ type: sn.MsgType.SUBACK, qos: message.qos, topicId, msgId: message.msgId, returnCode: sn.ReturnCode.ACCEPTED });
				return;
			}
			case sn.MsgType.PUBLISH: {
				const topic = [...record.ids].find(([, id]) => id === message.topicId)?.[0];
				if (message.topicIdType !== sn.TopicIdType.NORMAL || topic === undefined) {
					if (message.qos > 0) reply({ type: sn.MsgType.PUBACK, topicId: message.topicId, msgId: message.msgId, returnCode: sn.ReturnCode.REJECTED_INVALID_TOPIC_ID });
					return;
				}
				const payload = decodeUtf8(message.data);
				this.published.push({ clientId: record.clientId, topic, payload });
				if (message.retain) this.retained.set(topic, payload);
				if (message.qos === 1) reply({ type: sn.MsgType.PUBACK, topicId: message.topicId, msgId: message.msgId, returnCode: sn.ReturnCode.ACCEPTED });
				this.publish(topic, payload);
				return;
			}
			case sn.MsgType.PUBACK: {
				const index = session.queue.findIndex((m) => m.msgId === message.msgId && message.msgId !== 0);
				if (index >= 0 && message.returnCode === sn.ReturnCode.ACCEPTED) session.queue.splice(index, 1);
				return;
			}
			case sn.MsgType.REGACK:
				return;
			case sn.MsgType.PINGREQ:
				this.#pingreq(record, session);
				return;
			case sn.MsgType.DISCONNECT:
				if (message.duration) {
					// Asleep: the broker connection stays, and nobody pings the broker for it.
					record.state = "asleep";
					reply({ type: sn.MsgType.DISCONNECT });
				} else {
					session.online = false;
					session.will = undefined;
					this.#records.delete(key);
					reply({ type: sn.MsgType.DISCONNECT });
				}
				return;
			default:
				return;
		}
	}

	#connect(connect: sn.ConnectMessage, address: string, port: number, existing: AddressRecord | undefined): AddressRecord {
		const key = `${address}:${port}`;
		let ports = this.ports.get(connect.clientId);
		if (!ports) this.ports.set(connect.clientId, (ports = new Set()));
		ports.add(port);
		// The broker takes the session over from an older connection with the same client id.
		for (const [other, record] of this.#records) if (record.clientId === connect.clientId && other !== key) this.#records.delete(other);
		let session = this.#sessions.get(connect.clientId);
		if (!session || connect.cleanSession) {
			session = { subscriptions: new Set(), queue: [], will: undefined, keepAlive: 0, lastHeard: 0, online: false };
			this.#sessions.set(connect.clientId, session);
		}
		session.keepAlive = connect.duration;
		session.lastHeard = this.#now();
		session.online = true;
		if (!connect.will) session.will = undefined;
		const record: AddressRecord = existing ?? { clientId: connect.clientId, address, port, state: "active", ids: new Map(), cleanSession: connect.cleanSession, keepAlive: connect.duration };
		if (!existing) {
			const types: number[] = [];
			this.received.push(types);
			this.#log.set(record, types);
		}
		record.state = connect.will ? "willtopic" : "active";
		this.#records.set(key, record);
		return record;
	}

	#accepted(record: AddressRecord, session: BrokerSession): void {
		record.state = "active";
		this.#send(record, { type: sn.MsgType.CONNACK, returnCode: sn.ReturnCode.ACCEPTED });
		// The broker hands a resumed session its queue at once.
		this.#deliver(record, session);
	}

	#pingreq(record: AddressRecord, session: BrokerSession): void {
		if (record.state !== "asleep" && record.state !== "awake") {
			if (session.online) this.#send(record, { type: sn.MsgType.PINGRESP });
			return;
		}
		// The broker connection died (keep-alive): the PINGREQ Paho forwards is never answered.
		if (!session.online) return;
		record.state = "awake";
		const sent = this.#deliver(record, session);
		if (sent > 0) return; // buffered messages, and no PINGRESP after them
		record.state = "asleep";
		this.#send(record, { type: sn.MsgType.PINGRESP });
	}

	/**
	 * Sends the queue (REGISTERing a topic first where this record has no id for it): on
	 * CONNACK and PINGREQ all of it, a message sent before and never acknowledged again
	 * with DUP; for a new publication (`onlyNew`) just what was not sent yet.
	 */
	#deliver(record: AddressRecord, session: BrokerSession, onlyNew = false): number {
		let sent = 0;
		for (const message of session.queue) {
			if (onlyNew && message.msgId !== 0) continue;
			let topicId = record.ids.get(message.topic);
			if (topicId === undefined) {
				topicId = this.#idOf(record, message.topic);
				this.#send(record, { type: sn.MsgType.REGISTER, topicId, msgId: this.#nextMsgId++, topicName: message.topic });
			}
			const dup = message.msgId !== 0;
			if (!dup) message.msgId = this.#nextMsgId++;
			this.#send(record, { type: sn.MsgType.PUBLISH, dup, qos: 1, retain: false, topicIdType: sn.TopicIdType.NORMAL, topicId, msgId: message.msgId, data: encodeUtf8(message.payload) });
			sent++;
		}
		return sent;
	}

	#idOf(record: AddressRecord, topic: string): number {
		let id = record.ids.get(topic);
		if (id === undefined) record.ids.set(topic, (id = this.#nextTopicId++));
		return id;
	}

	#send(record: AddressRecord, message: sn.Message): void {
		this.#socket.send(encode(message), record.port, record.address);
	}
}
