/**
 * The lane: the client's requests, one at a time and in order (REGISTER, PUBLISH QoS 1/2
 * with PUBREL, SUBSCRIBE, UNSUBSCRIBE, WILLTOPICUPD, WILLMSGUPD). The specification allows
 * one outstanding REGISTER, one QoS 1/2 PUBLISH and one SUBSCRIBE or UNSUBSCRIBE (6.5,
 * 6.6, 6.8); one lane for all keeps messages in the order the application published
 * them, QoS 0 included. The head operation's outstanding message is `link.request`;
 * each procedure's file says what its next message is and what answers it.
 *
 * SUBSCRIBE and UNSUBSCRIBE (6.9) are here: a filter travels as its name, a predefined
 * topic as its id, a short name as its two bytes. A SUBACK for a name without wildcards
 * carries the topic id the gateway assigned to it.
 */
import { ProtocolError } from "../common/errors";
import { Fifo } from "../common/fifo";
import { encode } from "./encode";
import type { GatewayLink } from "./link";
import * as sn from "./packet";
import type { Message, TopicRef } from "./packet";
import * as publish from "./publish";
import type { Done, SubscribeDone, Will } from "./types";
import type { SessionState, StoredPublish } from "./state";

export interface PublishOp {
	readonly kind: "publish";
	readonly topic: string;
	readonly payload: Uint8Array;
	readonly qos: 0 | 1 | 2;
	readonly retain: boolean;
	/** 0 until first sent; kept for every retransmission. */
	msgId: number;
	/** QoS 2: PUBREC arrived, PUBREL is next. */
	released: boolean;
	rejections: number;
	done?: Done;
}

export interface SubscribeOp {
	readonly kind: "subscribe" | "unsubscribe";
	readonly topic: string;
	readonly qos: 0 | 1 | 2;
	rejections: number;
	done?: SubscribeDone;
}

export interface WillOp {
	readonly kind: "willtopic" | "willmsg";
	readonly will: Will | undefined;
	rejections: number;
	done?: Done;
}

export type Operation = PublishOp | SubscribeOp | WillOp;

export class Lane {
	declare readonly link: GatewayLink;
	private declare queue: Fifo<Operation>;
	/** Subscriptions the application wants; `active` once the gateway acknowledged them. */
	declare readonly subscriptions: Map<string, { qos: 0 | 1 | 2; active: boolean }>;

	constructor(link: GatewayLink) {
		this.link = link;
		this.queue = new Fifo();
		this.subscriptions = new Map();
	}

	/** Nothing queued, nothing awaiting an answer. */
	get idle(): boolean {
		return this.queue.length === 0;
	}

	enqueue(op: Operation, now: number): void {
		const max = this.link.limits.maxQueued;
		if (this.queue.length >= max) throw new ProtocolError("QUEUE_FULL", `${max} requests already wait`);
		this.queue.push(op);
		this.advance(now);
	}

	/** Sends the head operation's next message while active and nothing is outstanding. */
	advance(now: number): void {
		const link = this.link;
		const queue = this.queue;
		while (link.state === "active" && !link.request) {
			const op = queue.peek();
			if (!op) return;
			if (op.kind === "publish") {
				// A QoS 0 PUBLISH needs no answer: it is done once sent.
				if (publish.publishStep(link, op, now)) this.finish(op, undefined);
			} else if (op.kind === "subscribe" || op.kind === "unsubscribe") subscribeStep(link, op, now);
			else {
				// WILLTOPICUPD, then WILLMSGUPD (6.4); no will is WILLTOPICUPD without flags and topic.
				const will = (op as WillOp).will;
				const bytes =
					op.kind === "willmsg"
						? encode({ type: sn.WILLMSGUPD, willMsg: will ? will.payload : new Uint8Array(0) })
						: encode({ type: sn.WILLTOPICUPD, qos: will ? will.qos : 0, retain: will ? will.retain : false, willTopic: will ? will.topic : "" });
				link.request = link.open(bytes, op.kind === "willmsg" ? sn.WILLMSGRESP : sn.WILLTOPICRESP, 0, false, now);
			}
		}
	}

	/** An answer to the lane's request; false for anything else (stale, duplicated). */
	answer(message: Message, now: number): boolean {
		const link = this.link;
		const request = link.request;
		const op = this.queue.peek();
		const refusedTopic = message.type === sn.PUBACK && message.returnCode === sn.REJECTED_INVALID_TOPIC_ID;
		if (!request || !op || link.state !== "active") {
			// A QoS 0 PUBLISH to a topic id the gateway no longer knows is answered with PUBACK (6.7).
			if (refusedTopic) link.topics.forget(message.topicId);
			return false;
		}
		const msgId = "msgId" in message ? message.msgId : 0;
		// QoS 2 PUBLISH may be refused with a PUBACK instead of PUBREC.
		const refusal = message.type === sn.PUBACK && request.expect === sn.PUBREC;
		if ((message.type !== request.expect && !refusal) || msgId !== request.msgId) {
			if (refusedTopic) link.topics.forget(message.topicId);
			return false;
		}
		switch (message.type) {
			case sn.REGACK:
				return op.kind === "publish" && publish.registerAnswer(this, op, message, now);
			case sn.PUBACK:
			case sn.PUBREC:
			case sn.PUBCOMP:
				return op.kind === "publish" && publish.publishAnswer(this, op, message, now);
			case sn.SUBACK:
			case sn.UNSUBACK:
				return op.kind !== "publish" && subscribeAnswer(this, op as SubscribeOp, message, now);
			case sn.WILLTOPICRESP:
			case sn.WILLMSGRESP:
				if (message.returnCode === sn.ACCEPTED) this.complete(undefined, now);
				else this.rejected(op, message.returnCode, now);
				return true;
			default:
				return false;
		}
	}

	/** The gateway refused the head operation: wait out congestion (T_WAIT), otherwise fail it. */
	rejected(op: Operation, returnCode: number, now: number): void {
		const link = this.link;
		if (returnCode === sn.REJECTED_CONGESTION && ++op.rejections <= link.limits.nRetry) {
			(link.request as NonNullable<typeof link.request>).waitUntil = now + link.limits.tWait;
			return;
		}
		if (op.kind === "subscribe") this.subscriptions.delete(op.topic);
		const error =
			op.kind === "subscribe" && returnCode !== sn.REJECTED_CONGESTION && returnCode !== sn.REJECTED_NOT_SUPPORTED
				? new ProtocolError("SUBSCRIPTION_REFUSED", `gateway refused ${op.topic}: ${sn.returnCodeName(returnCode)}`)
				: publish.rejection(returnCode, "topic" in op ? op.topic : op.kind);
		this.complete(error, now);
	}

	/** The head operation is finished (`error` when it failed): tell the application, start the next. */
	complete(error: ProtocolError | undefined, now: number): void {
		this.link.request = undefined;
		this.finish(this.queue.peek() as Operation, error);
		this.advance(now);
	}

	/** The head operation moves to its next step. */
	next(now: number): void {
		this.link.request = undefined;
		this.advance(now);
	}

	private finish(op: Operation, error: ProtocolError | undefined): void {
		this.queue.shift();
		settle(op, error);
	}

	/** A clean session at the gateway: a PUBREL in progress starts over, subscriptions are made again first. */
	startedClean(): void {
		const head = this.queue.peek();
		if (head?.kind === "publish") head.released = false;
		const old = this.taken();
		const queued = new Set<string>();
		for (let i = 0; i < old.length; i++) {
			const op = old[i];
			if (op.kind === "subscribe") queued.add(op.topic);
		}
		const queue = this.queue;
		this.subscriptions.forEach((s, topic) => {
			if (s.active && !queued.has(topic)) queue.push({ kind: "subscribe", topic, qos: s.qos, rejections: 0 });
		});
		for (let i = 0; i < old.length; i++) queue.push(old[i]);
	}

	/** Completes every waiting callback with `error`; QoS 1/2 messages stay for `outgoing`. */
	failPending(error: ProtocolError): void {
		const old = this.taken();
		for (let i = 0; i < old.length; i++) {
			const op = old[i];
			if (op.kind === "publish" && op.qos > 0) this.queue.push(op);
			settle(op, error);
		}
		this.link.request = undefined;
	}

	/** QoS 1/2 messages not yet acknowledged, for the durable state. */
	outgoing(): StoredPublish[] {
		const old = this.taken();
		const out: StoredPublish[] = [];
		for (let i = 0; i < old.length; i++) {
			const op = old[i];
			this.queue.push(op);
			if (op.kind === "publish" && op.qos > 0) out.push({ topic: op.topic, payload: op.payload, qos: op.qos as 1 | 2, retain: op.retain, msgId: op.msgId, released: op.released });
		}
		return out;
	}

	/** Empties the queue into an array (a walk without Fifo's iterator, which costs flash on XS). */
	private taken(): Operation[] {
		const out: Operation[] = [];
		for (let op = this.queue.shift(); op; op = this.queue.shift()) out.push(op);
		return out;
	}

	restore(state: SessionState): void {
		const subscriptions = state.subscriptions;
		for (let i = 0; i < subscriptions.length; i++) this.subscriptions.set(subscriptions[i].topic, { qos: subscriptions[i].qos, active: true });
		const outgoing = state.outgoing;
		for (let i = 0; i < outgoing.length; i++) {
			const m = outgoing[i];
			this.queue.push({ kind: "publish", topic: m.topic, payload: m.payload, qos: m.qos, retain: m.retain, msgId: m.msgId, released: m.released, rejections: 0 });
		}
	}
}

/** Calls an operation's callback once. */
function settle(op: Operation, error: ProtocolError | undefined): void {
	const done = op.done;
	if (!done) return;
	op.done = undefined;
	if (op.kind === "subscribe" || op.kind === "unsubscribe") (done as SubscribeDone)(error, op.qos);
	else (done as Done)(error);
}

function subscribeStep(link: GatewayLink, op: SubscribeOp, now: number): void {
	const msgId = link.allocateMsgId();
	const topic = topicRef(link, op.topic);
	const subscribe = op.kind === "subscribe";
	const bytes = subscribe ? encode({ type: sn.SUBSCRIBE, dup: false, qos: op.qos, msgId, topic }) : encode({ type: sn.UNSUBSCRIBE, msgId, topic });
	link.request = link.open(bytes, subscribe ? sn.SUBACK : sn.UNSUBACK, msgId, subscribe, now);
}

function subscribeAnswer(lane: Lane, op: SubscribeOp, message: Message, now: number): boolean {
	if (message.type === sn.UNSUBACK) {
		lane.complete(undefined, now);
		return true;
	}
	if (message.type !== sn.SUBACK || op.kind !== "subscribe") return false;
	if (message.returnCode !== sn.ACCEPTED) {
		lane.rejected(op, message.returnCode, now);
		return true;
	}
	const subscription = lane.subscriptions.get(op.topic);
	if (subscription) subscription.active = true;
	const topics = lane.link.topics;
	if (message.topicId !== 0 && !hasWildcard(op.topic) && !topics.fixedId(op.topic)) topics.register(op.topic, message.topicId);
	// The application hears the QoS the gateway granted.
	const done = op.done;
	op.done = undefined;
	lane.complete(undefined, now);
	done?.(undefined, message.qos);
	return true;
}

/** How SUBSCRIBE/UNSUBSCRIBE name `topic`: a predefined id, a short name, or the name itself. */
function topicRef(link: GatewayLink, topic: string): TopicRef {
	const fixed = hasWildcard(topic) ? undefined : link.topics.fixedId(topic);
	if (fixed) return { topicIdType: fixed.topicIdType === sn.TOPIC_PREDEFINED ? sn.TOPIC_PREDEFINED : sn.TOPIC_SHORT, topicId: fixed.topicId };
	return { topicIdType: sn.TOPIC_NORMAL, topicName: topic };
}

function hasWildcard(topic: string): boolean {
	return topic.indexOf("+") >= 0 || topic.indexOf("#") >= 0;
}
