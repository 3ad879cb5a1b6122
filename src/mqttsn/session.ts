/**
 * The MQTT-SN 1.2 client as a sans-IO state machine. It is told what arrived
 * (`received`, with the sender's address) and what time it is (`tick`), and what the
 * application wants (`connect`, `publish`, `subscribe`, `sleep`, ...); it answers with
 * datagrams to send (`pollTransmit`), events (`pollEvent`) and the time it next needs a
 * tick (`nextTimeout`). No socket, no timer: tests run it on a virtual clock.
 *
 * Two exchanges can be open at once, each supervised by Tretry/Nretry (6.13):
 * - the control exchange: CONNECT (with the will prompts), DISCONNECT, PINGREQ;
 * - the lane: one request at a time, in order (REGISTER, PUBLISH QoS 1/2 with PUBREL,
 *   SUBSCRIBE, UNSUBSCRIBE, WILLTOPICUPD, WILLMSGUPD). The specification allows a
 *   client one outstanding REGISTER, one outstanding QoS 1/2 PUBLISH and one SUBSCRIBE
 *   or UNSUBSCRIBE (6.5, 6.6, 6.8); one lane for all keeps messages in the order the
 *   application published them, QoS 0 included.
 * Unanswered after Nretry retransmissions, or silent for N_ADV advertise periods, the
 * gateway is lost: a discovered one is forgotten and searched for again.
 */
import { ProtocolError } from "../common/errors";
import { validateTopicFilter, validateTopicName } from "../mqtt/topic";
import { decode } from "./decode";
import { AdvertiseWatch, SearchSchedule, sameEndpoint, type Gateway } from "./discovery";
import { encode, encodedLength } from "./encode";
import { markDup } from "./flags";
import * as sn from "./packet";
import type { Message, PublishMessage, QoS, TopicRef } from "./packet";
import { ReleaseWindow } from "./release-window";
import type { SessionState, StoredPublish } from "./state";
import { TopicRegistry } from "./topic-registry";

export interface Will {
	readonly topic: string;
	readonly payload: Uint8Array;
	readonly qos: 0 | 1 | 2;
	readonly retain: boolean;
}

/** Where SEARCHGW goes: a broadcast address on a device, the gateway's port on loopback. */
export interface SearchTarget {
	readonly address: string;
	readonly port: number;
	/** Broadcast radius, in hops (5.4.2). */
	readonly radius: number;
}

/** Timer and counter defaults of the specification (section 7.2), in ms. */
export const T_RETRY = 10_000; // 10-15 s
export const N_RETRY = 5; // 3-5
export const T_SEARCHGW = 5_000;
export const T_GWINFO = 5_000;
export const T_WAIT = 300_000; // "greater than 5 minutes"
export const N_ADV = 2; // 2-3

export interface MqttSnSessionOptions {
	/** 1-23 characters (5.3.1); empty for a generated one with a clean session. */
	readonly clientId: string;
	readonly cleanSession: boolean;
	/** Seconds; 0 turns keep-alive off. */
	readonly keepAlive: number;
	readonly will?: Will;
	/** A configured gateway (an address, see `setGateway` for host names); without it the client searches. */
	readonly gateway?: Gateway;
	readonly search?: SearchTarget;
	/** Topic name -> predefined topic id, as the gateway is configured. */
	readonly predefinedTopics?: Readonly<Record<string, number>>;
	/** Retransmission interval and count (Tretry in ms, Nretry). */
	readonly tRetry?: number;
	readonly nRetry?: number;
	/**
	 * Retransmissions of a waking PINGREQ (default Nretry). Unanswered after these, the
	 * gateway does not hold the sleeping session for this address (it restarted, or the
	 * device's address changed and it matches clients by address): the session CONNECTs
	 * again at once, clean session false, so the broker keeps its subscriptions and queue.
	 */
	readonly awakeRetries?: number;
	/** Discovery: first SEARCHGW within [0, tSearchGw), an answer awaited tGwInfo, delays capped at maxSearchDelay. */
	readonly tSearchGw?: number;
	readonly tGwInfo?: number;
	readonly maxSearchDelay?: number;
	/** ADVERTISEs in a row that may be missed before the gateway is lost (N_ADV). */
	readonly nAdv?: number;
	/** How long to back off after "rejected: congestion", ms (T_WAIT). */
	readonly tWait?: number;
	/** Largest datagram accepted or sent (default 1024). */
	readonly maxPacketSize?: number;
	/** Requests waiting behind the lane (default 100). */
	readonly maxQueued?: number;
	/** State saved by `exportState`, for instance across deep sleep. */
	readonly state?: SessionState;
	readonly random?: () => number;
}

export type SessionStatus = "disconnected" | "searching" | "connecting" | "active" | "disconnecting" | "asleep" | "awake";

export interface ReceivedMessage {
	readonly topic: string;
	readonly payload: Uint8Array;
	readonly qos: QoS;
	readonly retain: boolean;
	readonly dup: boolean;
}

export type SessionEvent =
	| { readonly type: "gateway"; readonly gateway: Gateway }
	| { readonly type: "connected" }
	| { readonly type: "message"; readonly message: ReceivedMessage }
	/** DISCONNECT(duration) acknowledged, or a wake-up's buffered messages all collected. */
	| { readonly type: "asleep" }
	/** The waking PINGREQ went unanswered: the session CONNECTs again (clean session false) by itself. */
	| { readonly type: "reconnecting"; readonly reason: string }
	/** No longer connected: `error` unless the application asked for it. */
	| { readonly type: "disconnected"; readonly error?: ProtocolError };

export interface Datagram {
	readonly bytes: Uint8Array;
	readonly address: string;
	readonly port: number;
}

/** Bad datagrams dropped, by reason; none of them reaches the application. */
export interface DropCounts {
	/** Truncated, Length not the datagram's size, fields that do not fit. */
	malformed: number;
	oversized: number;
	unknownType: number;
	/** From an address that is not the gateway. */
	foreign: number;
	/** Well-formed, but nothing waits for it (stale acknowledgements, wrong state). */
	unexpected: number;
}

export type Done = (error?: ProtocolError) => void;
export type SubscribeDone = (error: ProtocolError | undefined, grantedQos: QoS) => void;

interface PublishOp {
	readonly kind: "publish";
	readonly topic: string;
	readonly payload: Uint8Array;
	readonly qos: 0 | 1 | 2;
	readonly retain: boolean;
	/** 0 until first sent; kept for every retransmission. */
	msgId: number;
	released: boolean;
	rejections: number;
	done?: Done;
}

type Operation =
	| PublishOp
	| { readonly kind: "subscribe"; readonly topic: string; readonly qos: 0 | 1 | 2; rejections: number; done?: SubscribeDone }
	| { readonly kind: "unsubscribe"; readonly topic: string; rejections: number; done?: Done }
	| { readonly kind: "willtopic"; readonly will: Will | undefined; rejections: number; done?: Done }
	| { readonly kind: "willmsg"; readonly payload: Uint8Array; rejections: number; done?: Done };

/** A request awaiting its answer: resent every Tretry, at most Nretry times. */
interface Exchange {
	/** MsgType of the answer, and its MsgId (0 when it has none). */
	readonly expect: number;
	readonly msgId: number;
	readonly bytes: Uint8Array;
	/** A resend carries DUP (PUBLISH, SUBSCRIBE). */
	readonly dup: boolean;
	sentAt: number;
	retries: number;
	/** After "rejected: congestion": nothing is sent before this time. */
	waitUntil: number;
}

export class MqttSnSession {
	readonly clientId: string;
	readonly dropped: DropCounts = { malformed: 0, oversized: 0, unknownType: 0, foreign: 0, unexpected: 0 };
	readonly #options: MqttSnSessionOptions;
	readonly #tRetry: number;
	readonly #nRetry: number;
	readonly #awakeRetries: number;
	readonly #tWait: number;
	readonly #maxPacketSize: number;
	readonly #maxQueued: number;
	readonly #search: SearchSchedule;
	readonly #advertise: AdvertiseWatch;
	readonly #topics: TopicRegistry;
	readonly #incoming = new ReleaseWindow();

	#status: SessionStatus = "disconnected";
	#gateway: Gateway | undefined;
	/** Configured, not discovered: never forgotten, never searched for. */
	#configured: boolean;
	#will: Will | undefined;
	#nextMsgId = 1;
	#lastSent = 0;
	/** What the open control exchange is for: a plain DISCONNECT or going to sleep. */
	#sleeping = false;
	/** The CONNECT in progress asked for a clean session. */
	#cleanConnect = false;
	/** The CONNECT in progress wakes a sleeping session: until CONNACK the gateway may still hold it asleep. */
	#resuming = false;
	#control: Exchange | undefined;
	#lane: Exchange | undefined;
	#queue: Operation[] = [];
	/** Subscriptions the application wants; `active` once the gateway acknowledged them. */
	readonly #subscriptions = new Map<string, { qos: 0 | 1 | 2; active: boolean }>();

	#transmit: Datagram[] = [];
	#events: SessionEvent[] = [];

	constructor(options: MqttSnSessionOptions) {
		this.#options = options;
		this.#tRetry = options.tRetry ?? T_RETRY;
		this.#nRetry = options.nRetry ?? N_RETRY;
		this.#awakeRetries = options.awakeRetries ?? this.#nRetry;
		this.#tWait = options.tWait ?? T_WAIT;
		this.#maxPacketSize = options.maxPacketSize ?? 1024;
		this.#maxQueued = options.maxQueued ?? 100;
		const random = options.random ?? Math.random;
		this.#search = new SearchSchedule(options.tSearchGw ?? T_SEARCHGW, options.tGwInfo ?? T_GWINFO, options.maxSearchDelay ?? T_WAIT, random);
		this.#advertise = new AdvertiseWatch(options.nAdv ?? N_ADV);
		this.#topics = new TopicRegistry(options.predefinedTopics);
		this.#will = options.will;
		this.#gateway = options.gateway;
		this.#configured = options.gateway !== undefined;
		if (options.clientId === "") {
			if (!options.cleanSession) throw new ProtocolError("PROTOCOL_VIOLATION", "a persistent session (CleanSession 0) needs a ClientId: the gateway keeps the session under it");
			this.clientId = generateClientId(random);
		} else this.clientId = options.clientId;
		if (options.state) this.#restore(options.state);
	}

	get status(): SessionStatus {
		return this.#status;
	}

	get gateway(): Gateway | undefined {
		return this.#gateway;
	}

	/**
	 * The gateway may hold this client's sleeping session (asleep, collecting, or a CONNECT
	 * from there not yet acknowledged): a DISCONNECT now would end it, and the next boot
	 * should wake it with PINGREQ rather than start over.
	 */
	get asleepAtGateway(): boolean {
		const status = this.#status;
		return status === "asleep" || status === "awake" || (status === "connecting" && this.#resuming);
	}

	/** Nothing queued, nothing awaiting an answer in the lane. */
	get idle(): boolean {
		return this.#queue.length === 0;
	}

	/** A configured gateway whose host name the board has just resolved. */
	setGateway(gateway: Gateway): void {
		if (this.#gateway && !sameEndpoint(this.#gateway, gateway.address, gateway.port)) this.#topics.clear();
		this.#gateway = gateway;
		this.#configured = true;
	}

	// --- what the application wants --------------------------------------------------------

	/** Connects (searching first when no gateway is known); from asleep, becomes active again. */
	connect(now: number): void {
		switch (this.#status) {
			case "disconnected":
				if (this.#gateway) this.#sendConnect(this.#will !== undefined, this.#options.cleanSession, now);
				else if (this.#options.search) {
					this.#status = "searching";
					this.#search.start(now);
				} else throw new ProtocolError("PROTOCOL_VIOLATION", "CONNECT needs a gateway address, or a search target to discover one (SEARCHGW)");
				return;
			case "asleep":
			case "awake":
				// The gateway holds the session: this CONNECT only says "active again" (6.14).
				this.#sendConnect(false, false, now);
				this.#resuming = true;
				return;
			default:
				return;
		}
	}

	/**
	 * Publishes. QoS -1 goes out at once, connected or not, to a predefined or short
	 * topic; the others wait their turn in the lane. Throws ProtocolError, with nothing
	 * queued, for an invalid topic, a message over the maximum size or a full queue.
	 */
	publish(topic: string, payload: Uint8Array, qos: QoS, retain: boolean, now: number, done?: Done): void {
		validateTopicName(topic);
		if (qos !== -1 && qos !== 0 && qos !== 1 && qos !== 2) throw new ProtocolError("PROTOCOL_VIOLATION", `QoS ${qos} does not exist`);
		const size = encodedLength({ type: sn.PUBLISH, dup: false, qos, retain, topicIdType: sn.TOPIC_NORMAL, topicId: 0, msgId: 0, data: payload });
		if (size > this.#maxPacketSize) throw new ProtocolError("PACKET_TOO_LARGE", `PUBLISH of ${size} bytes is over the ${this.#maxPacketSize}-byte maximum`);
		if (qos === -1) {
			const id = this.#topics.fixedId(topic);
			if (!id) throw new ProtocolError("INVALID_TOPIC", `QoS -1 needs a predefined or short topic, not "${topic}"`);
			if (!this.#gateway) throw new ProtocolError("PROTOCOL_VIOLATION", "QoS -1 needs a known gateway");
			this.#send(encode({ type: sn.PUBLISH, dup: false, qos, retain, topicIdType: id.topicIdType, topicId: id.topicId, msgId: 0, data: payload }), now);
			done?.();
			return;
		}
		this.#enqueue({ kind: "publish", topic, payload, qos, retain, msgId: 0, released: false, rejections: 0, done }, now);
	}

	/** Subscribes to a filter (wildcards allowed), a predefined topic or a short name. */
	subscribe(topic: string, qos: 0 | 1 | 2, now: number, done?: SubscribeDone): void {
		validateTopicFilter(topic);
		this.#subscriptions.set(topic, { qos, active: false });
		this.#enqueue({ kind: "subscribe", topic, qos, rejections: 0, done }, now);
	}

	unsubscribe(topic: string, now: number, done?: Done): void {
		validateTopicFilter(topic);
		this.#subscriptions.delete(topic);
		this.#enqueue({ kind: "unsubscribe", topic, rejections: 0, done }, now);
	}

	/** Changes the will at the gateway (WILLTOPICUPD, then WILLMSGUPD); undefined deletes it. */
	updateWill(will: Will | undefined, now: number, done?: Done): void {
		if (will) validateTopicName(will.topic);
		this.#will = will;
		if (!will) {
			this.#enqueue({ kind: "willtopic", will, rejections: 0, done }, now);
			return;
		}
		this.#enqueue({ kind: "willtopic", will, rejections: 0 }, now);
		this.#enqueue({ kind: "willmsg", payload: will.payload, rejections: 0, done }, now);
	}

	/** Goes to sleep for `duration` seconds (DISCONNECT with a duration): the gateway buffers for us. */
	sleep(duration: number, now: number): void {
		if (this.#status !== "active") throw new ProtocolError("PROTOCOL_VIOLATION", `cannot sleep while ${this.#status}`);
		this.#leaveActive();
		this.#status = "disconnecting";
		this.#sleeping = true;
		this.#openControl(encode({ type: sn.DISCONNECT, duration }), sn.DISCONNECT, now);
	}

	/** Asleep: wakes to collect buffered messages (PINGREQ with the client id); PINGRESP puts it back to sleep. */
	checkMessages(now: number): void {
		if (this.#status !== "asleep") throw new ProtocolError("PROTOCOL_VIOLATION", `cannot collect messages while ${this.#status}`);
		this.#status = "awake";
		this.#openControl(encode({ type: sn.PINGREQ, clientId: this.clientId }), sn.PINGRESP, now);
	}

	/** Sends DISCONNECT (the gateway then drops the will) and stops searching. */
	disconnect(now: number): void {
		this.#search.stop();
		switch (this.#status) {
			case "disconnected":
			case "disconnecting":
				return;
			case "searching":
				this.#status = "disconnected";
				return;
			default:
				this.#leaveActive();
				this.#status = "disconnecting";
				this.#sleeping = false;
				this.#openControl(encode({ type: sn.DISCONNECT }), sn.DISCONNECT, now);
		}
	}

	/** Completes every waiting callback with `error` (the client is stopping); messages stay for `exportState`. */
	failPending(error: ProtocolError): void {
		const queue = this.#queue;
		this.#queue = queue.filter((op) => op.kind === "publish" && op.qos > 0);
		for (const op of queue) {
			const done = op.done;
			op.done = undefined;
			if (op.kind === "subscribe") (done as SubscribeDone | undefined)?.(error, 0);
			else (done as Done | undefined)?.(error);
		}
		this.#lane = undefined;
	}

	exportState(): SessionState {
		const outgoing: StoredPublish[] = [];
		for (const op of this.#queue)
			if (op.kind === "publish" && op.qos > 0)
				outgoing.push({ topic: op.topic, payload: op.payload, qos: op.qos as 1 | 2, retain: op.retain, msgId: op.msgId, released: op.released });
		const subscriptions: { topic: string; qos: 0 | 1 | 2 }[] = [];
		for (const [topic, s] of this.#subscriptions) if (s.active) subscriptions.push({ topic, qos: s.qos });
		return {
			gateway: this.#gateway,
			asleep: this.asleepAtGateway,
			nextMsgId: this.#nextMsgId,
			registrations: this.#topics.registrations(),
			subscriptions,
			outgoing,
			awaitingRelease: this.#incoming.awaiting(),
		};
	}

	// --- what happened ---------------------------------------------------------------------

	/** A datagram arrived from `address`:`port`. Bad ones are counted in `dropped`, never thrown. */
	received(datagram: Uint8Array, address: string, port: number, now: number): void {
		const gateway = this.#gateway;
		// Once the gateway is known, nothing from anyone else is even decoded: a stray or forged
		// datagram from another port costs a comparison, and cannot reach the decoder or the state.
		// While searching, anyone may answer (ADVERTISE, GWINFO, another client's SEARCHGW).
		if (gateway && !sameEndpoint(gateway, address, port)) {
			this.dropped.foreign++;
			return;
		}
		let message: Message;
		try {
			message = decode(datagram, this.#maxPacketSize);
		} catch (error) {
			// The decoder throws ProtocolErrors only; anything else would be its bug, and still
			// only a bad datagram: counted as malformed rather than thrown at the socket.
			const code = error instanceof ProtocolError ? error.code : "MALFORMED_PACKET";
			if (code === "PACKET_TOO_LARGE") this.dropped.oversized++;
			else if (code === "UNKNOWN_PACKET_TYPE") this.dropped.unknownType++;
			else this.dropped.malformed++;
			return;
		}
		if (message.type === sn.SEARCHGW) {
			this.#search.heardSearch(now);
			return;
		}
		if (!gateway) {
			if (message.type === sn.ADVERTISE || message.type === sn.GWINFO) this.#found(message, address, port, now);
			else this.dropped.foreign++;
			return;
		}
		if (!this.#handle(message, now)) this.dropped.unexpected++;
	}

	/** Time passed: retransmissions, keep-alive, discovery, advertise supervision. */
	tick(now: number): void {
		const status = this.#status;
		if (status === "searching" && this.#search.due(now)) {
			const search = this.#options.search as SearchTarget;
			this.#transmit.push({ bytes: encode({ type: sn.SEARCHGW, radius: search.radius }), address: search.address, port: search.port });
		}
		if (this.#gateway && this.#advertise.expired(now)) {
			this.#advertise.reset();
			if (status === "active" || status === "connecting" || status === "awake" || status === "disconnecting") {
				this.#lost(`no ADVERTISE from the gateway for ${this.#options.nAdv ?? N_ADV} periods`);
				return;
			}
			if (status === "disconnected") this.#forgetGateway();
		}
		const control = this.#control;
		if (control && now >= control.sentAt + this.#tRetry) {
			if (status === "awake" && control.retries >= this.#awakeRetries) {
				this.#connectAgain(now);
				return;
			}
			if (control.retries >= this.#nRetry) {
				if (status === "disconnecting" && !this.#sleeping) this.#disconnected(undefined);
				else this.#lost(`no answer to ${this.#nRetry} retransmissions`);
				return;
			}
			this.#retransmit(control, now);
		}
		const lane = this.#lane;
		if (lane && now >= lane.waitUntil) {
			if (lane.waitUntil > 0) {
				lane.waitUntil = 0;
				lane.retries = 0;
				this.#retransmit(lane, now);
			} else if (now >= lane.sentAt + this.#tRetry) {
				if (lane.retries >= this.#nRetry) {
					this.#lost(`no answer to ${this.#nRetry} retransmissions`);
					return;
				}
				this.#retransmit(lane, now);
			}
		}
		const keepAlive = this.#options.keepAlive * 1000;
		if (this.#status === "active" && keepAlive > 0 && !this.#control && now - this.#lastSent >= keepAlive)
			this.#openControl(encode({ type: sn.PINGREQ }), sn.PINGRESP, now);
	}

	/** When `tick` must next be called, or undefined when nothing is pending. */
	nextTimeout(): number | undefined {
		let next = Infinity;
		const status = this.#status;
		if (status === "searching") next = Math.min(next, this.#search.nextTimeout() ?? Infinity);
		if (this.#gateway && status !== "asleep") next = Math.min(next, this.#advertise.nextTimeout() ?? Infinity);
		if (this.#control) next = Math.min(next, this.#control.sentAt + this.#tRetry);
		const lane = this.#lane;
		if (lane) next = Math.min(next, lane.waitUntil > 0 ? lane.waitUntil : lane.sentAt + this.#tRetry);
		const keepAlive = this.#options.keepAlive * 1000;
		if (status === "active" && keepAlive > 0 && !this.#control) next = Math.min(next, this.#lastSent + keepAlive);
		return next === Infinity ? undefined : next;
	}

	pollTransmit(): Datagram | undefined {
		return this.#transmit.shift();
	}

	pollEvent(): SessionEvent | undefined {
		return this.#events.shift();
	}

	// --- internals: what arrived from the gateway ------------------------------------------

	/** Returns false when nothing was waiting for `message`. */
	#handle(message: Message, now: number): boolean {
		switch (message.type) {
			case sn.ADVERTISE:
				this.#advertise.heard(message.duration, now);
				return true;
			case sn.GWINFO:
				return true;
			case sn.CONNACK:
				return this.#onConnack(message.returnCode, now);
			case sn.WILLTOPICREQ:
			case sn.WILLMSGREQ:
				return this.#onWillPrompt(message.type, now);
			case sn.DISCONNECT:
				return this.#onDisconnect();
			case sn.PINGRESP:
				return this.#onPingresp();
			case sn.PINGREQ:
				this.#send(encode({ type: sn.PINGRESP }), now);
				return true;
			case sn.PUBLISH:
				return this.#onPublish(message, now);
			case sn.PUBREL:
				if (!this.#receiving()) return false;
				this.#incoming.release(message.msgId);
				this.#send(encode({ type: sn.PUBCOMP, msgId: message.msgId }), now);
				return true;
			case sn.REGISTER:
				if (!this.#receiving()) return false;
				if (message.topicId === 0 || message.topicId === 0xffff) {
					this.#send(encode({ type: sn.REGACK, topicId: message.topicId, msgId: message.msgId, returnCode: sn.REJECTED_INVALID_TOPIC_ID }), now);
					return true;
				}
				this.#topics.register(message.topicName, message.topicId);
				this.#send(encode({ type: sn.REGACK, topicId: message.topicId, msgId: message.msgId, returnCode: sn.ACCEPTED }), now);
				return true;
			case sn.REGACK:
			case sn.PUBACK:
			case sn.PUBREC:
			case sn.PUBCOMP:
			case sn.SUBACK:
			case sn.UNSUBACK:
			case sn.WILLTOPICRESP:
			case sn.WILLMSGRESP:
				return this.#onLaneAnswer(message, now);
			default:
				// CONNECT, SEARCHGW-like client messages: a gateway does not send these.
				return false;
		}
	}

	#found(message: Message, address: string, port: number, now: number): void {
		if (message.type !== sn.ADVERTISE && message.type !== sn.GWINFO) return;
		let gateway: Gateway = { gwId: message.gwId, address, port };
		// GWINFO from another client carries the gateway's address; on UDP, 4 octets of IPv4 and a port.
		if (message.type === sn.GWINFO && message.gwAdd) {
			const a = message.gwAdd;
			if (a.length !== 6) {
				this.dropped.unexpected++;
				return;
			}
			gateway = { gwId: message.gwId, address: `${a[0]}.${a[1]}.${a[2]}.${a[3]}`, port: (a[4] << 8) | a[5] };
		}
		this.#gateway = gateway;
		this.#topics.clear();
		if (message.type === sn.ADVERTISE) this.#advertise.heard(message.duration, now);
		this.#emit({ type: "gateway", gateway });
		if (this.#status === "searching") {
			this.#search.stop();
			this.#status = "disconnected";
			this.connect(now);
		}
	}

	#onConnack(returnCode: number, now: number): boolean {
		if (this.#status !== "connecting") return false;
		this.#control = undefined;
		this.#resuming = false;
		if (returnCode !== sn.ACCEPTED) {
			const code = returnCode === sn.REJECTED_CONGESTION ? "REJECTED_CONGESTION" : "CONNECTION_REFUSED";
			this.#disconnected(new ProtocolError(code, `gateway refused the connection: ${sn.returnCodeName(returnCode)}`));
			return true;
		}
		this.#status = "active";
		if (this.#cleanConnect) this.#startedClean();
		this.#emit({ type: "connected" });
		this.#advanceLane(now);
		return true;
	}

	/** A clean session at the gateway: ids are void, subscriptions are to be made again. */
	#startedClean(): void {
		this.#topics.clear();
		this.#incoming.clear();
		const head = this.#queue[0];
		if (head?.kind === "publish") head.released = false;
		const queued = new Set<string>();
		for (const op of this.#queue) if (op.kind === "subscribe") queued.add(op.topic);
		const again: Operation[] = [];
		for (const [topic, s] of this.#subscriptions) {
			if (s.active && !queued.has(topic)) again.push({ kind: "subscribe", topic, qos: s.qos, rejections: 0 });
		}
		if (again.length > 0) this.#queue = again.concat(this.#queue);
	}

	#onWillPrompt(type: typeof sn.WILLTOPICREQ | typeof sn.WILLMSGREQ, now: number): boolean {
		const control = this.#control;
		if (this.#status !== "connecting" || !control) return false;
		const will = this.#will;
		if (type === sn.WILLTOPICREQ)
			this.#send(encode(will ? { type: sn.WILLTOPIC, qos: will.qos, retain: will.retain, willTopic: will.topic } : { type: sn.WILLTOPIC, qos: 0, retain: false, willTopic: "" }), now);
		else this.#send(encode({ type: sn.WILLMSG, willMsg: will?.payload ?? new Uint8Array(0) }), now);
		// The gateway is alive and walking through the exchange: give it a full Tretry again.
		control.sentAt = now;
		control.retries = 0;
		return true;
	}

	#onDisconnect(): boolean {
		switch (this.#status) {
			case "disconnecting":
				this.#control = undefined;
				if (this.#sleeping) {
					this.#status = "asleep";
					this.#emit({ type: "asleep" });
				} else this.#disconnected(undefined);
				return true;
			case "active":
			case "awake":
			case "connecting":
				this.#disconnected(new ProtocolError("CONNECTION_LOST", "the gateway sent DISCONNECT"));
				return true;
			default:
				return false;
		}
	}

	#onPingresp(): boolean {
		const control = this.#control;
		if (!control || control.expect !== sn.PINGRESP) return false;
		this.#control = undefined;
		if (this.#status === "awake") {
			// Every buffered message has been delivered: back to sleep (6.14).
			this.#status = "asleep";
			this.#emit({ type: "asleep" });
		}
		return true;
	}

	#receiving(): boolean {
		const status = this.#status;
		return status === "active" || status === "awake" || status === "disconnecting";
	}

	#onPublish(message: PublishMessage, now: number): boolean {
		if (!this.#receiving()) return false;
		const { topicIdType, topicId, msgId, qos } = message;
		if (this.#status === "awake" && this.#control) {
			// Buffered messages are flowing: the gateway is alive, the PINGRESP will follow them.
			this.#control.sentAt = now;
			this.#control.retries = 0;
		}
		const topic = this.#topics.nameOf(topicIdType, topicId);
		if (topic === undefined) {
			this.#send(encode({ type: sn.PUBACK, topicId, msgId, returnCode: sn.REJECTED_INVALID_TOPIC_ID }), now);
			return false;
		}
		const deliver = qos !== 2 || this.#incoming.accept(msgId);
		if (deliver) this.#emit({ type: "message", message: { topic, payload: message.data, qos, retain: message.retain, dup: message.dup } });
		if (qos === 1) this.#send(encode({ type: sn.PUBACK, topicId, msgId, returnCode: sn.ACCEPTED }), now);
		else if (qos === 2) this.#send(encode({ type: sn.PUBREC, msgId }), now);
		return true;
	}

	/** An answer to the lane's request; anything else (stale, duplicated) is unexpected. */
	#onLaneAnswer(message: Message, now: number): boolean {
		const lane = this.#lane;
		const op = this.#queue[0];
		if (!lane || !op || this.#status !== "active") {
			// A QoS 0 PUBLISH to a topic id the gateway no longer knows is answered with PUBACK (6.7).
			if (message.type === sn.PUBACK && message.returnCode === sn.REJECTED_INVALID_TOPIC_ID) this.#topics.forget(message.topicId);
			return false;
		}
		const msgId = "msgId" in message ? message.msgId : 0;
		// QoS 2 PUBLISH may be refused with a PUBACK instead of PUBREC.
		const refusal = message.type === sn.PUBACK && lane.expect === sn.PUBREC;
		if ((message.type !== lane.expect && !refusal) || msgId !== lane.msgId) {
			if (message.type === sn.PUBACK && message.returnCode === sn.REJECTED_INVALID_TOPIC_ID) this.#topics.forget(message.topicId);
			return false;
		}
		switch (message.type) {
			case sn.REGACK:
				if (op.kind !== "publish") return false;
				if (message.returnCode === sn.ACCEPTED) {
					this.#topics.register(op.topic, message.topicId);
					this.#next(now);
				} else this.#rejected(op, message.returnCode, now);
				return true;
			case sn.PUBACK:
				if (op.kind !== "publish") return false;
				if (message.returnCode === sn.ACCEPTED) this.#complete(undefined, now);
				else if (message.returnCode === sn.REJECTED_INVALID_TOPIC_ID && this.#topics.idOf(op.topic)?.topicIdType === sn.TOPIC_NORMAL) {
					// The gateway forgot the registration (restarted, or a new session): register again.
					this.#topics.forget(message.topicId);
					if (++op.rejections > this.#nRetry) this.#complete(rejection(message.returnCode, op.topic), now);
					else this.#next(now);
				} else this.#rejected(op, message.returnCode, now);
				return true;
			case sn.PUBREC:
				if (op.kind !== "publish") return false;
				op.released = true;
				this.#next(now);
				return true;
			case sn.PUBCOMP:
				this.#complete(undefined, now);
				return true;
			case sn.SUBACK: {
				if (op.kind !== "subscribe") return false;
				if (message.returnCode !== sn.ACCEPTED) {
					this.#rejected(op, message.returnCode, now);
					return true;
				}
				const subscription = this.#subscriptions.get(op.topic);
				if (subscription) subscription.active = true;
				if (message.topicId !== 0 && !hasWildcard(op.topic) && !this.#topics.fixedId(op.topic)) this.#topics.register(op.topic, message.topicId);
				const done = op.done;
				op.done = undefined;
				this.#complete(undefined, now);
				done?.(undefined, message.qos);
				return true;
			}
			case sn.UNSUBACK:
				this.#complete(undefined, now);
				return true;
			case sn.WILLTOPICRESP:
			case sn.WILLMSGRESP:
				if (message.returnCode === sn.ACCEPTED) this.#complete(undefined, now);
				else this.#rejected(op, message.returnCode, now);
				return true;
			default:
				return false;
		}
	}

	/** The gateway refused the lane's request: wait out congestion, otherwise fail it. */
	#rejected(op: Operation, returnCode: number, now: number): void {
		const lane = this.#lane as Exchange;
		if (returnCode === sn.REJECTED_CONGESTION && ++op.rejections <= this.#nRetry) {
			lane.waitUntil = now + this.#tWait;
			return;
		}
		if (op.kind === "subscribe") this.#subscriptions.delete(op.topic);
		const error =
			op.kind === "subscribe" && returnCode !== sn.REJECTED_CONGESTION && returnCode !== sn.REJECTED_NOT_SUPPORTED
				? new ProtocolError("SUBSCRIPTION_REFUSED", `gateway refused the subscription to ${op.topic}: ${sn.returnCodeName(returnCode)}`)
				: rejection(returnCode, "topic" in op ? op.topic : op.kind);
		this.#complete(error, now);
	}

	/** The head operation is finished (`error` when it failed): tell the application, start the next. */
	#complete(error: ProtocolError | undefined, now: number): void {
		const op = this.#queue.shift() as Operation;
		this.#lane = undefined;
		const done = op.done;
		op.done = undefined;
		if (op.kind === "subscribe") (done as SubscribeDone | undefined)?.(error, op.qos);
		else (done as Done | undefined)?.(error);
		this.#advanceLane(now);
	}

	/** The head operation moves to its next step. */
	#next(now: number): void {
		this.#lane = undefined;
		this.#advanceLane(now);
	}

	// --- internals: what goes out ----------------------------------------------------------

	#enqueue(op: Operation, now: number): void {
		if (this.#queue.length >= this.#maxQueued) throw new ProtocolError("QUEUE_FULL", `${this.#maxQueued} requests already wait to be sent`);
		this.#queue.push(op);
		this.#advanceLane(now);
	}

	/** Sends the head operation's next message while connected and nothing is outstanding. */
	#advanceLane(now: number): void {
		while (this.#status === "active" && !this.#lane && this.#queue.length > 0) {
			const op = this.#queue[0];
			switch (op.kind) {
				case "publish": {
					if (op.released) {
						this.#openLane(encode({ type: sn.PUBREL, msgId: op.msgId }), sn.PUBCOMP, op.msgId, false, now);
						break;
					}
					const id = this.#topics.idOf(op.topic);
					if (!id) {
						const msgId = this.#allocateMsgId();
						this.#openLane(encode({ type: sn.REGISTER, topicId: 0, msgId, topicName: op.topic }), sn.REGACK, msgId, false, now);
						break;
					}
					if (op.qos === 0) {
						this.#send(encode({ type: sn.PUBLISH, dup: false, qos: 0, retain: op.retain, topicIdType: id.topicIdType, topicId: id.topicId, msgId: 0, data: op.payload }), now);
						this.#queue.shift();
						op.done?.();
						continue;
					}
					const dup = op.msgId !== 0;
					if (!dup) op.msgId = this.#allocateMsgId();
					const bytes = encode({ type: sn.PUBLISH, dup, qos: op.qos, retain: op.retain, topicIdType: id.topicIdType, topicId: id.topicId, msgId: op.msgId, data: op.payload });
					this.#openLane(bytes, op.qos === 1 ? sn.PUBACK : sn.PUBREC, op.msgId, true, now);
					break;
				}
				case "subscribe":
				case "unsubscribe": {
					const msgId = this.#allocateMsgId();
					const topic = this.#topicRef(op.topic);
					const bytes =
						op.kind === "subscribe"
							? encode({ type: sn.SUBSCRIBE, dup: false, qos: op.qos, msgId, topic })
							: encode({ type: sn.UNSUBSCRIBE, msgId, topic });
					this.#openLane(bytes, op.kind === "subscribe" ? sn.SUBACK : sn.UNSUBACK, msgId, op.kind === "subscribe", now);
					break;
				}
				case "willtopic": {
					const will = op.will;
					const message = will
						? { type: sn.WILLTOPICUPD, qos: will.qos, retain: will.retain, willTopic: will.topic }
						: { type: sn.WILLTOPICUPD, qos: 0, retain: false, willTopic: "" };
					this.#openLane(encode(message as Message), sn.WILLTOPICRESP, 0, false, now);
					break;
				}
				case "willmsg":
					this.#openLane(encode({ type: sn.WILLMSGUPD, willMsg: op.payload }), sn.WILLMSGRESP, 0, false, now);
					break;
			}
		}
	}

	/** How SUBSCRIBE/UNSUBSCRIBE name `topic`: a predefined id, a short name, or the name itself. */
	#topicRef(topic: string): TopicRef {
		const fixed = hasWildcard(topic) ? undefined : this.#topics.fixedId(topic);
		if (fixed) return { topicIdType: fixed.topicIdType === sn.TOPIC_PREDEFINED ? sn.TOPIC_PREDEFINED : sn.TOPIC_SHORT, topicId: fixed.topicId };
		return { topicIdType: sn.TOPIC_NORMAL, topicName: topic };
	}

	#openLane(bytes: Uint8Array, expect: number, msgId: number, dup: boolean, now: number): void {
		this.#lane = { bytes, expect, msgId, dup, sentAt: now, retries: 0, waitUntil: 0 };
		this.#send(bytes, now);
	}

	#openControl(bytes: Uint8Array, expect: number, now: number): void {
		this.#control = { bytes, expect, msgId: 0, dup: false, sentAt: now, retries: 0, waitUntil: 0 };
		this.#send(bytes, now);
	}

	#retransmit(exchange: Exchange, now: number): void {
		exchange.retries++;
		exchange.sentAt = now;
		if (exchange.dup) markDup(exchange.bytes);
		this.#send(exchange.bytes, now);
	}

	/**
	 * No PINGRESP to a waking PINGREQ: rather than waiting out Nretry and a reconnect
	 * backoff (longer than a wake), CONNECT now with the will (a gateway that lost the
	 * session lost it too) and clean session false. Topic ids stay: one the gateway no
	 * longer knows is refused and registered again.
	 */
	#connectAgain(now: number): void {
		const tries = this.#awakeRetries + 1;
		this.#emit({ type: "reconnecting", reason: `no PINGRESP to ${tries} PINGREQ${tries > 1 ? "s" : ""}: the gateway does not hold this sleeping session` });
		this.#sendConnect(this.#will !== undefined, false, now);
		this.#resuming = true;
	}

	#sendConnect(will: boolean, cleanSession: boolean, now: number): void {
		this.#status = "connecting";
		this.#resuming = false;
		this.#cleanConnect = cleanSession;
		this.#openControl(encode({ type: sn.CONNECT, will, cleanSession, duration: this.#options.keepAlive, clientId: this.clientId }), sn.CONNACK, now);
	}

	#send(bytes: Uint8Array, now: number): void {
		const gateway = this.#gateway as Gateway;
		this.#transmit.push({ bytes, address: gateway.address, port: gateway.port });
		this.#lastSent = now;
	}

	#allocateMsgId(): number {
		const id = this.#nextMsgId;
		this.#nextMsgId = id === 0xffff ? 1 : id + 1;
		return id;
	}

	// --- internals: losing the gateway -----------------------------------------------------

	/** The lane stops; its operation keeps its message id and is resent, DUP set, once active again. */
	#leaveActive(): void {
		this.#lane = undefined;
		this.#control = undefined;
	}

	#lost(reason: string): void {
		this.#disconnected(new ProtocolError("GATEWAY_LOST", `MQTT-SN gateway lost: ${reason}`));
		this.#forgetGateway();
	}

	/** A discovered gateway that is gone: the next connect searches again. */
	#forgetGateway(): void {
		if (this.#configured) return;
		this.#gateway = undefined;
		this.#advertise.reset();
	}

	#disconnected(error: ProtocolError | undefined): void {
		this.#leaveActive();
		this.#resuming = false;
		this.#status = "disconnected";
		this.#emit({ type: "disconnected", error });
	}

	#emit(event: SessionEvent): void {
		this.#events.push(event);
	}

	#restore(state: SessionState): void {
		if (!this.#gateway && state.gateway) this.#gateway = state.gateway;
		if (state.asleep && this.#gateway) this.#status = "asleep";
		this.#nextMsgId = state.nextMsgId >= 1 && state.nextMsgId <= 0xffff ? state.nextMsgId : 1;
		for (const r of state.registrations) this.#topics.register(r.topicName, r.topicId);
		for (const s of state.subscriptions) this.#subscriptions.set(s.topic, { qos: s.qos, active: true });
		for (const m of state.outgoing)
			this.#queue.push({ kind: "publish", topic: m.topic, payload: m.payload, qos: m.qos, retain: m.retain, msgId: m.msgId, released: m.released, rejections: 0 });
		this.#incoming.restore(state.awaitingRelease);
	}
}

function hasWildcard(topic: string): boolean {
	return topic.indexOf("+") >= 0 || topic.indexOf("#") >= 0;
}

function rejection(returnCode: number, what: string): ProtocolError {
	const reason = sn.returnCodeName(returnCode);
	switch (returnCode) {
		case sn.REJECTED_CONGESTION:
			return new ProtocolError("REJECTED_CONGESTION", `gateway still congested for ${what}: ${reason}`);
		case sn.REJECTED_INVALID_TOPIC_ID:
			return new ProtocolError("REJECTED_INVALID_TOPIC_ID", `gateway does not know the topic id of ${what}: ${reason}`);
		default:
			return new ProtocolError("REJECTED_NOT_SUPPORTED", `gateway refused ${what}: ${reason}`);
	}
}

function generateClientId(random: () => number): string {
	let id = "lampnode-";
	for (let i = 0; i < 8; i++) id += Math.floor(random() * 16).toString(16);
	return id;
}
