/**
 * Messages on their way from the broker to one MQTT-SN client. The gateway keeps the
 * client's rule too: one message at a time, in order (6.6). Each one is registered first
 * when the client does not know its topic yet (REGISTER, 6.5), then published and
 * resent every Tretry, Nretry times, before the client is declared lost. While the
 * client sleeps the box only fills; `resume` starts delivering again.
 */
import { topicIdType, type TopicRegistry } from "../../src/mqttsn/topic-registry";
import { encode, topicId } from "../../testkit/portable/mqttsn-encode";
import * as sn from "../../src/mqttsn/packet";
import { withDup } from "../../src/mqttsn/encode";
import type { Message } from "../../src/mqttsn/packet";

export interface OutgoingMessage {
	readonly topic: string;
	readonly payload: Uint8Array;
	readonly qos: 0 | 1 | 2;
	readonly retain: boolean;
}

export interface OutboxOptions {
	readonly topics: TopicRegistry;
	/** A new normal topic id for `name`, assigned by the gateway. */
	assignTopicId(name: string): number;
	send(bytes: Uint8Array): void;
	readonly tRetry: number;
	readonly nRetry: number;
	/** Messages held at most; beyond it new ones are dropped (and counted). */
	readonly limit: number;
	/** Nretry retransmissions went unanswered. */
	onLost(): void;
	/** Everything was delivered (a waking client gets its PINGRESP now). */
	onDrained(): void;
}

interface InFlight {
	readonly step: "register" | "publish" | "release";
	readonly expect: number;
	readonly msgId: number;
	/** Replaced by its copy with DUP set when a PUBLISH is retransmitted (the first send may still be on its way). */
	bytes: Uint8Array;
	retries: number;
}

export class Outbox {
	readonly #options: OutboxOptions;
	readonly #queue: OutgoingMessage[] = [];
	#inFlight: InFlight | undefined;
	#timer: ReturnType<typeof setTimeout> | undefined;
	#running = false;
	#nextMsgId = 1;
	dropped = 0;

	constructor(options: OutboxOptions) {
		this.#options = options;
	}

	get length(): number {
		return this.#queue.length;
	}

	push(message: OutgoingMessage): void {
		if (this.#queue.length >= this.#options.limit) {
			this.dropped++;
			return;
		}
		this.#queue.push(message);
		if (this.#running && !this.#inFlight) this.#next();
	}

	/** The client is reachable: resend what was in flight, or deliver from the head, or report that nothing waits. */
	resume(): void {
		this.#running = true;
		if (this.#inFlight) this.#resend(this.#inFlight);
		else this.#next();
	}

	/** The client sleeps: hold everything; what was in flight is resent, same MsgId and DUP, on `resume`. */
	pause(): void {
		this.#running = false;
		this.#clearTimer();
	}

	close(): void {
		this.pause();
		this.#queue.length = 0;
	}

	/** An acknowledgement from the client; false when it answers nothing in flight. */
	handle(message: Message): boolean {
		const inFlight = this.#inFlight;
		if (!inFlight || !("msgId" in message) || message.msgId !== inFlight.msgId) return false;
		const head = this.#queue[0];
		switch (message.type) {
			case sn.MsgType.REGACK:
				if (message.type !== inFlight.expect) return false;
				if (message.returnCode === sn.ReturnCode.ACCEPTED) this.#options.topics.register(head.topic, message.topicId);
				else this.#finish();
				break;
			case sn.MsgType.PUBACK:
				if (inFlight.step !== "publish") return false;
				// The client forgot the id (rebooted without its state): register it again.
				if (message.returnCode === sn.ReturnCode.REJECTED_INVALID_TOPIC_ID) this.#options.topics.forget(message.topicId);
				else this.#finish();
				break;
			case sn.MsgType.PUBREC:
				if (message.type !== inFlight.expect) return false;
				this.#send("release", sn.MsgType.PUBCOMP, inFlight.msgId, encode({ type: sn.MsgType.PUBREL, msgId: inFlight.msgId }));
				return true;
			case sn.MsgType.PUBCOMP:
				if (message.type !== inFlight.expect) return false;
				this.#finish();
				break;
			default:
				return false;
		}
		this.#inFlight = undefined;
		this.#clearTimer();
		this.#next();
		return true;
	}

	#finish(): void {
		this.#queue.shift();
	}

	#next(): void {
		while (this.#running && !this.#inFlight) {
			const head = this.#queue[0];
			if (!head) {
				this.#options.onDrained();
				return;
			}
			const topics = this.#options.topics;
			const id = topics.idOf(head.topic);
			if (!id) {
				const topicId = this.#options.assignTopicId(head.topic);
				const msgId = this.#allocate();
				this.#send("register", sn.MsgType.REGACK, msgId, encode({ type: sn.MsgType.REGISTER, topicId, msgId, topicName: head.topic }));
				return;
			}
			const msgId = head.qos > 0 ? this.#allocate() : 0;
			const bytes = encode({ type: sn.MsgType.PUBLISH, dup: false, qos: head.qos, retain: head.retain, topicIdType: topicIdType(id), topicId: topicId(id), msgId, data: head.payload });
			if (head.qos === 0) {
				this.#options.send(bytes);
				this.#finish();
				continue;
			}
			this.#send("publish", head.qos === 1 ? sn.MsgType.PUBACK : sn.MsgType.PUBREC, msgId, bytes);
		}
	}

	#send(step: InFlight["step"], expect: number, msgId: number, bytes: Uint8Array): void {
		this.#inFlight = { step, expect, msgId, bytes, retries: 0 };
		this.#options.send(bytes);
		this.#arm();
	}

	#arm(): void {
		this.#clearTimer();
		this.#timer = setTimeout(() => {
			const inFlight = this.#inFlight;
			if (!inFlight || !this.#running) return;
			if (inFlight.retries >= this.#options.nRetry) {
				this.#options.onLost();
				return;
			}
			inFlight.retries++;
			this.#resend(inFlight);
		}, this.#options.tRetry);
	}

	#resend(inFlight: InFlight): void {
		if (inFlight.step === "publish") inFlight.bytes = withDup(inFlight.bytes);
		this.#options.send(inFlight.bytes);
		this.#arm();
	}

	#clearTimer(): void {
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = undefined;
	}

	#allocate(): number {
		const id = this.#nextMsgId;
		this.#nextMsgId = id === 0xffff ? 1 : id + 1;
		return id;
	}
}
