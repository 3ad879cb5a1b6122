/**
 * One MQTT-SN client as the transparent gateway sees it (MQTT-SN 4.2: one MQTT
 * connection per client). It runs the will prompts, opens the client's own MQTT
 * connection with its client id, clean-session flag and will, translates topic ids
 * both ways (its own TopicRegistry, with the gateway's predefined topics), and follows
 * the client through active, asleep and awake (6.14), buffering the broker's messages
 * in an Outbox while it sleeps.
 */
import mqtt, { type MqttClient } from "mqtt";
import { validateTopicFilter, validateTopicName } from "../../src/mqtt/topic";
import { encode } from "../../testkit/portable/mqttsn-encode";
import * as sn from "../../src/mqttsn/packet";
import type { ConnectMessage, Message, PublishMessage, TopicRef } from "../../src/mqttsn/packet";
import { ReleaseWindow, TopicRegistry, topicIdType } from "../../src/mqttsn/topic-registry";
import { Outbox } from "./outbox";

export interface Endpoint {
	readonly address: string;
	readonly port: number;
}

export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

/** What a link needs from its gateway. */
export interface LinkContext {
	readonly broker: string;
	readonly predefinedTopics: Readonly<Record<string, number>>;
	readonly tRetry: number;
	readonly nRetry: number;
	/** Messages buffered per client at most (while it sleeps, or behind a slow link). */
	readonly bufferLimit: number;
	send(bytes: Uint8Array, to: Endpoint): void;
	log(event: string, fields: LogFields): void;
	/** The link is over: forget it. */
	closed(link: ClientLink): void;
}

type LinkState = "willtopic" | "willmsg" | "connecting" | "active" | "asleep" | "awake" | "closed";

interface StoredWill {
	topic: string;
	qos: 0 | 1 | 2;
	retain: boolean;
	payload: Uint8Array;
}

/** Keep-alive and sleep supervision allow half a period more than the client announced. */
const GRACE = 1.5;
/** Gateway-to-broker keep-alive, seconds: the broker connection lives on while the client sleeps. */
const BROKER_KEEPALIVE = 60;
/** Answers to REGISTER, SUBSCRIBE and UNSUBSCRIBE remembered for retransmitted requests. */
const ANSWERS = 16;

export class ClientLink {
	readonly clientId: string;
	endpoint: Endpoint;
	readonly #context: LinkContext;
	readonly #cleanSession: boolean;
	readonly #keepAlive: number;
	readonly #topics: TopicRegistry;
	readonly #outbox: Outbox;
	readonly #incoming = new ReleaseWindow();
	/** Client message ids of QoS 1/2 publishes the broker has not acknowledged yet. */
	readonly #forwarding = new Set<number>();
	/** SUBSCRIBE/UNSUBSCRIBE message ids the broker is working on, and recent answers by message id. */
	readonly #working = new Set<number>();
	readonly #answers = new Map<number, Uint8Array>();
	readonly #subscriptions = new Map<string, 0 | 1 | 2>();
	#state: LinkState;
	#mqtt: MqttClient | undefined;
	#will: StoredWill | undefined;
	#nextTopicId = 1;
	#lastHeard: number;
	#sleepMs = 0;
	#connectedAt = -Infinity;
	/** The will changed while the broker connection was still opening: open another once it is up. */
	#reopenWhenConnected = false;
	#prompt: { bytes: Uint8Array; retries: number; timer: ReturnType<typeof setTimeout> } | undefined;

	constructor(context: LinkContext, connect: ConnectMessage, endpoint: Endpoint, now: number) {
		this.#context = context;
		this.clientId = connect.clientId;
		this.endpoint = endpoint;
		this.#cleanSession = connect.cleanSession;
		this.#keepAlive = connect.duration;
		this.#lastHeard = now;
		this.#topics = new TopicRegistry(context.predefinedTopics, 64);
		this.#outbox = new Outbox({
			topics: this.#topics,
			assignTopicId: () => this.#nextTopicId++,
			send: (bytes) => this.#send(bytes),
			tRetry: context.tRetry,
			nRetry: context.nRetry,
			limit: context.bufferLimit,
			onLost: () => this.lose("no answer to retransmitted messages"),
			onDrained: () => this.#drained(),
		});
		this.#state = connect.will ? "willtopic" : "connecting";
		if (connect.will) this.#promptFor(sn.MsgType.WILLTOPICREQ);
		else this.#openBroker();
	}

	get state(): LinkState {
		return this.#state;
	}

	/** Messages waiting for the client (buffered while it sleeps). */
	get buffered(): number {
		return this.#outbox.length;
	}

	/**
	 * Another CONNECT with this client id. Returns false when it starts a new session (the
	 * gateway replaces the link); otherwise it was answered here: a waking client becomes
	 * active, a retransmission gets its answer again.
	 */
	reconnect(connect: ConnectMessage, endpoint: Endpoint, now: number): boolean {
		this.#lastHeard = now;
		switch (this.#state) {
			case "asleep":
			case "awake":
				// A clean session, or one with a new will, starts afresh.
				if (connect.cleanSession || connect.will) return false;
				// Otherwise the session lives on; this CONNECT only says "active again" (6.14).
				// Answers kept for retransmitted SUBSCRIBEs are void: a client that rebooted numbers from 1 again.
				this.#answers.clear();
				this.endpoint = endpoint;
				this.#state = "active";
				this.#send(encode({ type: sn.MsgType.CONNACK, returnCode: sn.ReturnCode.ACCEPTED }));
				this.#outbox.resume();
				return true;
			case "willtopic":
				this.#promptFor(sn.MsgType.WILLTOPICREQ);
				return true;
			case "willmsg":
			case "connecting":
				return true;
			case "active": {
				// A CONNACK lost on the way: the client asks again within its retry budget.
				const retransmitted =
					now - this.#connectedAt < this.#context.tRetry * (this.#context.nRetry + 1) &&
					connect.cleanSession === this.#cleanSession &&
					endpoint.address === this.endpoint.address &&
					endpoint.port === this.endpoint.port;
				if (!retransmitted) return false;
				this.#send(encode({ type: sn.MsgType.CONNACK, returnCode: sn.ReturnCode.ACCEPTED }));
				return true;
			}
			default:
				return false;
		}
	}

	/** PINGREQ with the client id (6.14): deliver what was buffered, then PINGRESP. */
	wake(endpoint: Endpoint, now: number): void {
		this.#lastHeard = now;
		this.endpoint = endpoint;
		if (this.#state === "asleep") {
			this.#state = "awake";
			this.#outbox.resume();
		} else if (this.#state === "active") this.#send(encode({ type: sn.MsgType.PINGRESP }));
	}

	/** A message from this client's endpoint. */
	handle(message: Message, now: number): void {
		this.#lastHeard = now;
		switch (message.type) {
			case sn.MsgType.WILLTOPIC:
				return this.#onWillTopic(message.willTopic, message.qos, message.retain);
			case sn.MsgType.WILLMSG:
				if (this.#state !== "willmsg" || !this.#will) return;
				this.#will.payload = message.willMsg.slice();
				this.#clearPrompt();
				this.#state = "connecting";
				this.#openBroker();
				return;
			case sn.MsgType.REGISTER:
				return this.#onRegister(message.topicName, message.msgId);
			case sn.MsgType.PUBLISH:
				return this.#onPublish(message);
			case sn.MsgType.PUBREL:
				this.#incoming.release(message.msgId);
				this.#send(encode({ type: sn.MsgType.PUBCOMP, msgId: message.msgId }));
				return;
			case sn.MsgType.SUBSCRIBE:
				return this.#onSubscribe(message.topic, message.qos, message.msgId);
			case sn.MsgType.UNSUBSCRIBE:
				return this.#onUnsubscribe(message.topic, message.msgId);
			case sn.MsgType.REGACK:
			case sn.MsgType.PUBACK:
			case sn.MsgType.PUBREC:
			case sn.MsgType.PUBCOMP:
				this.#outbox.handle(message);
				return;
			case sn.MsgType.PINGREQ:
				if (this.#state === "active") this.#send(encode({ type: sn.MsgType.PINGRESP }));
				return;
			case sn.MsgType.DISCONNECT:
				return this.#onDisconnect(message.duration);
			case sn.MsgType.WILLTOPICUPD:
				if (this.#state !== "active") return;
				this.#will = message.willTopic === "" ? undefined : { topic: message.willTopic, qos: clampQos(message.qos), retain: message.retain, payload: this.#will?.payload ?? new Uint8Array(0) };
				this.#send(encode({ type: sn.MsgType.WILLTOPICRESP, returnCode: sn.ReturnCode.ACCEPTED }));
				this.#reopenBroker();
				return;
			case sn.MsgType.WILLMSGUPD:
				if (this.#state !== "active") return;
				if (this.#will) this.#will.payload = message.willMsg.slice();
				this.#send(encode({ type: sn.MsgType.WILLMSGRESP, returnCode: this.#will ? sn.ReturnCode.ACCEPTED : sn.ReturnCode.REJECTED_NOT_SUPPORTED }));
				if (this.#will) this.#reopenBroker();
				return;
			default:
				return;
		}
	}

	/** Keep-alive and sleep supervision, called now and then by the gateway. */
	supervise(now: number): void {
		const silent = now - this.#lastHeard;
		if (this.#state === "active" && this.#keepAlive > 0 && silent > this.#keepAlive * 1000 * GRACE) this.lose(`silent for ${silent} ms, keep-alive ${this.#keepAlive} s`);
		else if ((this.#state === "asleep" || this.#state === "awake") && silent > this.#sleepMs * GRACE) this.lose(`asleep past its ${this.#sleepMs / 1000} s`);
	}

	/** The client is gone without DISCONNECT: the broker connection drops without one, so the will is published. */
	lose(reason: string): void {
		if (this.#state === "closed") return;
		this.#context.log("client-lost", { clientId: this.clientId, reason });
		this.#end(true);
	}

	/** Closes cleanly (DISCONNECT to the broker: no will), for a new session or the gateway stopping. */
	close(): void {
		this.#end(false);
	}

	#end(force: boolean): void {
		if (this.#state === "closed") return;
		this.#state = "closed";
		this.#clearPrompt();
		this.#outbox.close();
		const client = this.#mqtt;
		this.#mqtt = undefined;
		client?.end(force);
		this.#context.closed(this);
	}

	#onWillTopic(willTopic: string, qos: sn.QoS, retain: boolean): void {
		if (this.#state === "willmsg") {
			this.#promptFor(sn.MsgType.WILLMSGREQ); // our WILLMSGREQ was lost: the client repeated itself
			return;
		}
		if (this.#state !== "willtopic") return;
		this.#clearPrompt();
		if (willTopic === "") {
			this.#state = "connecting";
			this.#openBroker();
			return;
		}
		this.#will = { topic: willTopic, qos: clampQos(qos), retain, payload: new Uint8Array(0) };
		this.#state = "willmsg";
		this.#promptFor(sn.MsgType.WILLMSGREQ);
	}

	#onRegister(topicName: string, msgId: number): void {
		if (this.#state !== "active") return;
		let topicId = 0;
		let returnCode: number = sn.ReturnCode.ACCEPTED;
		try {
			validateTopicName(topicName);
			topicId = this.#idFor(topicName);
		} catch {
			returnCode = sn.ReturnCode.REJECTED_NOT_SUPPORTED;
		}
		this.#send(encode({ type: sn.MsgType.REGACK, topicId, msgId, returnCode }));
	}

	#onPublish(message: PublishMessage): void {
		const client = this.#mqtt;
		if (!client || (this.#state !== "active" && this.#state !== "awake")) return;
		const { topicIdType, topicId, msgId, qos, retain } = message;
		const topic = this.#topics.nameOf(topicIdType, topicId);
		if (topic === undefined) {
			this.#send(encode({ type: sn.MsgType.PUBACK, topicId, msgId, returnCode: sn.ReturnCode.REJECTED_INVALID_TOPIC_ID }));
			return;
		}
		const payload = Buffer.from(message.data);
		if (qos === 0 || qos === -1) {
			client.publish(topic, payload, { qos: 0, retain });
			return;
		}
		if (this.#forwarding.has(msgId)) return; // the broker's answer is on its way
		if (qos === 2 && !this.#incoming.accept(msgId)) {
			this.#send(encode({ type: sn.MsgType.PUBREC, msgId })); // forwarded once already
			return;
		}
		this.#forwarding.add(msgId);
		client.publish(topic, payload, { qos, retain }, (error) => {
			this.#forwarding.delete(msgId);
			// An error means the connection is going away, and this link with it.
			if (error || this.#state === "closed") return;
			this.#send(encode(qos === 1 ? { type: sn.MsgType.PUBACK, topicId, msgId, returnCode: sn.ReturnCode.ACCEPTED } : { type: sn.MsgType.PUBREC, msgId }));
		});
	}

	#onSubscribe(topic: TopicRef, qos: sn.QoS, msgId: number): void {
		const client = this.#mqtt;
		if (!client || this.#state !== "active" || this.#answerAgain(msgId)) return;
		const filter = topic.topicIdType === sn.TopicIdType.NORMAL ? topic.topicName : this.#topics.nameOf(topic.topicIdType, topic.topicId);
		const refuse = (returnCode: number) => this.#answer(msgId, encode({ type: sn.MsgType.SUBACK, qos: 0, topicId: 0, msgId, returnCode }));
		if (filter === undefined) return refuse(sn.ReturnCode.REJECTED_INVALID_TOPIC_ID);
		try {
			validateTopicFilter(filter);
		} catch {
			return refuse(sn.ReturnCode.REJECTED_NOT_SUPPORTED);
		}
		const wanted = clampQos(qos);
		this.#working.add(msgId);
		client.subscribe(filter, { qos: wanted }, (error, granted) => {
			this.#working.delete(msgId);
			if (this.#state === "closed") return;
			const grantedQos = granted?.[0]?.qos;
			if (error || grantedQos === undefined || grantedQos > 2) return refuse(sn.ReturnCode.REJECTED_NOT_SUPPORTED);
			this.#subscriptions.set(filter, wanted);
			// A topic name without wildcards gets its id now; a filter's topics are registered as messages come (6.9).
			const topicId =
				topic.topicIdType === sn.TopicIdType.PREDEFINED ? topic.topicId : topic.topicIdType === sn.TopicIdType.NORMAL && !/[+#]/.test(filter) ? this.#idFor(filter) : 0;
			this.#answer(msgId, encode({ type: sn.MsgType.SUBACK, qos: grantedQos as sn.QoS, topicId, msgId, returnCode: sn.ReturnCode.ACCEPTED }));
		});
	}

	#onUnsubscribe(topic: TopicRef, msgId: number): void {
		const client = this.#mqtt;
		if (!client || this.#state !== "active" || this.#answerAgain(msgId)) return;
		const filter = topic.topicIdType === sn.TopicIdType.NORMAL ? topic.topicName : this.#topics.nameOf(topic.topicIdType, topic.topicId);
		const unsuback = encode({ type: sn.MsgType.UNSUBACK, msgId });
		if (filter === undefined) return this.#answer(msgId, unsuback);
		this.#working.add(msgId);
		client.unsubscribe(filter, () => {
			this.#working.delete(msgId);
			this.#subscriptions.delete(filter);
			if (this.#state !== "closed") this.#answer(msgId, unsuback);
		});
	}

	#onDisconnect(duration: number | undefined): void {
		if (duration === undefined || duration === 0) {
			this.#send(encode({ type: sn.MsgType.DISCONNECT }));
			this.close();
			return;
		}
		if (this.#state !== "active" && this.#state !== "asleep" && this.#state !== "awake") return;
		this.#state = "asleep";
		this.#sleepMs = duration * 1000;
		this.#outbox.pause();
		this.#send(encode({ type: sn.MsgType.DISCONNECT }));
	}

	/** The outbox is empty: a waking client has had everything and goes back to sleep. */
	#drained(): void {
		if (this.#state !== "awake") return;
		this.#state = "asleep";
		this.#outbox.pause();
		this.#send(encode({ type: sn.MsgType.PINGRESP }));
	}

	/** A retransmitted request: resend the answer, or wait for the one in the works. */
	#answerAgain(msgId: number): boolean {
		if (this.#working.has(msgId)) return true;
		const answer = this.#answers.get(msgId);
		if (answer) this.#send(answer);
		return answer !== undefined;
	}

	#answer(msgId: number, bytes: Uint8Array): void {
		this.#answers.set(msgId, bytes);
		if (this.#answers.size > ANSWERS) this.#answers.delete(this.#answers.keys().next().value as number);
		this.#send(bytes);
	}

	/** The normal topic id of `name` for this client, assigned on first use. */
	#idFor(name: string): number {
		const known = this.#topics.idOf(name);
		if (known && topicIdType(known) === sn.TopicIdType.NORMAL) return known;
		const id = this.#nextTopicId++;
		this.#topics.register(name, id);
		return id;
	}

	#openBroker(): void {
		const will = this.#will;
		const client = mqtt.connect(this.#context.broker, {
			clientId: this.clientId,
			clean: this.#cleanSession,
			keepalive: BROKER_KEEPALIVE,
			reconnectPeriod: 0,
			connectTimeout: 10_000,
			will: will && { topic: will.topic, payload: Buffer.from(will.payload), qos: will.qos, retain: will.retain },
		});
		this.#mqtt = client;
		client.on("connect", () => {
			if (this.#mqtt !== client) return;
			const first = this.#state === "connecting";
			if (first) {
				this.#state = "active";
				this.#connectedAt = Date.now();
				this.#send(encode({ type: sn.MsgType.CONNACK, returnCode: sn.ReturnCode.ACCEPTED }));
				this.#context.log("client-connected", { clientId: this.clientId, address: `${this.endpoint.address}:${this.endpoint.port}` });
				this.#outbox.resume();
			} else if (this.#reopenWhenConnected) this.#reopenBroker();
			else if (this.#cleanSession) for (const [filter, qos] of this.#subscriptions) client.subscribe(filter, { qos });
		});
		client.on("message", (topic, payload, packet) => {
			if (this.#mqtt === client) this.#outbox.push({ topic, payload, qos: packet.qos, retain: packet.retain });
		});
		client.on("error", () => undefined); // "close" follows and says what matters
		client.on("close", () => {
			if (this.#mqtt !== client || this.#state === "closed") return;
			if (this.#state === "connecting") this.#send(encode({ type: sn.MsgType.CONNACK, returnCode: sn.ReturnCode.REJECTED_CONGESTION }));
			else this.#send(encode({ type: sn.MsgType.DISCONNECT }));
			this.#context.log("broker-lost", { clientId: this.clientId });
			this.#end(true);
		});
	}

	/**
	 * A new will takes a new MQTT connection (MQTT 3.1.1 has no will update). The old one
	 * closes cleanly first, so its will is not published: a new connection with the same
	 * client id while the old one lives would be a takeover, and a broker may publish the
	 * old will then. An update arriving meanwhile is taken up by the connection to come.
	 */
	#reopenBroker(): void {
		const old = this.#mqtt;
		if (!old) return;
		// Closed before its CONNACK, a connection may be dropped without DISCONNECT, will and all.
		if (!old.connected) {
			this.#reopenWhenConnected = true;
			return;
		}
		this.#reopenWhenConnected = false;
		this.#mqtt = undefined;
		old.end(false, {}, () => {
			if (this.#state !== "closed") this.#openBroker();
		});
	}

	#promptFor(type: sn.MsgType.WILLTOPICREQ | sn.MsgType.WILLMSGREQ): void {
		this.#clearPrompt();
		const bytes = encode({ type });
		const prompt = { bytes, retries: 0, timer: setTimeout(() => this.#repeatPrompt(), this.#context.tRetry) };
		this.#prompt = prompt;
		this.#send(bytes);
	}

	#repeatPrompt(): void {
		const prompt = this.#prompt;
		if (!prompt) return;
		if (prompt.retries >= this.#context.nRetry) {
			this.lose("no answer to the will prompts");
			return;
		}
		prompt.retries++;
		this.#send(prompt.bytes);
		prompt.timer = setTimeout(() => this.#repeatPrompt(), this.#context.tRetry);
	}

	#clearPrompt(): void {
		if (this.#prompt) clearTimeout(this.#prompt.timer);
		this.#prompt = undefined;
	}

	#send(bytes: Uint8Array): void {
		this.#context.send(bytes, this.endpoint);
	}
}

/** MQTT has no QoS -1: a will or subscription asking for it gets QoS 0. */
function clampQos(qos: sn.QoS): 0 | 1 | 2 {
	return qos === -1 ? 0 : qos;
}
