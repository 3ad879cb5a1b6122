/**
 * The MQTT-SN 1.2 client as a sans-IO state machine. It is told what arrived
 * (`received`, with the sender's address) and what time it is (`tick`), and what the
 * application wants (`connect`, `publish`, `subscribe`, `sleep`, ...); it answers with
 * datagrams to send (`pollTransmit`), events (`pollEvent`) and the time it next needs a
 * tick (`nextTimeout`). No socket, no timer: tests run it on a virtual clock.
 *
 * This file is the face; the specification's procedures have a file each: gateway
 * discovery (discovery.ts), connect, keep-alive, the sleeping client and disconnect
 * (connection.ts), the lane of one request at a time with SUBSCRIBE (lane.ts), PUBLISH's
 * QoS flows with REGISTER before them (publish.ts); what they share,
 * and retransmission, is link.ts. (Fewer, larger files: each module costs the device
 * flash for its own symbol and import tables.)
 *
 * Two exchanges can be open at once, each supervised by Tretry/Nretry (6.13): the
 * control exchange (CONNECT, DISCONNECT, PINGREQ) and the lane's request. Unanswered
 * after Nretry retransmissions, or silent for N_ADV advertise periods, the gateway is
 * lost: a discovered one is forgotten and searched for again.
 *
 * Bounded whatever the gateway sends: topic ids it registers (maxTopics), QoS 2 ids
 * awaiting PUBREL (maxAwaitingRelease), and datagrams and events not yet polled
 * (maxBacklog) each have a cap, and past one the protocol's answer goes back
 * ("rejected: congestion") or the datagram is dropped unanswered, so the gateway
 * retransmits it later.
 */
import { ProtocolError } from "../common/errors";
import type { DatagramSession, Peer } from "../common/session";
import * as topicRules from "../mqtt/topic";
import { decode } from "./decode";
import * as discovery from "./discovery";
import type { Gateway } from "./discovery";
import { encodePublish } from "./encode";
import { Lane } from "./lane";
import * as links from "./link";
import * as sn from "./packet";
import type { Message, QoS } from "./packet";
import * as publish from "./publish";
import * as connection from "./connection";
import type { SessionState } from "./state";
import { TopicRegistry } from "./topic-registry";
import type { Datagram, Done, DropCounts, MqttSnSessionOptions, SessionEvent, SessionStatus, SubscribeDone, Will } from "./types";

export type { Datagram, Done, DropCounts, MqttSnSessionOptions, ReceivedMessage, SearchTarget, SessionEvent, SessionStatus, SubscribeDone, Will } from "./types";

import { N_ADV, N_RETRY, T_GWINFO, T_RETRY, T_SEARCHGW, T_WAIT } from "./timers";

export { N_ADV, N_RETRY, T_GWINFO, T_RETRY, T_SEARCHGW, T_WAIT } from "./timers";

/** What the session reports as `status`: waking is still connecting, falling asleep still disconnecting. */
const STATUS = { waking: "connecting", "falling-asleep": "disconnecting" } as const;

export class MqttSnSession implements DatagramSession {
	declare readonly clientId: string;
	declare readonly dropped: DropCounts;
	private declare readonly link: links.GatewayLink;
	private declare readonly lane: Lane;

	constructor(options: MqttSnSessionOptions) {
		const random = options.random ?? Math.random;
		const nRetry = options.nRetry ?? N_RETRY;
		let clientId = options.clientId;
		if (clientId === "") {
			if (!options.cleanSession) throw new ProtocolError("PROTOCOL_VIOLATION", "CleanSession 0 needs a ClientId");
			clientId = generateClientId(random);
		}
		this.clientId = clientId;
		const link = new links.GatewayLink({
			clientId,
			cleanSession: options.cleanSession,
			limits: {
				tRetry: options.tRetry ?? T_RETRY,
				nRetry,
				awakeRetries: options.awakeRetries ?? nRetry,
				tWait: options.tWait ?? T_WAIT,
				keepAlive: options.keepAlive,
				nAdv: options.nAdv ?? N_ADV,
				maxPacketSize: options.maxPacketSize ?? 1024,
				maxQueued: options.maxQueued ?? 100,
				maxBacklog: options.maxBacklog ?? 32,
			},
			topics: new TopicRegistry(options.predefinedTopics, options.maxTopics ?? 32),
			incoming: new publish.ReleaseWindow(options.maxAwaitingRelease ?? 8),
			// Only a client that searches keeps a schedule.
			searchSchedule: options.searchGw && new discovery.SearchSchedule(options.tSearchGw ?? T_SEARCHGW, options.tGwInfo ?? T_GWINFO, options.maxSearchDelay ?? T_WAIT, random),
			searchTarget: options.searchGw,
			advertise: new discovery.AdvertiseWatch(options.nAdv ?? N_ADV),
			gateway: options.gateway,
			will: options.will,
		});
		this.link = link;
		this.dropped = link.dropped;
		this.lane = new Lane(link);
		if (options.state) this.restore(options.state);
	}

	get status(): SessionStatus {
		const state = this.link.state;
		return state === "waking" || state === "falling-asleep" ? STATUS[state] : state;
	}

	get gateway(): Gateway | undefined {
		return this.link.gateway;
	}

	/**
	 * The gateway may hold this client's sleeping session (asleep, collecting, or a CONNECT
	 * from there not yet acknowledged): a DISCONNECT now would end it, and the next boot
	 * should wake it with PINGREQ rather than start over.
	 */
	get asleepAtGateway(): boolean {
		return connection.asleepAtGateway(this.link);
	}

	/** Nothing queued, nothing awaiting an answer in the lane. */
	get idle(): boolean {
		return this.lane.idle;
	}

	/** A configured gateway whose host name the board has just resolved. */
	setGateway(gateway: Gateway): void {
		const link = this.link;
		if (link.gateway && !discovery.sameEndpoint(link.gateway, gateway.address, gateway.port)) link.topics.clear();
		link.gateway = gateway;
		link.configured = true;
	}

	// --- what the application wants --------------------------------------------------------

	/** Connects (searching first when no gateway is known); from asleep, becomes active again. */
	connect(now: number): void {
		connection.connect(this.link, now);
	}

	/**
	 * Publishes. QoS -1 goes out at once, connected or not, to a predefined or short
	 * topic; the others wait their turn in the lane. Throws ProtocolError, with nothing
	 * queued, for an invalid topic, a message over the maximum size or a full queue.
	 */
	publish(topic: string, payload: Uint8Array, qos: QoS, retain: boolean, now: number, done?: Done): void {
		const link = this.link;
		// A topic with an id was checked when it got it (configuration, or the gateway's REGISTER).
		const id = link.topics.idOf(topic);
		if (!id) topicRules.validateTopicName(topic);
		if (qos !== -1 && qos !== 0 && qos !== 1 && qos !== 2) throw new ProtocolError("PROTOCOL_VIOLATION", `QoS ${qos} does not exist`);
		// Length, MsgType, Flags, TopicId, MsgId: 7 octets, or 9 with the long Length (5.2).
		const size = payload.length + (payload.length > 248 ? 9 : 7);
		const max = link.limits.maxPacketSize;
		if (size > max) throw new ProtocolError("PACKET_TOO_LARGE", `${size}-byte PUBLISH, max ${max}`);
		if (qos === -1) {
			if (!id || id.topicIdType === sn.TOPIC_NORMAL) throw new ProtocolError("INVALID_TOPIC", `QoS -1 needs a predefined or short topic, not "${topic}"`);
			if (!link.gateway) throw new ProtocolError("PROTOCOL_VIOLATION", "QoS -1 needs a known gateway");
		} else if (qos !== 0 || !id || link.state !== "active" || link.request || !this.lane.idle) {
			this.lane.enqueue({ kind: "publish", topic, payload, qos, retain, msgId: 0, released: false, rejections: 0, done }, now);
			return;
		}
		// QoS -1, or QoS 0 with nothing ahead of it: straight out, nothing queued.
		link.send(encodePublish(sn.publishFlags(false, qos, retain, id.topicIdType), id.topicId, 0, payload), now);
		done?.();
	}

	/** Subscribes to a filter (wildcards allowed), a predefined topic or a short name. */
	subscribe(topic: string, qos: 0 | 1 | 2, now: number, done?: SubscribeDone): void {
		topicRules.validateTopicFilter(topic);
		this.lane.subscriptions.set(topic, { qos, active: false });
		this.lane.enqueue({ kind: "subscribe", topic, qos, rejections: 0, done }, now);
	}

	unsubscribe(topic: string, now: number, done?: Done): void {
		topicRules.validateTopicFilter(topic);
		this.lane.subscriptions.delete(topic);
		this.lane.enqueue({ kind: "unsubscribe", topic, qos: 0, rejections: 0, done }, now);
	}

	/** Changes the will at the gateway (WILLTOPICUPD, then WILLMSGUPD); undefined deletes it. */
	updateWill(will: Will | undefined, now: number, done?: Done): void {
		if (will) topicRules.validateTopicName(will.topic);
		this.link.will = will;
		const lane = this.lane;
		if (!will) {
			lane.enqueue({ kind: "willtopic", will, rejections: 0, done }, now);
			return;
		}
		lane.enqueue({ kind: "willtopic", will, rejections: 0 }, now);
		lane.enqueue({ kind: "willmsg", will, rejections: 0, done }, now);
	}

	/** Goes to sleep for `duration` seconds (DISCONNECT with a duration): the gateway buffers for us. */
	sleep(duration: number, now: number): void {
		connection.sleep(this.link, duration, now);
	}

	/** Asleep: wakes to collect buffered messages (PINGREQ with the client id); PINGRESP puts it back to sleep. */
	checkMessages(now: number): void {
		connection.checkMessages(this.link, now);
	}

	/** Sends DISCONNECT (the gateway then drops the will) and stops searching. */
	disconnect(now: number): void {
		connection.disconnect(this.link, now);
	}

	/** Completes every waiting callback with `error` (the client is stopping); messages stay for `exportState`. */
	failPending(error: ProtocolError): void {
		this.lane.failPending(error);
	}

	exportState(): SessionState {
		const link = this.link;
		const subscriptions: { topic: string; qos: 0 | 1 | 2 }[] = [];
		this.lane.subscriptions.forEach((s, topic) => {
			if (s.active) subscriptions.push({ topic, qos: s.qos });
		});
		return {
			gateway: link.gateway,
			asleep: connection.asleepAtGateway(link),
			nextMsgId: link.nextMsgId,
			registrations: link.topics.registrations(),
			subscriptions,
			outgoing: this.lane.outgoing(),
			awaitingRelease: link.incoming.awaiting(),
		};
	}

	// --- what happened ---------------------------------------------------------------------

	/** A datagram arrived from `from`. Bad ones are counted in `dropped`, never thrown. */
	received(datagram: Uint8Array, from: Peer, now: number): void {
		const address = from.address;
		const port = from.port;
		const link = this.link;
		const dropped = link.dropped;
		const gateway = link.gateway;
		// Once the gateway is known, nothing from anyone else is even decoded: a stray or forged
		// datagram from another port costs a comparison, and cannot reach the decoder or the state.
		// While searching, anyone may answer (ADVERTISE, GWINFO, another client's SEARCHGW).
		if (gateway && !discovery.sameEndpoint(gateway, address, port)) {
			dropped.foreign++;
			return;
		}
		// Nobody polls: what arrives now is not answered, so the gateway sends it again later.
		const max = link.limits.maxBacklog;
		if (link.transmit.length >= max || link.events.length >= max) {
			dropped.overflow++;
			return;
		}
		let message: Message;
		try {
			message = decode(datagram, link.limits.maxPacketSize);
		} catch (error) {
			// The decoder throws ProtocolErrors only; anything else would be its bug, and still
			// only a bad datagram: counted as malformed rather than thrown at the socket.
			const code = error instanceof ProtocolError ? error.code : "MALFORMED_PACKET";
			if (code === "PACKET_TOO_LARGE") dropped.oversized++;
			else if (code === "UNKNOWN_PACKET_TYPE") dropped.unknownType++;
			else dropped.malformed++;
			return;
		}
		if (message.type === sn.SEARCHGW) {
			link.searchSchedule?.heardSearch(now);
			return;
		}
		if (!gateway) {
			if (message.type === sn.ADVERTISE || message.type === sn.GWINFO) discovery.found(link, message, address, port, now);
			else dropped.foreign++;
			return;
		}
		if (!this.handle(message, now)) dropped.unexpected++;
	}

	/** Time passed: retransmissions, keep-alive, discovery, advertise supervision. */
	tick(now: number): void {
		const link = this.link;
		if (link.state === "searching") discovery.searchDue(link, now);
		if (discovery.advertiseDue(link, now) || links.retransmit(link, now)) return;
		connection.keepAlive(link, now);
	}

	/** When `tick` must next be called, or undefined when nothing is pending. */
	nextTimeout(): number | undefined {
		const link = this.link;
		const state = link.state;
		let next = Math.min(connection.keepAliveDeadline(link), links.retransmitDeadline(link));
		if (state === "searching") next = Math.min(next, link.searchSchedule?.nextTimeout() ?? Infinity);
		if (link.gateway && state !== "asleep") next = Math.min(next, link.advertise.nextTimeout() ?? Infinity);
		return next === Infinity ? undefined : next;
	}

	pollTransmit(): Datagram | undefined {
		return this.link.transmit.shift();
	}

	pollEvent(): SessionEvent | undefined {
		return this.link.events.shift();
	}

	/** A message from the gateway; false when nothing was waiting for it. */
	private handle(message: Message, now: number): boolean {
		const link = this.link;
		switch (message.type) {
			// First: a switch compares its cases in order, and PUBLISH arrives most.
			case sn.PUBLISH:
				return publish.onPublish(link, message, now);
			case sn.ADVERTISE:
				link.advertise.heard(message.duration, now);
				return true;
			case sn.GWINFO:
				return true;
			case sn.CONNACK:
				return connection.onConnack(link, this.lane, message.returnCode, now);
			case sn.WILLTOPICREQ:
			case sn.WILLMSGREQ:
				return connection.onWillPrompt(link, message.type, now);
			case sn.DISCONNECT:
				return connection.onDisconnect(link);
			case sn.PINGRESP:
				return connection.onPingresp(link);
			case sn.PINGREQ:
				return connection.onPingreq(link, now);
			case sn.PUBREL:
				return publish.onPubrel(link, message.msgId, now);
			case sn.REGISTER:
				return publish.onRegister(link, message, now);
			case sn.REGACK:
			case sn.PUBACK:
			case sn.PUBREC:
			case sn.PUBCOMP:
			case sn.SUBACK:
			case sn.UNSUBACK:
			case sn.WILLTOPICRESP:
			case sn.WILLMSGRESP:
				return this.lane.answer(message, now);
			default:
				// CONNECT and the other client messages: a gateway does not send these.
				return false;
		}
	}

	private restore(state: SessionState): void {
		const link = this.link;
		if (!link.gateway && state.gateway) link.gateway = state.gateway;
		if (state.asleep && link.gateway) link.state = "asleep";
		link.nextMsgId = state.nextMsgId >= 1 && state.nextMsgId <= 0xffff ? state.nextMsgId : 1;
		const registrations = state.registrations;
		for (let i = 0; i < registrations.length; i++) link.topics.register(registrations[i].topicName, registrations[i].topicId);
		link.incoming.restore(state.awaitingRelease);
		this.lane.restore(state);
	}
}

function generateClientId(random: () => number): string {
	let id = "lampnode-";
	for (let i = 0; i < 8; i++) id += Math.floor(random() * 16).toString(16);
	return id;
}
