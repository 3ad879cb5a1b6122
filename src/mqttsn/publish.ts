/**
 * PUBLISH and its QoS flows, both ways (MQTT-SN 6.7, 6.8):
 * - sending: QoS 0 is done once sent; QoS 1 ends with PUBACK; QoS 2 with PUBREC, then
 *   PUBREL answered by PUBCOMP (the lane, lane.ts, reads the answers). A PUBACK
 *   "invalid topic id" for a registered topic means the gateway forgot it: register
 *   again and resend.
 * - receiving: PUBACK for QoS 1, PUBREC then PUBCOMP for QoS 2, each QoS 2 message
 *   delivered once (ReleaseWindow, below). An unknown topic id is answered "invalid topic
 *   id"; a QoS 2 id past the window's cap is answered "rejected: congestion" and not
 *   delivered, so the gateway sends it again later.
 *
 * Topic id registration, both ways (6.5, 6.10), comes first when a topic has no id:
 * - the client registers a topic name before its first PUBLISH (REGISTER, REGACK with
 *   the id the gateway assigned);
 * - the gateway registers the names of messages it is about to forward (its REGISTER,
 *   answered with REGACK). What it registers is held in the topic registry, which has a
 *   cap: past it a new name is answered "rejected: congestion" and not stored; reserved
 *   ids are "invalid topic id", a name that is no valid topic name "not supported".
 */
import { ProtocolError } from "../common/errors";
import { encode, encodeAck, encodeMsgId, encodePublish } from "./encode";
import { Lane, type Operation } from "./lane";
import * as sn from "./packet";
import type { PublishMessage, RegisterMessage } from "./packet";
import { validateTopicName } from "../mqtt/topic";

export abstract class Publishing extends Lane {
	/** Sends the operation's next message; true when that finished it (QoS 0). */
	protected publishStep(op: Operation, now: number): boolean {
		let msgId = op.msgId;
		if (op.kind === 1 /* pubrel */) {
			this.request = this.open(encodeMsgId(0x10 /* PUBREL */, msgId), 0x0e /* PUBCOMP */, msgId, false, now);
			return false;
		}
		const id = this.topics.idOf(op.topic);
		if (!id) {
			// The lane's REGISTER for the topic (6.5).
			msgId = this.allocateMsgId();
			this.request = this.open(encode({ type: 0x0a /* REGISTER */, topicId: 0, msgId, topicName: op.topic }), 0x0b /* REGACK */, msgId, false, now);
			return false;
		}
		const qos = op.qos;
		if (qos === 0) {
			this.send(encodePublish(sn.publishFlags(false, 0, op.retain, id.topicIdType), id.topicId, 0, op.payload as Uint8Array), now);
			return true;
		}
		const dup = msgId !== 0;
		if (!dup) op.msgId = msgId = this.allocateMsgId();
		this.request = this.open(encodePublish(sn.publishFlags(dup, qos, op.retain, id.topicIdType), id.topicId, msgId, op.payload as Uint8Array), qos === 1 ? 0x0d /* PUBACK */ : 0x0f /* PUBREC */, msgId, true, now);
		return false;
	}

	/** A PUBLISH from the gateway. */
	protected onPublish(message: PublishMessage, now: number): boolean {
		if (!this.receiving) return false;
		const topicId = message.topicId;
		const msgId = message.msgId;
		const qos = message.qos;
		const control = this.control;
		// Buffered messages are flowing to a waking client: the gateway is alive, the PINGRESP will follow them.
		if (this.state === 8 /* awake */ && control) this.heard(control, now);
		const topic = this.topics.nameOf(message.topicIdType, topicId);
		if (topic === undefined) {
			this.send(encodeAck(0x0d /* PUBACK */, topicId, msgId, 0x02 /* REJECTED_INVALID_TOPIC_ID */), now);
			return false;
		}
		let answer: Uint8Array | undefined;
		if (qos === 2) {
			const incoming = this.incoming;
			if (incoming.full && !incoming.holds(msgId)) {
				this.send(encodeAck(0x0d /* PUBACK */, topicId, msgId, 0x01 /* REJECTED_CONGESTION */), now);
				return true;
			}
			answer = encodeMsgId(0x0f /* PUBREC */, msgId);
			if (!incoming.accept(msgId)) {
				this.send(answer, now);
				return true;
			}
		} else if (qos === 1) answer = encodeAck(0x0d /* PUBACK */, topicId, msgId, 0x00 /* ACCEPTED */);
		this.emit({ type: "message", message: { topic, payload: message.data, qos, retain: message.retain, dup: message.dup } });
		if (answer) this.send(answer, now);
		return true;
	}

	/** PUBREL for a QoS 2 message received. */
	protected onPubrel(msgId: number, now: number): boolean {
		if (!this.receiving) return false;
		this.incoming.release(msgId);
		this.send(encodeMsgId(0x0e /* PUBCOMP */, msgId), now);
		return true;
	}

	/** The gateway's REGISTER (6.10). */
	protected onRegister(message: RegisterMessage, now: number): boolean {
		if (!this.receiving) return false;
		const topicId = message.topicId;
		const topicName = message.topicName;
		let returnCode = 0x00 /* ACCEPTED */;
		if (topicId === 0 || topicId === 0xffff) returnCode = 0x02 /* REJECTED_INVALID_TOPIC_ID */;
		else {
			try {
				validateTopicName(topicName);
				if (!this.topics.accept(topicName, topicId)) returnCode = 0x01 /* REJECTED_CONGESTION */;
			} catch (error) {
				if (!(error instanceof ProtocolError)) throw error;
				returnCode = 0x03 /* REJECTED_NOT_SUPPORTED */;
			}
		}
		this.send(encodeAck(0x0b /* REGACK */, topicId, message.msgId, returnCode), now);
		return true;
	}
}

/**
 * Exactly-once for incoming QoS 2 over a datagram network. Like MQTT's method B, a
 * message is delivered on its first PUBLISH and its id remembered until PUBREL. UDP
 * adds one case TCP never has: a retransmitted PUBLISH that the network delayed past
 * the PUBREL. The ids released most recently are therefore remembered too; a sender
 * numbers messages in sequence, so an id comes back only after thousands of others.
 *
 * Ids awaiting PUBREL are capped (`capacity`): a peer that never releases cannot grow
 * the window. Once `full`, a new id is not taken: the caller answers it ("rejected:
 * congestion") instead of delivering it. Both lists are short arrays: cheaper on the
 * device than a Set, and searched in a few steps at these sizes.
 */
const RECENT = 32;

export class ReleaseWindow {
	declare readonly capacity: number;
	private declare readonly waiting: number[];
	private declare readonly recent: number[];

	constructor(capacity = 64) {
		this.capacity = capacity;
		this.waiting = [];
		this.recent = [];
	}

	get full(): boolean {
		return this.waiting.length >= this.capacity;
	}

	/** The id is awaiting PUBREL or was released lately: a duplicate, whatever the window's fill. */
	holds(msgId: number): boolean {
		return this.waiting.indexOf(msgId) >= 0 || this.recent.indexOf(msgId) >= 0;
	}

	/** True when this PUBLISH is new and is to be delivered; false for a duplicate, or a new id while full. */
	accept(msgId: number): boolean {
		if (this.full || this.holds(msgId)) return false;
		this.waiting.push(msgId);
		return true;
	}

	/** PUBREL arrived. */
	release(msgId: number): void {
		const at = this.waiting.indexOf(msgId);
		if (at < 0) return;
		this.waiting.splice(at, 1);
		if (this.recent.length === RECENT) this.recent.shift();
		this.recent.push(msgId);
	}

	/** A new session: the sender numbers from scratch. */
	clear(): void {
		this.waiting.length = 0;
		this.recent.length = 0;
	}

	awaiting(): number[] {
		return this.waiting.slice();
	}

	restore(ids: readonly number[]): void {
		for (let i = 0; i < ids.length && !this.full; i++) if (!this.holds(ids[i])) this.waiting.push(ids[i]);
	}
}
