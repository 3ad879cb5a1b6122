/**
 * A stateful fuzzer for the MQTT-SN session (issue 14): seeded sequences of application
 * calls, gateway datagrams (valid answers to what the session sent, valid but unasked-for
 * messages, mutated and random bytes, the same from other addresses) and clock jumps.
 * After every step it checks:
 * - nothing but a ProtocolError escapes an application call, and nothing at all escapes
 *   `received` or `tick`;
 * - the tables a gateway can grow stay under their caps (topic ids, QoS 2 ids awaiting
 *   PUBREL, datagrams and events nobody polled);
 * - every QoS >= 1 publish is accounted for: still queued (in `exportState().outgoing`),
 *   or settled exactly once, acknowledged or with an error.
 * At the end a cooperative gateway answers everything until the session is idle, and
 * every QoS >= 1 publish must then be settled.
 * Portable: the same runner runs in Node and in XS (mqttsn-session-fuzz.test.ts).
 */
import { decode } from "../../src/mqttsn/encode";
import { encode } from "../../testkit/portable/mqttsn-encode";
import { ProtocolError } from "../../src/common/errors";
import * as sn from "../../src/mqttsn/packet";
import { fuzzRun } from "../../testkit/portable/fuzz-kit";
import { MqttSnSession, type Datagram, type MqttSnSessionOptions } from "../../src/mqttsn/session";

export interface FuzzReport {
	readonly steps: number;
	readonly published: number;
	readonly acknowledged: number;
	readonly reported: number;
	readonly delivered: number;
	/** Datagrams the session dropped, all reasons together. */
	readonly dropped: number;
	/** Application calls refused with a ProtocolError. */
	readonly refused: number;
}

const GATEWAY = { gwId: 1, address: "10.0.0.1", port: 1883 };
const STRANGERS = [
	{ address: "10.0.0.66", port: 1883 },
	{ address: "10.0.0.1", port: 1884 },
];
const CAPS = { maxTopics: 4, maxAwaitingRelease: 3, maxBacklog: 8, maxQueued: 8 };
const TOPICS = ["home/a", "home/b", "home/c", "home/d", "home/e", "ab", "pre/t", "x/+/y", ""];

const OPTIONS: MqttSnSessionOptions = {
	clientId: "fuzz",
	cleanSession: true,
	keepAlive: 30,
	gateway: GATEWAY,
	predefinedTopics: { "pre/t": 7 },
	tRetry: 1000,
	nRetry: 3,
	tWait: 5000,
	will: { topic: "home/will", payload: new Uint8Array([1]), qos: 1, retain: false },
	...CAPS,
};

export function runMqttSnSessionFuzz(seed: number, steps: number): FuzzReport {
	const run = fuzzRun("mqtt-sn session", seed);
	const { random, int, pick, fail } = run;

	// Odd seeds keep the session (clean session false): ids and QoS 2 state then outlive reconnects.
	const session = new MqttSnSession({ ...OPTIONS, cleanSession: seed % 2 === 0, random });
	let now = 0;
	let nextTopicId = 1;
	let published = 0;
	let acknowledged = 0;
	let reported = 0;
	let delivered = 0;
	let refused = 0;
	/** QoS >= 1 publishes not yet settled. */
	let outstanding = 0;
	/** What the session sent since the gateway last answered, for valid answers. */
	let heard: sn.Message[] = [];
	/** Datagrams the gateway sent lately, for mutation and replay. */
	const recent: Uint8Array[] = [];

	const app = (call: () => void) => {
		appCalled = true;
		if (!run.refusable(call)) refused++;
	};
	const guarded = run.never;
	const from = (bytes: Uint8Array, peer: { address: string; port: number } = GATEWAY) => {
		if (peer === GATEWAY) {
			recent.push(bytes);
			if (recent.length > 16) recent.shift();
		}
		guarded("received", () => session.received(bytes, peer, now));
	};
	/** An application call since the last poll: what it sends is its own, not the gateway's, growth. */
	let appCalled = false;
	const drain = () => {
		let datagrams = 0;
		let events = 0;
		for (let d: Datagram | undefined = session.pollTransmit(); d; d = session.pollTransmit()) {
			datagrams++;
			try {
				heard.push(decode(d.bytes));
			} catch (error) {
				fail(`the session sent a datagram it cannot decode: ${String(error)}`);
			}
		}
		for (let e = session.pollEvent(); e; e = session.pollEvent()) {
			events++;
			if (e.type === "message") delivered++;
		}
		// A datagram that arrives past the backlog cap is dropped; the one before it may add a few.
		if (events > CAPS.maxBacklog + 4) fail(`${events} events waited unpolled, over the cap`);
		if (!appCalled && datagrams > CAPS.maxBacklog + CAPS.maxQueued + 4) fail(`${datagrams} datagrams waited unpolled, over the cap`);
		appCalled = false;
	};

	const publish = () => {
		const qos = pick([-1, 0, 0, 1, 1, 2] as const);
		const topic = pick(TOPICS);
		let settled = false;
		const done = (error?: ProtocolError) => {
			if (settled) fail(`a publish to "${topic}" was settled twice`);
			settled = true;
			if (error !== undefined && !(error instanceof ProtocolError)) fail(`a publish was settled with ${String(error)}`);
			if (qos >= 1) {
				outstanding--;
				if (error) reported++;
				else acknowledged++;
			}
		};
		app(() => {
			const before = qos >= 1 ? 1 : 0;
			outstanding += before;
			try {
				session.publish(topic, new Uint8Array(int(40)), qos, random() < 0.3, now, done);
				published++;
			} catch (error) {
				outstanding -= before;
				throw error;
			}
		});
	};

	/** A valid answer to something the session sent. */
	const answer = (message: sn.Message): sn.Message | undefined => {
		switch (message.type) {
			case sn.MsgType.CONNECT:
				return random() < 0.15 ? { type: sn.MsgType.WILLTOPICREQ } : { type: sn.MsgType.CONNACK, returnCode: random() < 0.1 ? sn.ReturnCode.REJECTED_CONGESTION : sn.ReturnCode.ACCEPTED };
			case sn.MsgType.WILLTOPIC:
				return { type: sn.MsgType.WILLMSGREQ };
			case sn.MsgType.WILLMSG:
				return { type: sn.MsgType.CONNACK, returnCode: sn.ReturnCode.ACCEPTED };
			case sn.MsgType.REGISTER:
				return { type: sn.MsgType.REGACK, topicId: nextTopicId++, msgId: message.msgId, returnCode: random() < 0.1 ? pick([1, 2, 3]) : 0 };
			case sn.MsgType.PUBLISH:
				if (message.qos === 2 && random() < 0.9) return { type: sn.MsgType.PUBREC, msgId: message.msgId };
				if (message.qos === 1 || message.qos === 2) return { type: sn.MsgType.PUBACK, topicId: message.topicId, msgId: message.msgId, returnCode: random() < 0.15 ? pick([1, 2, 3]) : 0 };
				return undefined;
			case sn.MsgType.PUBREL:
				return { type: sn.MsgType.PUBCOMP, msgId: message.msgId };
			case sn.MsgType.PUBREC:
				return { type: sn.MsgType.PUBREL, msgId: message.msgId };
			case sn.MsgType.SUBSCRIBE:
				return { type: sn.MsgType.SUBACK, qos: message.qos, topicId: message.topic.topicIdType === sn.TopicIdType.NORMAL ? 0 : message.topic.topicId, msgId: message.msgId, returnCode: random() < 0.1 ? 2 : 0 };
			case sn.MsgType.UNSUBSCRIBE:
				return { type: sn.MsgType.UNSUBACK, msgId: message.msgId };
			case sn.MsgType.PINGREQ:
				return { type: sn.MsgType.PINGRESP };
			case sn.MsgType.DISCONNECT:
				return { type: sn.MsgType.DISCONNECT };
			case sn.MsgType.WILLTOPICUPD:
				return { type: sn.MsgType.WILLTOPICRESP, returnCode: 0 };
			case sn.MsgType.WILLMSGUPD:
				return { type: sn.MsgType.WILLMSGRESP, returnCode: 0 };
			default:
				return undefined;
		}
	};

	/** A well-formed message nobody asked for. */
	const unasked = (): sn.Message => {
		const msgId = int(6);
		const topicId = int(12);
		switch (int(14)) {
			case 0:
				return { type: sn.MsgType.REGISTER, topicId: pick([0, 0xffff, topicId, 200 + int(8), 200 + int(8), 200 + int(8), 300 + int(1000)]), msgId, topicName: pick(["in/1", "in/2", "in/+", `flood/${int(100)}`]) };
			case 1:
			case 2:
			case 11:
			case 12:
				return { type: sn.MsgType.PUBLISH, dup: random() < 0.2, qos: pick([-1, 0, 1, 2] as const), retain: false, topicIdType: pick([0, 0, 1, 2, 2] as const), topicId: 200 + int(8), msgId: int(20), data: new Uint8Array(int(8)) };
			case 3:
				return { type: sn.MsgType.PUBREL, msgId: int(40) };
			case 4:
				return { type: pick([sn.MsgType.PUBACK, sn.MsgType.REGACK] as const), topicId, msgId, returnCode: int(4) };
			case 5:
				return { type: pick([sn.MsgType.PUBREC, sn.MsgType.PUBCOMP, sn.MsgType.UNSUBACK] as const), msgId };
			case 6:
				return { type: sn.MsgType.SUBACK, qos: 1, topicId, msgId, returnCode: int(4) };
			case 7:
				return { type: sn.MsgType.DISCONNECT };
			case 8:
				return { type: sn.MsgType.PINGREQ };
			case 9:
				return { type: sn.MsgType.ADVERTISE, gwId: 1, duration: int(3) * 30 };
			case 10:
				return { type: pick([sn.MsgType.CONNACK, sn.MsgType.WILLTOPICRESP, sn.MsgType.WILLMSGRESP] as const), returnCode: int(4) };
			default:
				return { type: pick([sn.MsgType.PINGRESP, sn.MsgType.WILLTOPICREQ, sn.MsgType.WILLMSGREQ] as const) };
		}
	};

	const mutated = (): Uint8Array => {
		const base = recent.length > 0 && random() < 0.7 ? pick(recent).slice() : encode(unasked());
		switch (int(4)) {
			case 0:
				base[int(base.length)] ^= 1 << int(8);
				return base;
			case 1:
				return base.subarray(0, int(base.length));
			case 2: {
				const longer = new Uint8Array(base.length + 1 + int(4));
				longer.set(base);
				return longer;
			}
			default: {
				const bytes = new Uint8Array(int(12));
				for (let i = 0; i < bytes.length; i++) bytes[i] = int(256);
				return bytes;
			}
		}
	};

	const check = () => {
		const state = session.exportState();
		if (state.registrations.length > CAPS.maxTopics) fail(`${state.registrations.length} topic ids held, over ${CAPS.maxTopics}`);
		if (state.awaitingRelease.length > CAPS.maxAwaitingRelease) fail(`${state.awaitingRelease.length} QoS 2 ids held, over ${CAPS.maxAwaitingRelease}`);
		if (state.outgoing.length !== outstanding) fail(`${outstanding} QoS >= 1 publishes unsettled, ${state.outgoing.length} queued`);
		const next = session.nextTimeout();
		if (next !== undefined && !(next >= 0 && next < Infinity)) fail(`nextTimeout() is ${next}`);
	};

	for (run.step = 0; run.step < steps; run.step++) {
		const roll = random();
		const status = session.status;
		if (roll < 0.2) publish();
		else if (roll < 0.22) app(() => session.subscribe(pick(TOPICS), pick([0, 1, 2] as const), now));
		else if (roll < 0.23) app(() => session.unsubscribe(pick(TOPICS), now));
		else if (roll < 0.28) app(() => (status === "disconnected" || random() < 0.1 ? session.connect(now) : session.checkMessages(now)));
		else if (roll < 0.29) app(() => session.sleep(int(3) * 60, now));
		else if (roll < 0.295) app(() => session.disconnect(now));
		else if (roll < 0.3) app(() => session.updateWill(random() < 0.5 ? undefined : { topic: "home/will", payload: new Uint8Array(2), qos: 0, retain: true }, now, () => undefined));
		else if (roll < 0.56) {
			// The gateway answers what it heard (some of it: datagrams get lost).
			const heardNow = heard;
			heard = [];
			for (const message of heardNow) {
				const reply = random() < 0.85 ? answer(message) : undefined;
				if (reply) from(encode(reply));
			}
		} else if (roll < 0.68) from(encode(unasked()));
		else if (roll < 0.76) from(mutated());
		else if (roll < 0.8) from(random() < 0.5 ? encode(unasked()) : mutated(), pick(STRANGERS));
		else if (roll < 0.9) {
			now += random() < 0.8 ? int(2000) : int(600_000);
			guarded("tick", () => session.tick(now));
		} else {
			const next = session.nextTimeout();
			if (next !== undefined && next >= now) now = next;
			guarded("tick", () => session.tick(now));
		}
		// Mostly the client polls after every step; now and then it does not, for a while.
		if (random() < 0.85) drain();
		check();
	}

	// Epilogue: a cooperative gateway until every QoS >= 1 publish is settled.
	for (let round = 0; round < 400 && outstanding > 0; round++) {
		run.step++;
		drain();
		const status = session.status;
		if (status === "disconnected" || status === "asleep") app(() => session.connect(now));
		const heardNow = heard;
		heard = [];
		let answered = 0;
		for (const message of heardNow) {
			let reply = answer(message);
			if (reply?.type === sn.MsgType.CONNACK || reply?.type === sn.MsgType.REGACK || reply?.type === sn.MsgType.PUBACK || reply?.type === sn.MsgType.SUBACK) reply = { ...reply, returnCode: 0 };
			if (reply?.type === sn.MsgType.WILLTOPICREQ) reply = { type: sn.MsgType.CONNACK, returnCode: 0 };
			if (reply) {
				from(encode(reply));
				answered++;
			}
		}
		if (answered === 0) {
			const next = session.nextTimeout();
			now = next !== undefined && next > now ? next : now + 1000;
			guarded("tick", () => session.tick(now));
		}
		check();
	}
	if (outstanding > 0) fail(`${outstanding} QoS >= 1 publishes never settled with a cooperative gateway`);
	const d = session.dropped;
	return { steps, published, acknowledged, reported, delivered, refused, dropped: d.malformed + d.oversized + d.unknownType + d.foreign + d.unexpected + d.overflow };
}
