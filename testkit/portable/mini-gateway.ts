/**
 * Just enough of an MQTT-SN gateway to run sleeping-client wakes on a FakeBoard: one
 * client's session kept across its sleeps (topic ids, subscriptions), messages buffered
 * while it sleeps and handed over on PINGREQ (6.14), QoS 1 acknowledged. It records
 * what the client sent, per wake, to show what a wake cost.
 */
import { decode } from "../../src/mqttsn/encode";
import { encode } from "./mqttsn-encode";
import * as sn from "../../src/mqttsn/packet";
import { decodeUtf8, encodeUtf8 } from "../../src/common/utf8";
import type { FakeBoard, FakeDatagram } from "./fake-board";

const LATENCY_MS = 1;

export class MiniGateway {
	readonly topics = new Map<string, number>();
	readonly subscriptions = new Set<number>();
	readonly buffered: { topicId: number; payload: string }[] = [];
	readonly published: { topic: string; payload: string }[] = [];
	readonly retained = new Map<string, string>();
	/** Message types the client sent, one list per endpoint (per wake). */
	readonly received: number[][] = [];
	asleep = false;
	/** The duration of the last DISCONNECT, seconds. */
	sleepDuration: number | undefined;
	/** Answers nothing (the gateway is down or out of range). */
	silent = false;
	/** Drops PINGREQs, as a gateway that knows clients by address does for an address it does not know. */
	dropPingreq = false;
	/** Answers PINGREQ with DISCONNECT, as a restarted gateway that knows clients by id does. */
	forgotten = false;
	/** The duration (keep-alive) and flags of the last CONNECT. */
	lastConnect: { duration: number; cleanSession: boolean; will: boolean } | undefined;
	#nextMsgId = 1;

	/** Serves an endpoint the firmware opened on `board`. */
	serve(datagram: FakeDatagram, board: FakeBoard): void {
		const types: number[] = [];
		this.received.push(types);
		const original = datagram.send.bind(datagram);
		const reply = (message: sn.Message) => board.setTimer(() => datagram.deliver(encode(message), "127.0.0.1", 10_000), LATENCY_MS);
		datagram.send = (bytes, address, port) => {
			original(bytes, address, port);
			datagram.sent.length = 0;
			const message = decode(bytes);
			types.push(message.type);
			if (!this.silent) this.#handle(message, reply);
		};
	}

	/** Someone publishes to a topic the client subscribed to (while it sleeps: buffered). */
	publish(topic: string, payload: string): void {
		const topicId = this.topics.get(topic);
		if (topicId !== undefined && this.subscriptions.has(topicId)) this.buffered.push({ topicId, payload });
	}

	#id(name: string): number {
		let id = this.topics.get(name);
		if (id === undefined) this.topics.set(name, (id = this.topics.size + 1));
		return id;
	}

	#handle(message: sn.Message, reply: (message: sn.Message) => void): void {
		switch (message.type) {
			case sn.MsgType.CONNECT:
				this.asleep = false;
				this.forgotten = false;
				this.lastConnect = { duration: message.duration, cleanSession: message.cleanSession, will: message.will };
				if (message.will) reply({ type: sn.MsgType.WILLTOPICREQ });
				else reply({ type: sn.MsgType.CONNACK, returnCode: 0 });
				return;
			case sn.MsgType.WILLTOPIC:
				reply({ type: sn.MsgType.WILLMSGREQ });
				return;
			case sn.MsgType.WILLMSG:
				reply({ type: sn.MsgType.CONNACK, returnCode: 0 });
				return;
			case sn.MsgType.REGISTER:
				reply({ type: sn.MsgType.REGACK, topicId: this.#id(message.topicName), msgId: message.msgId, returnCode: 0 });
				return;
			case sn.MsgType.SUBSCRIBE: {
				const topicId = message.topic.topicIdType === sn.TopicIdType.NORMAL ? this.#id(message.topic.topicName) : message.topic.topicId;
				this.subscriptions.add(topicId);
				reply({ type: sn.MsgType.SUBACK, qos: message.qos, topicId, msgId: message.msgId, returnCode: 0 });
				return;
			}
			case sn.MsgType.PUBLISH: {
				const name = [...this.topics].find(([, id]) => id === message.topicId)?.[0] ?? `#${message.topicId}`;
				const payload = decodeUtf8(message.data);
				this.published.push({ topic: name, payload });
				if (message.retain) this.retained.set(name, payload);
				if (message.qos === 1) reply({ type: sn.MsgType.PUBACK, topicId: message.topicId, msgId: message.msgId, returnCode: 0 });
				return;
			}
			case sn.MsgType.PINGREQ:
				if (this.dropPingreq) return;
				if (this.forgotten) {
					reply({ type: sn.MsgType.DISCONNECT });
					return;
				}
				if (this.asleep && message.clientId)
					for (const m of this.buffered.splice(0))
						reply({ type: sn.MsgType.PUBLISH, dup: false, qos: 1, retain: false, topicIdType: sn.TopicIdType.NORMAL, topicId: m.topicId, msgId: this.#nextMsgId++, data: encodeUtf8(m.payload) });
				reply({ type: sn.MsgType.PINGRESP });
				return;
			case sn.MsgType.DISCONNECT:
				this.asleep = message.duration !== undefined;
				this.sleepDuration = message.duration;
				reply({ type: sn.MsgType.DISCONNECT });
				return;
			default:
				return;
		}
	}
}
