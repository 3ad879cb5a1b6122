/**
 * The MQTT-SN session on a virtual clock: every `now` is chosen by the test, and the
 * test plays the gateway, so retransmission, discovery, loss and sleep are exact.
 * Tretry is 1 s and Nretry 3 here (base options in mqttsn-wire.ts).
 */
import { describe, it, check } from "./test-api";
import { expectProtocolError } from "./errors";
import { text } from "./bytes";
import { GATEWAY, active, base, deliver, events, only, sent, sentTo, types } from "../../testkit/portable/mqttsn-wire";
import { MqttSnSession, type SessionEvent } from "../../src/mqttsn/session";
import { decodeSessionState, encodeSessionState } from "../../src/mqttsn/state";
import type { ProtocolError } from "../../src/common/errors";
import * as sn from "../../src/mqttsn/packet";
import { shortTopicId } from "../../src/mqttsn/topic-registry";
import { decode } from "../../src/mqttsn/encode";

function disconnectError(list: SessionEvent[]): ProtocolError | undefined {
	const event = list.find((e) => e.type === "disconnected");
	if (!event || event.type !== "disconnected") throw new Error(`expected a disconnected event in ${JSON.stringify(list.map((e) => e.type))}`);
	return event.error;
}

function messages(list: SessionEvent[]): string[] {
	const out: string[] = [];
	for (const e of list) if (e.type === "message") out.push(`${e.message.topic}=${String.fromCharCode(...e.message.payload)}`);
	return out;
}

/** Publishes `topic` at QoS 1 on an active session and answers REGISTER; returns the PUBLISH sent. */
function registeredPublish(session: MqttSnSession, topic: string, topicId: number, now: number, done?: (e?: ProtocolError) => void): sn.PublishMessage {
	session.publish(topic, text("v"), 1, false, now, done);
	const register = only(session, sn.MsgType.REGISTER);
	deliver(session, { type: sn.MsgType.REGACK, topicId, msgId: register.msgId, returnCode: 0 }, now);
	return only(session, sn.MsgType.PUBLISH);
}

describe("MQTT-SN session: connecting", () => {
	it("sends CONNECT to the configured gateway; CONNACK makes it active", () => {
		const session = new MqttSnSession(base);
		session.connect(0);
		const [out] = sentTo(session);
		check(out).toEqual({ message: { type: sn.MsgType.CONNECT, will: false, cleanSession: true, duration: 60, clientId: "lamp" }, address: GATEWAY.address, port: GATEWAY.port });
		check(session.status).toBe("connecting");
		deliver(session, { type: sn.MsgType.CONNACK, returnCode: 0 }, 10);
		check(events(session)).toEqual([{ type: "connected" }]);
		check(session.status).toBe("active");
	});

	it("answers the will prompts with WILLTOPIC and WILLMSG (6.3)", () => {
		const session = new MqttSnSession({ ...base, will: { topic: "lamp/status", payload: text("offline"), qos: 1, retain: true } });
		session.connect(0);
		check(only(session, sn.MsgType.CONNECT).will).toBe(true);
		deliver(session, { type: sn.MsgType.WILLTOPICREQ }, 10);
		check(sent(session)).toEqual([{ type: sn.MsgType.WILLTOPIC, qos: 1, retain: true, willTopic: "lamp/status" }]);
		deliver(session, { type: sn.MsgType.WILLMSGREQ }, 20);
		check(sent(session)).toEqual([{ type: sn.MsgType.WILLMSG, willMsg: text("offline") }]);
		deliver(session, { type: sn.MsgType.CONNACK, returnCode: 0 }, 30);
		check(session.status).toBe("active");
	});

	it("retransmits CONNECT every Tretry, Nretry times, then reports the gateway lost", () => {
		const session = new MqttSnSession(base);
		session.connect(0);
		sent(session);
		for (const t of [1000, 2000, 3000]) {
			check(session.nextTimeout()).toBe(t);
			session.tick(t - 1);
			check(sent(session)).toHaveLength(0);
			session.tick(t);
			check(types(session)).toEqual([sn.MsgType.CONNECT]);
		}
		session.tick(4000);
		check(disconnectError(events(session))?.code).toBe("GATEWAY_LOST");
		check(session.status).toBe("disconnected");
		check(session.gateway).toEqual(GATEWAY);
	});

	it("turns a refused CONNACK into a typed error: congestion apart from the rest", () => {
		for (const [returnCode, code] of [
			[sn.ReturnCode.REJECTED_CONGESTION, "REJECTED_CONGESTION"],
			[sn.ReturnCode.REJECTED_NOT_SUPPORTED, "CONNECTION_REFUSED"],
		] as const) {
			const session = new MqttSnSession(base);
			session.connect(0);
			deliver(session, { type: sn.MsgType.CONNACK, returnCode }, 1);
			check(disconnectError(events(session))?.code).toBe(code);
			check(session.status).toBe("disconnected");
		}
	});
});

describe("MQTT-SN session: finding the gateway", () => {
	const search = { address: "255.255.255.255", port: 1883, radius: 2 };
	const discovering = () => new MqttSnSession({ ...base, gateway: undefined, searchGw: search, tSearchGw: 5000, tGwInfo: 5000, maxSearchDelay: 60_000 });

	it("waits a random time below T_SEARCHGW, broadcasts SEARCHGW, and connects to the GWINFO's sender", () => {
		const session = discovering();
		session.connect(0);
		check(session.status).toBe("searching");
		check(session.nextTimeout()).toBe(2500); // random 0.5 of [0, 5 s)
		session.tick(2500);
		check(sentTo(session)).toEqual([{ message: { type: sn.MsgType.SEARCHGW, radius: 2 }, address: "255.255.255.255", port: 1883 }]);
		deliver(session, { type: sn.MsgType.GWINFO, gwId: 7 }, 2600, { gwId: 0, address: "10.0.0.9", port: 10000 });
		check(events(session)).toEqual([{ type: "gateway", gateway: { gwId: 7, address: "10.0.0.9", port: 10000 } }]);
		const [connect] = sentTo(session);
		check(connect.message.type).toBe(sn.MsgType.CONNECT);
		check(connect.address).toBe("10.0.0.9");
		check(session.status).toBe("connecting");
	});

	it("searches again after T_GWINFO plus a jittered delay whose ceiling doubles", () => {
		const session = discovering();
		session.connect(0);
		const at: number[] = [];
		for (let i = 0; i < 5; i++) {
			const next = session.nextTimeout() ?? -1;
			session.tick(next);
			check(types(session)).toEqual([sn.MsgType.SEARCHGW]);
			at.push(next);
		}
		// 2.5 s, then +5 s + 0.5 x 10 s, +5 + 0.5 x 20, +5 + 0.5 x 40, +5 + 0.5 x 60 (capped)
		check(at).toEqual([2500, 12_500, 27_500, 52_500, 87_500]);
	});

	it("holds its own SEARCHGW back when it hears another client's", () => {
		const session = discovering();
		session.connect(0);
		session.received(new Uint8Array([3, sn.MsgType.SEARCHGW, 1]), { address: "10.0.0.77", port: 1883 }, 1000);
		check(session.nextTimeout()).toBe(1000 + 5000 + 5000);
		session.tick(2500);
		check(sent(session)).toHaveLength(0);
	});

	it("takes the gateway from an ADVERTISE too, and takes a GwAdd from another client's GWINFO", () => {
		const session = discovering();
		session.connect(0);
		deliver(session, { type: sn.MsgType.ADVERTISE, gwId: 3, duration: 900 }, 100, { gwId: 0, address: "10.0.0.3", port: 1883 });
		check(session.gateway).toEqual({ gwId: 3, address: "10.0.0.3", port: 1883 });
		const other = discovering();
		other.connect(0);
		deliver(other, { type: sn.MsgType.GWINFO, gwId: 4, gwAdd: new Uint8Array([10, 0, 0, 4, 0x27, 0x10]) }, 100, { gwId: 0, address: "10.0.0.50", port: 1883 });
		check(other.gateway).toEqual({ gwId: 4, address: "10.0.0.4", port: 10000 });
	});

	it("loses the gateway after N_ADV missed ADVERTISE periods, then rediscovers another and registers afresh", () => {
		const session = new MqttSnSession({ ...base, gateway: undefined, searchGw: search, tSearchGw: 5000, keepAlive: 0 });
		session.connect(0);
		const first = { gwId: 1, address: "10.0.0.1", port: 1883 };
		deliver(session, { type: sn.MsgType.ADVERTISE, gwId: 1, duration: 60 }, 0, first);
		deliver(session, { type: sn.MsgType.CONNACK, returnCode: 0 }, 10, first);
		events(session);
		sent(session);
		registeredPublish(session, "home/t", 5, 20);
		deliver(session, { type: sn.MsgType.PUBACK, topicId: 5, msgId: 2, returnCode: 0 }, 30, first);
		deliver(session, { type: sn.MsgType.ADVERTISE, gwId: 1, duration: 60 }, 60_000, first);
		check(session.nextTimeout()).toBe(60_000 + 150_000); // N_ADV = 2 periods and half a period of slack
		session.tick(209_999);
		check(session.status).toBe("active");
		session.tick(210_000);
		check(disconnectError(events(session))?.code).toBe("GATEWAY_LOST");
		check(session.gateway).toBeUndefined();
		session.connect(211_000);
		session.tick(session.nextTimeout() ?? 0);
		check(types(session)).toEqual([sn.MsgType.SEARCHGW]);
		const second = { gwId: 2, address: "10.0.0.2", port: 1883 };
		deliver(session, { type: sn.MsgType.GWINFO, gwId: 2 }, 214_000, second);
		check(sentTo(session)[0].address).toBe("10.0.0.2");
		deliver(session, { type: sn.MsgType.CONNACK, returnCode: 0 }, 214_010, second);
		session.publish("home/t", text("again"), 0, false, 214_020);
		check(types(session)).toEqual([sn.MsgType.REGISTER]);
	});

	it("counts datagrams from any other address as foreign and ignores them", () => {
		const session = active();
		deliver(session, { type: sn.MsgType.PUBLISH, dup: false, qos: 0, retain: false, topicIdType: sn.TopicIdType.SHORT, topicId: shortTopicId("ab"), msgId: 0, data: text("x") }, 1, { gwId: 1, address: "10.0.0.66", port: 1883 });
		deliver(session, { type: sn.MsgType.DISCONNECT }, 1, { gwId: 1, address: GATEWAY.address, port: 1884 });
		check(session.dropped.foreign).toBe(2);
		check(events(session)).toHaveLength(0);
		check(session.status).toBe("active");
	});
});

describe("MQTT-SN session: publishing", () => {
	it("registers a topic name once, then publishes with its id; QoS 1 completes on PUBACK", () => {
		const session = active();
		const done: (string | undefined)[] = [];
		const publish = registeredPublish(session, "home/office/lamp/state", 9, 10, (e) => done.push(e?.code));
		check(publish).toEqual({ type: sn.MsgType.PUBLISH, dup: false, qos: 1, retain: false, topicIdType: sn.TopicIdType.NORMAL, topicId: 9, msgId: 2, data: text("v") });
		check(done).toHaveLength(0);
		deliver(session, { type: sn.MsgType.PUBACK, topicId: 9, msgId: 2, returnCode: 0 }, 20);
		check(done).toEqual([undefined]);
		session.publish("home/office/lamp/state", text("w"), 1, true, 30);
		const again = only(session, sn.MsgType.PUBLISH);
		check([again.topicId, again.msgId, again.retain]).toEqual([9, 3, true]);
	});

	it("keeps one request outstanding: a QoS 0 publish waits behind an unacknowledged QoS 1", () => {
		const session = active();
		registeredPublish(session, "a/b", 1, 0);
		session.publish("a/b", text("later"), 0, false, 1);
		check(sent(session)).toHaveLength(0);
		deliver(session, { type: sn.MsgType.PUBACK, topicId: 1, msgId: 2, returnCode: 0 }, 2);
		const next = only(session, sn.MsgType.PUBLISH);
		check([next.qos, next.msgId]).toEqual([0, 0]);
		check(session.idle).toBe(true);
	});

	it("resends an unacknowledged PUBLISH every Tretry with DUP and the same MsgId", () => {
		const session = active();
		registeredPublish(session, "a/b", 1, 0);
		session.tick(1000);
		const resent = only(session, sn.MsgType.PUBLISH);
		check([resent.dup, resent.msgId]).toEqual([true, 2]);
		session.tick(2000);
		session.tick(3000);
		check(types(session)).toEqual([sn.MsgType.PUBLISH, sn.MsgType.PUBLISH]);
		session.tick(4000);
		check(disconnectError(events(session))?.code).toBe("GATEWAY_LOST");
	});

	it("sets DUP on the retransmission only: a first PUBLISH or SUBSCRIBE not yet sent keeps it clear (6.13)", () => {
		// Both copies still wait to be polled (nobody polled before Tretry), as on a board that queues.
		const session = active();
		session.publish("ab", text("x"), 1, false, 0);
		session.tick(1000);
		check(sent(session).map((m) => m.type === sn.MsgType.PUBLISH && m.dup)).toEqual([false, true]);
		deliver(session, { type: sn.MsgType.PUBACK, topicId: shortTopicId("ab"), msgId: 1, returnCode: 0 }, 1001);
		session.subscribe("a/#", 1, 1002);
		session.tick(2002);
		check(sent(session).map((m) => m.type === sn.MsgType.SUBSCRIBE && m.dup)).toEqual([false, true]);
	});

	it("leaves the bytes of a first send alone when it retransmits: a board may still hold them (Node sends a tick later)", () => {
		const session = active();
		session.publish("ab", text("x"), 1, false, 0);
		const first = session.pollTransmit()?.bytes as Uint8Array;
		const copy = first.slice();
		session.tick(1000);
		const resent = session.pollTransmit()?.bytes as Uint8Array;
		check(Array.from(first)).toEqual(Array.from(copy));
		check((decode(resent) as sn.PublishMessage).dup).toBe(true);
		// The next retransmission may share the marked copy: every one of them carries DUP.
		session.tick(2000);
		check((decode(session.pollTransmit()?.bytes as Uint8Array) as sn.PublishMessage).dup).toBe(true);
	});

	it("walks QoS 2 through PUBREC, PUBREL and PUBCOMP, resending PUBREL without a DUP flag", () => {
		const session = active();
		let completed = false;
		session.publish("ab", text("x"), 2, false, 0, () => (completed = true));
		const publish = only(session, sn.MsgType.PUBLISH);
		check([publish.topicIdType, publish.topicId]).toEqual([sn.TopicIdType.SHORT, shortTopicId("ab")]);
		deliver(session, { type: sn.MsgType.PUBREC, msgId: publish.msgId }, 10);
		check(sent(session)).toEqual([{ type: sn.MsgType.PUBREL, msgId: publish.msgId }]);
		deliver(session, { type: sn.MsgType.PUBREC, msgId: publish.msgId }, 11);
		check(session.dropped.unexpected).toBe(1);
		session.tick(1010);
		check(sent(session)).toEqual([{ type: sn.MsgType.PUBREL, msgId: publish.msgId }]);
		deliver(session, { type: sn.MsgType.PUBCOMP, msgId: publish.msgId }, 1020);
		check(completed).toBe(true);
	});

	it("registers again when the gateway answers \"invalid topic id\", then publishes again", () => {
		const session = active();
		const first = registeredPublish(session, "a/b", 4, 0);
		deliver(session, { type: sn.MsgType.PUBACK, topicId: 4, msgId: first.msgId, returnCode: sn.ReturnCode.REJECTED_INVALID_TOPIC_ID }, 10);
		const register = only(session, sn.MsgType.REGISTER);
		check(register.topicName).toBe("a/b");
		deliver(session, { type: sn.MsgType.REGACK, topicId: 8, msgId: register.msgId, returnCode: 0 }, 20);
		const again = only(session, sn.MsgType.PUBLISH);
		check([again.topicId, again.msgId, again.dup]).toEqual([8, first.msgId, true]);
	});

	it("backs off for T_WAIT on congestion and fails with REJECTED_CONGESTION after Nretry of them", () => {
		const session = active({ tWait: 60_000 });
		let failure: string | undefined;
		session.publish("ab", text("x"), 1, false, 0, (e) => (failure = e?.code));
		let publish = only(session, sn.MsgType.PUBLISH);
		let now = 0;
		for (let i = 0; i < 3; i++) {
			deliver(session, { type: sn.MsgType.PUBACK, topicId: publish.topicId, msgId: publish.msgId, returnCode: sn.ReturnCode.REJECTED_CONGESTION }, now);
			check(session.nextTimeout()).toBe(now + 60_000);
			session.tick(now + 59_999);
			check(sent(session)).toHaveLength(0);
			now += 60_000;
			session.tick(now);
			publish = only(session, sn.MsgType.PUBLISH);
		}
		deliver(session, { type: sn.MsgType.PUBACK, topicId: publish.topicId, msgId: publish.msgId, returnCode: sn.ReturnCode.REJECTED_CONGESTION }, now);
		check(failure).toBe("REJECTED_CONGESTION");
		check(session.idle).toBe(true);
	});

	it("reports \"not supported\" and an unknown predefined id as typed errors to the application", () => {
		const session = active({ predefinedTopics: { "home/temp": 7 } });
		const codes: (string | undefined)[] = [];
		session.publish("home/temp", text("21"), 1, false, 0, (e) => codes.push(e?.code));
		const publish = only(session, sn.MsgType.PUBLISH);
		check([publish.topicIdType, publish.topicId]).toEqual([sn.TopicIdType.PREDEFINED, 7]);
		deliver(session, { type: sn.MsgType.PUBACK, topicId: 7, msgId: publish.msgId, returnCode: sn.ReturnCode.REJECTED_INVALID_TOPIC_ID }, 1);
		session.publish("x/y", text("1"), 1, false, 2, (e) => codes.push(e?.code));
		const register = only(session, sn.MsgType.REGISTER);
		deliver(session, { type: sn.MsgType.REGACK, topicId: 0, msgId: register.msgId, returnCode: sn.ReturnCode.REJECTED_NOT_SUPPORTED }, 3);
		check(codes).toEqual(["REJECTED_INVALID_TOPIC_ID", "REJECTED_NOT_SUPPORTED"]);
	});

	it("fails a message whose REGACK accepts it with a reserved topic id, and goes on with the next", () => {
		const session = active();
		const codes: (string | undefined)[] = [];
		session.publish("x/y", text("1"), 1, false, 0, (e) => codes.push(e?.code));
		session.publish("ab", text("2"), 0, false, 0, (e) => codes.push(e?.code));
		const register = only(session, sn.MsgType.REGISTER);
		deliver(session, { type: sn.MsgType.REGACK, topicId: 0, msgId: register.msgId, returnCode: 0 }, 1);
		// No REGISTER again: the next message goes out.
		check(types(session)).toEqual([sn.MsgType.PUBLISH]);
		check(codes).toEqual(["REJECTED_INVALID_TOPIC_ID", undefined]);
	});

	it("publishes QoS -1 at once to a predefined or short topic, without any connection", () => {
		const session = new MqttSnSession({ ...base, predefinedTopics: { "home/temp": 7 } });
		session.publish("home/temp", text("21.5"), -1, false, 0);
		session.publish("tt", text("1"), -1, true, 0);
		check(sent(session)).toEqual([
			{ type: sn.MsgType.PUBLISH, dup: false, qos: -1, retain: false, topicIdType: sn.TopicIdType.PREDEFINED, topicId: 7, msgId: 0, data: text("21.5") },
			{ type: sn.MsgType.PUBLISH, dup: false, qos: -1, retain: true, topicIdType: sn.TopicIdType.SHORT, topicId: shortTopicId("tt"), msgId: 0, data: text("1") },
		]);
		check(session.status).toBe("disconnected");
		expectProtocolError(() => session.publish("home/humidity", text("1"), -1, false, 0), "INVALID_TOPIC");
	});

	it("refuses invalid topics, oversized messages and a full queue at once, queueing nothing", () => {
		const session = new MqttSnSession({ ...base, maxPacketSize: 64, maxQueued: 2 });
		expectProtocolError(() => session.publish("a/#", text("x"), 0, false, 0), "INVALID_TOPIC");
		expectProtocolError(() => session.publish("a", new Uint8Array(60), 1, false, 0), "PACKET_TOO_LARGE");
		session.publish("a", text("1"), 1, false, 0);
		session.publish("a", text("2"), 1, false, 0);
		expectProtocolError(() => session.publish("a", text("3"), 1, false, 0), "QUEUE_FULL");
		check(session.exportState().outgoing).toHaveLength(2);
	});

	it("ignores stale and duplicated acknowledgements, counting them", () => {
		const session = active();
		const publish = registeredPublish(session, "a/b", 1, 0);
		deliver(session, { type: sn.MsgType.PUBACK, topicId: 1, msgId: publish.msgId + 100, returnCode: 0 }, 1);
		deliver(session, { type: sn.MsgType.PUBCOMP, msgId: publish.msgId }, 1);
		deliver(session, { type: sn.MsgType.SUBACK, qos: 0, topicId: 0, msgId: publish.msgId, returnCode: 0 }, 1);
		check(session.dropped.unexpected).toBe(3);
		check(session.idle).toBe(false);
		deliver(session, { type: sn.MsgType.PUBACK, topicId: 1, msgId: publish.msgId, returnCode: 0 }, 2);
		deliver(session, { type: sn.MsgType.PUBACK, topicId: 1, msgId: publish.msgId, returnCode: 0 }, 3);
		check(session.dropped.unexpected).toBe(4);
		check(session.idle).toBe(true);
	});
});

describe("MQTT-SN session: subscribing and receiving", () => {
	it("subscribes by name, keeps the id from SUBACK, delivers and acknowledges PUBLISH with it", () => {
		const session = active();
		let granted: number | undefined;
		session.subscribe("home/office/lamp", 1, 0, (_e, qos) => (granted = qos));
		const subscribe = only(session, sn.MsgType.SUBSCRIBE);
		check(subscribe.topic).toEqual({ topicIdType: sn.TopicIdType.NORMAL, topicName: "home/office/lamp" });
		deliver(session, { type: sn.MsgType.SUBACK, qos: 1, topicId: 12, msgId: subscribe.msgId, returnCode: 0 }, 1);
		check(granted).toBe(1);
		deliver(session, { type: sn.MsgType.PUBLISH, dup: false, qos: 1, retain: true, topicIdType: sn.TopicIdType.NORMAL, topicId: 12, msgId: 40, data: text("on") }, 2);
		check(events(session)).toEqual([{ type: "message", message: { topic: "home/office/lamp", payload: text("on"), qos: 1, retain: true, dup: false } }]);
		check(sent(session)).toEqual([{ type: sn.MsgType.PUBACK, topicId: 12, msgId: 40, returnCode: 0 }]);
	});

	it("subscribes to a wildcard filter; the gateway's REGISTER names each topic before its PUBLISH", () => {
		const session = active();
		session.subscribe("home/+/lamp", 0, 0);
		const subscribe = only(session, sn.MsgType.SUBSCRIBE);
		deliver(session, { type: sn.MsgType.SUBACK, qos: 0, topicId: 0, msgId: subscribe.msgId, returnCode: 0 }, 1);
		deliver(session, { type: sn.MsgType.REGISTER, topicId: 33, msgId: 7, topicName: "home/hall/lamp" }, 2);
		check(sent(session)).toEqual([{ type: sn.MsgType.REGACK, topicId: 33, msgId: 7, returnCode: 0 }]);
		deliver(session, { type: sn.MsgType.PUBLISH, dup: false, qos: 0, retain: false, topicIdType: sn.TopicIdType.NORMAL, topicId: 33, msgId: 0, data: text("off") }, 3);
		check(messages(events(session))).toEqual(["home/hall/lamp=off"]);
	});

	it("subscribes to predefined ids and short names by id, and unsubscribes", () => {
		const session = active({ predefinedTopics: { "home/cmd": 2 } });
		session.subscribe("home/cmd", 0, 0);
		const predefined = only(session, sn.MsgType.SUBSCRIBE);
		check(predefined.topic).toEqual({ topicIdType: sn.TopicIdType.PREDEFINED, topicId: 2 });
		deliver(session, { type: sn.MsgType.SUBACK, qos: 0, topicId: 2, msgId: predefined.msgId, returnCode: 0 }, 1);
		session.subscribe("xy", 2, 2);
		const short = only(session, sn.MsgType.SUBSCRIBE);
		check(short.topic).toEqual({ topicIdType: sn.TopicIdType.SHORT, topicId: shortTopicId("xy") });
		deliver(session, { type: sn.MsgType.SUBACK, qos: 2, topicId: 0, msgId: short.msgId, returnCode: 0 }, 3);
		deliver(session, { type: sn.MsgType.PUBLISH, dup: false, qos: 0, retain: false, topicIdType: sn.TopicIdType.PREDEFINED, topicId: 2, msgId: 0, data: text("a") }, 4);
		deliver(session, { type: sn.MsgType.PUBLISH, dup: false, qos: 0, retain: false, topicIdType: sn.TopicIdType.SHORT, topicId: shortTopicId("xy"), msgId: 0, data: text("b") }, 4);
		check(messages(events(session))).toEqual(["home/cmd=a", "xy=b"]);
		let unsubscribed = false;
		session.unsubscribe("xy", 5, () => (unsubscribed = true));
		const unsubscribe = only(session, sn.MsgType.UNSUBSCRIBE);
		check(unsubscribe.topic).toEqual({ topicIdType: sn.TopicIdType.SHORT, topicId: shortTopicId("xy") });
		deliver(session, { type: sn.MsgType.UNSUBACK, msgId: unsubscribe.msgId }, 6);
		check(unsubscribed).toBe(true);
	});

	it("reports a refused subscription as SUBSCRIPTION_REFUSED or REJECTED_NOT_SUPPORTED", () => {
		const session = active();
		const codes: (string | undefined)[] = [];
		session.subscribe("a", 1, 0, (e) => codes.push(e?.code));
		deliver(session, { type: sn.MsgType.SUBACK, qos: 0, topicId: 0, msgId: only(session, sn.MsgType.SUBSCRIBE).msgId, returnCode: sn.ReturnCode.REJECTED_INVALID_TOPIC_ID }, 1);
		session.subscribe("b", 1, 2, (e) => codes.push(e?.code));
		deliver(session, { type: sn.MsgType.SUBACK, qos: 0, topicId: 0, msgId: only(session, sn.MsgType.SUBSCRIBE).msgId, returnCode: sn.ReturnCode.REJECTED_NOT_SUPPORTED }, 3);
		check(codes).toEqual(["SUBSCRIPTION_REFUSED", "REJECTED_NOT_SUPPORTED"]);
		check(session.exportState().subscriptions).toHaveLength(0);
	});

	it("answers a PUBLISH to an unknown topic id with PUBACK \"invalid topic id\" and delivers nothing", () => {
		const session = active();
		deliver(session, { type: sn.MsgType.PUBLISH, dup: false, qos: 1, retain: false, topicIdType: sn.TopicIdType.NORMAL, topicId: 99, msgId: 5, data: text("x") }, 1);
		check(sent(session)).toEqual([{ type: sn.MsgType.PUBACK, topicId: 99, msgId: 5, returnCode: sn.ReturnCode.REJECTED_INVALID_TOPIC_ID }]);
		check(events(session)).toHaveLength(0);
	});

	it("delivers an incoming QoS 2 message once, even when a duplicate arrives after PUBREL", () => {
		const session = active();
		const publish: sn.PublishMessage = { type: sn.MsgType.PUBLISH, dup: false, qos: 2, retain: false, topicIdType: sn.TopicIdType.SHORT, topicId: shortTopicId("ab"), msgId: 70, data: text("once") };
		deliver(session, publish, 1);
		deliver(session, { ...publish, dup: true }, 2);
		check(sent(session)).toEqual([
			{ type: sn.MsgType.PUBREC, msgId: 70 },
			{ type: sn.MsgType.PUBREC, msgId: 70 },
		]);
		deliver(session, { type: sn.MsgType.PUBREL, msgId: 70 }, 3);
		check(sent(session)).toEqual([{ type: sn.MsgType.PUBCOMP, msgId: 70 }]);
		deliver(session, { ...publish, dup: true }, 4);
		check(messages(events(session))).toEqual(["ab=once"]);
		deliver(session, { ...publish, msgId: 71 }, 5);
		check(messages(events(session))).toEqual(["ab=once"]);
	});

	it("subscribes again after a clean reconnect, before what was queued", () => {
		const session = active();
		session.subscribe("cmd/+", 1, 0);
		deliver(session, { type: sn.MsgType.SUBACK, qos: 1, topicId: 0, msgId: only(session, sn.MsgType.SUBSCRIBE).msgId, returnCode: 0 }, 1);
		deliver(session, { type: sn.MsgType.DISCONNECT }, 2);
		check(disconnectError(events(session))?.code).toBe("CONNECTION_LOST");
		session.publish("ab", text("x"), 1, false, 3);
		session.connect(4);
		check(types(session)).toEqual([sn.MsgType.CONNECT]);
		deliver(session, { type: sn.MsgType.CONNACK, returnCode: 0 }, 5);
		const subscribe = only(session, sn.MsgType.SUBSCRIBE);
		check(subscribe.topic).toEqual({ topicIdType: sn.TopicIdType.NORMAL, topicName: "cmd/+" });
		deliver(session, { type: sn.MsgType.SUBACK, qos: 1, topicId: 0, msgId: subscribe.msgId, returnCode: 0 }, 6);
		check(types(session)).toEqual([sn.MsgType.PUBLISH]);
	});
});

describe("MQTT-SN session: keep-alive and will updates", () => {
	it("pings after keep-alive seconds without sending, and loses the gateway when PINGRESP never comes", () => {
		const session = active({ keepAlive: 10 });
		check(session.nextTimeout()).toBe(10_000);
		session.tick(10_000);
		check(sent(session)).toEqual([{ type: sn.MsgType.PINGREQ }]);
		deliver(session, { type: sn.MsgType.PINGRESP }, 10_010);
		check(session.nextTimeout()).toBe(20_000);
		session.tick(20_000);
		for (const t of [21_000, 22_000, 23_000]) session.tick(t);
		check(types(session)).toEqual([sn.MsgType.PINGREQ, sn.MsgType.PINGREQ, sn.MsgType.PINGREQ, sn.MsgType.PINGREQ]);
		session.tick(24_000);
		check(disconnectError(events(session))?.code).toBe("GATEWAY_LOST");
	});

	it("updates the will with WILLTOPICUPD and WILLMSGUPD, and deletes it with an empty WILLTOPICUPD", () => {
		const session = active();
		let updated = false;
		session.updateWill({ topic: "s", payload: text("gone"), qos: 1, retain: true }, 0, () => (updated = true));
		check(sent(session)).toEqual([{ type: sn.MsgType.WILLTOPICUPD, qos: 1, retain: true, willTopic: "s" }]);
		deliver(session, { type: sn.MsgType.WILLTOPICRESP, returnCode: 0 }, 1);
		check(sent(session)).toEqual([{ type: sn.MsgType.WILLMSGUPD, willMsg: text("gone") }]);
		check(updated).toBe(false);
		deliver(session, { type: sn.MsgType.WILLMSGRESP, returnCode: 0 }, 2);
		check(updated).toBe(true);
		let failed: string | undefined;
		session.updateWill(undefined, 3, (e) => (failed = e?.code));
		check(sent(session)).toEqual([{ type: sn.MsgType.WILLTOPICUPD, qos: 0, retain: false, willTopic: "" }]);
		deliver(session, { type: sn.MsgType.WILLTOPICRESP, returnCode: sn.ReturnCode.REJECTED_NOT_SUPPORTED }, 4);
		check(failed).toBe("REJECTED_NOT_SUPPORTED");
	});
});

describe("MQTT-SN session: sleeping client", () => {
	it("sleeps, wakes to collect buffered messages until PINGRESP, sleeps again, then becomes active", () => {
		const session = active({ keepAlive: 10, will: { topic: "s", payload: text("offline"), qos: 1, retain: true } });
		session.subscribe("ab", 1, 0);
		deliver(session, { type: sn.MsgType.SUBACK, qos: 1, topicId: 0, msgId: only(session, sn.MsgType.SUBSCRIBE).msgId, returnCode: 0 }, 1);
		session.sleep(600, 2);
		check(sent(session)).toEqual([{ type: sn.MsgType.DISCONNECT, duration: 600 }]);
		check(session.status).toBe("disconnecting");
		deliver(session, { type: sn.MsgType.DISCONNECT }, 3);
		check(events(session)).toEqual([{ type: "asleep" }]);
		check(session.status).toBe("asleep");
		check(session.nextTimeout()).toBeUndefined(); // no keep-alive while asleep

		session.checkMessages(300_000);
		check(sent(session)).toEqual([{ type: sn.MsgType.PINGREQ, clientId: "lamp" }]);
		check(session.status).toBe("awake");
		const buffered = (msgId: number, qos: 0 | 1, data: string): sn.PublishMessage => ({
			type: sn.MsgType.PUBLISH,
			dup: false,
			qos,
			retain: false,
			topicIdType: sn.TopicIdType.SHORT,
			topicId: shortTopicId("ab"),
			msgId,
			data: text(data),
		});
		deliver(session, buffered(11, 1, "first"), 300_010);
		deliver(session, buffered(0, 0, "second"), 300_900);
		// The gateway is alive and still sending: Tretry restarts with every buffered message.
		session.tick(301_000);
		check(sent(session)).toEqual([{ type: sn.MsgType.PUBACK, topicId: shortTopicId("ab"), msgId: 11, returnCode: 0 }]);
		deliver(session, { type: sn.MsgType.PINGRESP }, 301_100);
		const list = events(session);
		check(messages(list)).toEqual(["ab=first", "ab=second"]);
		check(list[list.length - 1]).toEqual({ type: "asleep" });
		check(session.status).toBe("asleep");

		session.connect(600_000);
		check(sent(session)).toEqual([{ type: sn.MsgType.CONNECT, will: false, cleanSession: false, duration: 10, clientId: "lamp" }]);
		deliver(session, { type: sn.MsgType.CONNACK, returnCode: 0 }, 600_010);
		check(session.status).toBe("active");
		check(sent(session)).toHaveLength(0); // the subscription is kept: nothing to send again
	});

	it("CONNECTs (clean session false) when a wake-up's PINGREQ is never answered, and loses the gateway if that goes unanswered too", () => {
		const session = active({ will: { topic: "s", payload: text("offline"), qos: 1, retain: true } });
		session.sleep(60, 0);
		deliver(session, { type: sn.MsgType.DISCONNECT }, 1);
		check(types(session)).toEqual([sn.MsgType.DISCONNECT]);
		session.checkMessages(10_000);
		for (const t of [11_000, 12_000, 13_000]) session.tick(t);
		// Nretry (3) retransmissions of PINGREQ, then a CONNECT instead of giving up.
		check(types(session)).toEqual([sn.MsgType.PINGREQ, sn.MsgType.PINGREQ, sn.MsgType.PINGREQ, sn.MsgType.PINGREQ]);
		session.tick(14_000);
		// With the will: a gateway that lost the session lost it too.
		check(sent(session)).toEqual([{ type: sn.MsgType.CONNECT, will: true, cleanSession: false, duration: 60, clientId: "lamp" }]);
		check(events(session).filter((e) => e.type === "reconnecting")).toHaveLength(1);
		// Until CONNACK the gateway may still hold the sleeping session: it is kept so.
		check(session.asleepAtGateway).toBe(true);
		check(session.exportState().asleep).toBe(true);
		for (const t of [15_000, 16_000, 17_000, 18_000]) session.tick(t);
		check(disconnectError(events(session))?.code).toBe("GATEWAY_LOST");
	});

	it("refuses to sleep unless active and to collect messages unless asleep", () => {
		const session = new MqttSnSession(base);
		expectProtocolError(() => session.sleep(10, 0), "PROTOCOL_VIOLATION");
		expectProtocolError(() => session.checkMessages(0), "PROTOCOL_VIOLATION");
	});

	it("disconnects cleanly: DISCONNECT, then disconnected without an error once the gateway answers", () => {
		const session = active();
		session.disconnect(0);
		check(sent(session)).toEqual([{ type: sn.MsgType.DISCONNECT }]);
		deliver(session, { type: sn.MsgType.DISCONNECT }, 1);
		check(events(session)).toEqual([{ type: "disconnected", error: undefined }]);
	});
});

describe("MQTT-SN session: durable state across deep sleep", () => {
	it("restores gateway, topic ids, message ids and unacknowledged messages: no REGISTER after waking", () => {
		const search = { address: "255.255.255.255", port: 1883, radius: 1 };
		const session = new MqttSnSession({ ...base, gateway: undefined, searchGw: search, cleanSession: false });
		session.connect(0);
		deliver(session, { type: sn.MsgType.GWINFO, gwId: 1 }, 1);
		deliver(session, { type: sn.MsgType.CONNACK, returnCode: 0 }, 2);
		sent(session);
		session.subscribe("cmd", 1, 3);
		deliver(session, { type: sn.MsgType.SUBACK, qos: 1, topicId: 20, msgId: only(session, sn.MsgType.SUBSCRIBE).msgId, returnCode: 0 }, 4);
		const publish = registeredPublish(session, "sensors/temperature", 21, 5);
		session.publish("sensors/temperature", text("queued"), 2, false, 6);
		deliver(session, { type: sn.MsgType.PUBLISH, dup: false, qos: 2, retain: false, topicIdType: sn.TopicIdType.NORMAL, topicId: 20, msgId: 90, data: text("on") }, 7);
		session.sleep(3600, 8);
		deliver(session, { type: sn.MsgType.DISCONNECT }, 9);
		events(session);
		sent(session);

		const bytes = encodeSessionState(session.exportState());
		const state = decodeSessionState(bytes);
		check(state).toEqual(session.exportState());
		check(state.gateway).toEqual(GATEWAY);
		check(state.asleep).toBe(true);
		check(state.registrations).toEqual([
			{ topicId: 20, topicName: "cmd" },
			{ topicId: 21, topicName: "sensors/temperature" },
		]);
		check(state.outgoing.map((m) => [m.msgId, m.qos])).toEqual([
			[publish.msgId, 1],
			[0, 2],
		]);
		check(state.awaitingRelease).toEqual([90]);

		const woken = new MqttSnSession({ ...base, gateway: undefined, searchGw: search, cleanSession: false, state });
		check(woken.status).toBe("asleep");
		woken.connect(100_000);
		check(sent(woken)).toEqual([{ type: sn.MsgType.CONNECT, will: false, cleanSession: false, duration: 60, clientId: "lamp" }]);
		deliver(woken, { type: sn.MsgType.CONNACK, returnCode: 0 }, 100_001);
		const resent = only(woken, sn.MsgType.PUBLISH);
		check([resent.topicId, resent.msgId, resent.dup]).toEqual([21, publish.msgId, true]);
		deliver(woken, { type: sn.MsgType.PUBACK, topicId: 21, msgId: publish.msgId, returnCode: 0 }, 100_002);
		const queued = only(woken, sn.MsgType.PUBLISH);
		check([queued.topicId, queued.qos, queued.dup, queued.msgId]).toEqual([21, 2, false, publish.msgId + 1]);
		// The QoS 2 message that arrived before sleeping is not delivered again.
		deliver(woken, { type: sn.MsgType.PUBLISH, dup: true, qos: 2, retain: false, topicIdType: sn.TopicIdType.NORMAL, topicId: 20, msgId: 90, data: text("on") }, 100_003);
		check(messages(events(woken))).toEqual([]);
	});

	it("refuses bytes that are not a saved state", () => {
		expectProtocolError(() => decodeSessionState(new Uint8Array([9, 0])), "MALFORMED_PACKET");
		const good = encodeSessionState(active().exportState());
		expectProtocolError(() => decodeSessionState(good.subarray(0, good.length - 1)), "MALFORMED_PACKET");
		expectProtocolError(() => decodeSessionState(new Uint8Array([...good, 0])), "MALFORMED_PACKET");
	});
});

describe("MQTT-SN session: bad datagrams", () => {
	it("drops and counts truncated, oversized, mismatched and unknown datagrams, never throwing", () => {
		const session = active({ maxPacketSize: 32 });
		const from = (bytes: number[]) => session.received(new Uint8Array(bytes), GATEWAY, 1);
		from([]);
		from([5, sn.MsgType.PUBLISH, 0]);
		from([3, sn.MsgType.CONNACK, 0, 0]);
		from([2, 0x03]);
		from([2, 0xff]);
		from(new Array(40).fill(0).map((_, i) => (i === 0 ? 40 : i === 1 ? sn.MsgType.PUBLISH : 0)));
		check(session.dropped).toEqual({ malformed: 3, oversized: 1, unknownType: 2, foreign: 0, unexpected: 0, overflow: 0 });
		check(events(session)).toHaveLength(0);
		check(session.status).toBe("active");
	});

	it("counts messages that come at the wrong time as unexpected", () => {
		const session = active();
		deliver(session, { type: sn.MsgType.CONNACK, returnCode: 0 }, 1);
		deliver(session, { type: sn.MsgType.WILLTOPICREQ }, 1);
		deliver(session, { type: sn.MsgType.CONNECT, will: false, cleanSession: true, duration: 1, clientId: "x" }, 1);
		check(session.dropped.unexpected).toBe(3);
		check(sent(session)).toHaveLength(0);
	});
});
