/**
 * The MQTT session on a virtual clock: every `now` is a number the test chooses, so
 * keep-alive, dead-connection detection and resend order are checked exactly.
 */
import { describe, it, check } from "./test-api";
import { expectProtocolError } from "./errors";
import { text } from "./bytes";
import { asPublish, awaitingRelease, connack, packetsIn, publishBytes, sent, unacknowledged } from "../../testkit/portable/mqtt-wire";
import { MqttSession, type SessionEvent, type SessionOptions } from "../../src/mqtt/session";
import { encodeAny } from "../../testkit/portable/mqtt-client-packets";
import { CONNECT, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT } from "../../testkit/portable/mqtt-types";
import type { ProtocolError } from "../../src/common/errors";

const base: SessionOptions = { clientId: "lamp", cleanSession: false, keepAlive: 10 };

function events(session: MqttSession): SessionEvent[] {
	const out: SessionEvent[] = [];
	for (let e = session.pollEvent(); e; e = session.pollEvent()) out.push(e);
	return out;
}

/** A session that is connected at time `now` with everything before drained. */
function online(options: Partial<SessionOptions> = {}, now = 0, sessionPresent = false): MqttSession {
	const session = new MqttSession({ ...base, ...options });
	session.open(now);
	session.received(connack(sessionPresent), now);
	sent(session);
	events(session);
	return session;
}

/** A session restored from `state`, reconnected to a broker that kept it, with what it resent drained. */
function resumed(state: SessionOptions["state"] & object, now = 0): MqttSession {
	const session = new MqttSession({ ...base, state });
	session.open(now);
	session.received(connack(true), now);
	sent(session);
	return session;
}

function closeError(session: MqttSession): ProtocolError | undefined {
	const close = events(session).find((e) => e.type === "close");
	if (!close || close.type !== "close") throw new Error("expected a close event");
	return close.error;
}

describe("MQTT session: connecting", () => {
	it("sends CONNECT with the options, then CONNACK makes it online", () => {
		const session = new MqttSession({ ...base, username: "u", password: text("secret"), will: { topic: "s", payload: text("offline"), qos: 1, retain: true } });
		session.open(0);
		const [connect] = sent(session);
		check(connect).toEqual({ type: CONNECT, clientId: "lamp", cleanSession: false, keepAlive: 10, username: "u", password: text("secret"), will: { topic: "s", payload: text("offline"), qos: 1, retain: true } });
		check(session.status).toBe("connecting");
		session.received(connack(true), 5);
		check(events(session)).toEqual([{ type: "connected", sessionPresent: true }]);
		check(session.status).toBe("online");
	});

	it("writes PUBLISHes queued before connecting right after CONNECT, without waiting for CONNACK (3.1.4)", () => {
		const session = new MqttSession(base);
		session.publish("t/1", text("a"), 1, false, 0);
		session.publish("t/0", text("b"), 0, false, 0);
		check(sent(session)).toHaveLength(0);
		session.open(1);
		const packets = sent(session);
		check(packets.map((p) => p.type)).toEqual([CONNECT, PUBLISH, PUBLISH]);
		check(asPublish(packets[1]).packetId).toBe(1);
		check(asPublish(packets[1]).dup).toBe(false);
	});

	it("treats a refused CONNACK as a typed error and asks to close", () => {
		const session = new MqttSession(base);
		session.open(0);
		sent(session);
		session.received(connack(false, 4), 1);
		const error = closeError(session);
		check(error?.code).toBe("CONNECTION_REFUSED");
		check(error?.message).toContain("bad user name or password");
		check(session.status).toBe("offline");
	});

	it("gives up waiting for CONNACK after the connect timeout", () => {
		const session = new MqttSession({ ...base, connectTimeout: 3000 });
		session.open(100);
		check(session.nextTimeout()).toBe(3100);
		session.tick(3099);
		check(events(session)).toHaveLength(0);
		session.tick(3100);
		check(closeError(session)?.code).toBe("CONNECT_TIMEOUT");
	});

	it("refuses anything but CONNACK first (3.2.0-1)", () => {
		const session = new MqttSession(base);
		session.open(0);
		session.received(encodeAny({ type: PINGRESP }), 1);
		check(closeError(session)?.code).toBe("PROTOCOL_VIOLATION");
	});

	it("generates a client id for an empty one with a clean session, refuses it for a persistent one", () => {
		const session = new MqttSession({ clientId: "", cleanSession: true, keepAlive: 0, random: () => 0.5 });
		check(session.clientId).toBe("lampnode-88888888");
		expectProtocolError(() => new MqttSession({ clientId: "", cleanSession: false, keepAlive: 0 }), "PROTOCOL_VIOLATION");
	});
});

describe("MQTT session: keep-alive", () => {
	it("sends PINGREQ before keep-alive seconds pass without sending (3.1.2-23: the gap must not exceed it)", () => {
		const session = online({ keepAlive: 10 }, 0);
		check(session.nextTimeout()).toBe(9_000);
		session.tick(8_999);
		check(sent(session)).toHaveLength(0);
		session.tick(9_000);
		check(sent(session).map((p) => p.type)).toEqual([PINGREQ]);
		session.received(encodeAny({ type: PINGRESP }), 9_050);
		check(session.nextTimeout()).toBe(18_000);
	});

	it("pings at most 5 s early on a long keep-alive", () => {
		const session = online({ keepAlive: 600 }, 0);
		check(session.nextTimeout()).toBe(595_000);
	});

	it("counts any packet sent as activity: a publish at 6 s moves the ping to 15 s", () => {
		const session = online({ keepAlive: 10 }, 0);
		session.received(encodeAny({ type: PINGRESP }), 6_000);
		session.publish("t", text("x"), 0, false, 6_000);
		sent(session);
		check(session.nextTimeout()).toBe(15_000);
	});

	it("also pings when only sending: nothing received for most of keep-alive asks for a PINGRESP", () => {
		const session = online({ keepAlive: 10 }, 0);
		for (let t = 1000; t < 9_000; t += 1000) session.publish("t", text("x"), 0, false, t);
		sent(session);
		session.tick(9_000);
		check(sent(session).map((p) => p.type)).toEqual([PINGREQ]);
	});

	it("declares the connection dead when nothing arrives within 1.5x keep-alive", () => {
		const session = online({ keepAlive: 10 }, 0);
		session.tick(9_000);
		check(sent(session).map((p) => p.type)).toEqual([PINGREQ]);
		check(session.nextTimeout()).toBe(15_000);
		session.tick(14_999);
		check(events(session)).toHaveLength(0);
		session.tick(15_000);
		check(closeError(session)?.code).toBe("KEEP_ALIVE_TIMEOUT");
	});

	it("counts only whole packets as heard: a packet dripped a byte at a time does not keep a dead link open", () => {
		const session = online({ keepAlive: 10 }, 0);
		const drip = publishBytes("t", new Uint8Array(40), 0);
		for (let t = 2_000, i = 0; t < 15_000; t += 2_000, i++) {
			session.received(drip.subarray(i, i + 1), t);
			session.tick(t);
		}
		sent(session);
		session.tick(15_000);
		check(closeError(session)?.code).toBe("KEEP_ALIVE_TIMEOUT");
	});

	it("ends the link when PINGREQ goes unanswered, even while other packets keep arriving", () => {
		const session = online({ keepAlive: 10 }, 0);
		session.tick(9_000);
		check(sent(session).map((p) => p.type)).toEqual([PINGREQ]);
		for (let t = 9_500; t < 15_000; t += 500) {
			session.received(publishBytes("t", text("x"), 0), t);
			session.tick(t);
		}
		check(events(session).every((e) => e.type === "message")).toBe(true);
		check(session.nextTimeout()).toBe(15_000);
		session.tick(15_000);
		check(closeError(session)?.code).toBe("KEEP_ALIVE_TIMEOUT");
	});

	it("has no deadline with keep-alive 0", () => {
		const session = online({ keepAlive: 0 }, 0);
		check(session.nextTimeout()).toBeUndefined();
		session.tick(1e9);
		check(sent(session)).toHaveLength(0);
	});
});

describe("MQTT session: QoS flows", () => {
	it("sends MQTT 5 message properties without them: 3.1.1 has no such fields", () => {
		const session = online();
		session.publish("t", text("x"), 0, false, 1);
		session.publish("t", text("x"), 1, false, 1, undefined, { messageExpiryInterval: 60, userProperties: [["a", "b"]] });
		session.publish("t", text("x"), 0, false, 1, undefined, { contentType: "text/plain" });
		const [a, b, c] = sent(session).map(asPublish);
		check([a.topic, a.payload, a.qos]).toEqual(["t", text("x"), 0]);
		check([b.topic, b.payload, b.qos]).toEqual(["t", text("x"), 1]);
		check(c).toEqual(a);
	});
	it("QoS 1 out: PUBLISH, PUBACK completes it", () => {
		const session = online();
		let done = 0;
		session.publish("a/b", text("hi"), 1, true, 1, () => done++);
		const publish = asPublish(sent(session)[0]);
		check(publish).toEqual({ type: PUBLISH, topic: "a/b", payload: text("hi"), qos: 1, retain: true, dup: false, packetId: 1 });
		check(unacknowledged(session)).toBe(1);
		session.received(encodeAny({ type: PUBACK, packetId: 1 }), 2);
		check(done).toBe(1);
		check(unacknowledged(session)).toBe(0);
		check(session.idle).toBe(true);
	});

	it("QoS 2 out: PUBLISH, PUBREC -> PUBREL, PUBCOMP completes it", () => {
		const session = online();
		let done = 0;
		session.publish("a", text("x"), 2, false, 1, () => done++);
		check(sent(session).map((p) => p.type)).toEqual([PUBLISH]);
		session.received(encodeAny({ type: PUBREC, packetId: 1 }), 2);
		check(sent(session)).toEqual([{ type: PUBREL, packetId: 1 }]);
		check(done).toBe(0);
		session.received(encodeAny({ type: PUBCOMP, packetId: 1 }), 3);
		check(done).toBe(1);
		check(session.idle).toBe(true);
	});

	it("QoS 1 in: delivers and PUBACKs", () => {
		const session = online();
		session.received(publishBytes("x", text("1"), 1, 7), 1);
		check(events(session).map((e) => e.type)).toEqual(["message"]);
		check(sent(session)).toEqual([{ type: PUBACK, packetId: 7 }]);
	});

	it("QoS 2 in: delivers once, even when the PUBLISH is resent before PUBREL", () => {
		const session = online();
		session.received(publishBytes("x", text("1"), 2, 9), 1);
		check(events(session)).toHaveLength(1);
		check(sent(session)).toEqual([{ type: PUBREC, packetId: 9 }]);
		session.received(publishBytes("x", text("1"), 2, 9, true), 2);
		check(events(session)).toHaveLength(0);
		check(sent(session)).toEqual([{ type: PUBREC, packetId: 9 }]);
		session.received(encodeAny({ type: PUBREL, packetId: 9 }), 3);
		check(sent(session)).toEqual([{ type: PUBCOMP, packetId: 9 }]);
		// The id is free again: a new message with it is a new message.
		session.received(publishBytes("x", text("2"), 2, 9), 4);
		check(events(session)).toHaveLength(1);
	});

	it("QoS 2 in: the id stays remembered across a reconnect of a persistent session", () => {
		const session = online();
		session.received(publishBytes("x", text("1"), 2, 9), 1);
		events(session);
		session.closed();
		session.open(10);
		session.received(connack(true), 11);
		events(session);
		sent(session);
		session.received(publishBytes("x", text("1"), 2, 9, true), 12);
		check(events(session)).toHaveLength(0);
	});

	it("QoS 2 in: a broker that lost the session (session present 0) sends new messages, none suppressed as a resend", () => {
		const session = online({ cleanSession: false });
		session.received(publishBytes("x", text("1"), 2, 9), 1);
		events(session);
		session.closed();
		session.open(10);
		session.received(connack(false), 11);
		events(session);
		sent(session);
		// Id 9 is a new message now: the broker kept no state that could make it a resend.
		session.received(publishBytes("x", text("2"), 2, 9), 12);
		check(events(session).filter((e) => e.type === "message")).toHaveLength(1);
	});

	it("caps incoming QoS 2 ids awaiting PUBREL: past the cap, DISCONNECT and a TABLE_FULL close", () => {
		const session = online({ maxAwaitingRelease: 3 });
		for (let id = 1; id <= 3; id++) session.received(publishBytes("x", text("1"), 2, id), id);
		check(sent(session).map((p) => p.type)).toEqual([PUBREC, PUBREC, PUBREC]);
		check(awaitingRelease(session)).toBe(3);
		// A resend of a remembered id is no new entry: still acknowledged.
		session.received(publishBytes("x", text("1"), 2, 2, true), 4);
		check(sent(session).map((p) => p.type)).toEqual([PUBREC]);
		session.received(publishBytes("x", text("1"), 2, 4), 5);
		check(sent(session).map((p) => p.type)).toEqual([DISCONNECT]);
		check(closeError(session)?.code).toBe("TABLE_FULL");
		check(awaitingRelease(session)).toBe(3);
	});

	it("allocates packet ids skipping those in use, and wraps at 65535", () => {
		const session = resumed({ nextPacketId: 65535, inflight: [{ packet: publishBytes("t", text("x"), 1, 1), released: false }], queued: [], awaitingRelease: [], subscriptions: [] });
		session.publish("t", text("a"), 1, false, 1);
		session.publish("t", text("b"), 1, false, 1);
		check(sent(session).map((p) => asPublish(p).packetId)).toEqual([65535, 2]);
	});

	it("skips every id in flight after the ids wrap, however many were handed out in between", () => {
		const inflight = [1, 3].map((id) => ({ packet: publishBytes("t", text("x"), 1, id), released: false }));
		const session = resumed({ nextPacketId: 65534, inflight, queued: [], awaitingRelease: [], subscriptions: [] });
		for (const n of ["a", "b", "c", "d"]) session.publish("t", text(n), 1, false, 1);
		check(sent(session).map((p) => asPublish(p).packetId)).toEqual([65534, 65535, 2, 4]);
		session.received(encodeAny({ type: PUBACK, packetId: 3 }), 2);
		// A second lap: 3 is free again, 1 and 2 are still in flight.
		const laps = resumed({ ...session.exportState(), nextPacketId: 65535 }, 4);
		laps.publish("t", text("e"), 1, false, 5);
		laps.publish("t", text("f"), 1, false, 5);
		check(sent(laps).map((p) => asPublish(p).packetId)).toEqual([3, 5]);
	});

	it("with a wide window, PUBACKs in and out of order each complete one message once", () => {
		const session = online({ inflightWindow: 40 });
		const done: number[] = [];
		for (let n = 1; n <= 40; n++) session.publish("t", text(String(n)), 1, false, 1, () => done.push(n));
		check(sent(session)).toHaveLength(40);
		for (let id = 1; id <= 7; id++) session.received(encodeAny({ type: PUBACK, packetId: id }), 2);
		session.received(encodeAny({ type: PUBACK, packetId: 20 }), 2);
		// Again, for messages already complete: nothing more happens.
		session.received(encodeAny({ type: PUBACK, packetId: 7 }), 2);
		session.received(encodeAny({ type: PUBACK, packetId: 3 }), 2);
		session.received(encodeAny({ type: PUBACK, packetId: 20 }), 2);
		check(done).toEqual([1, 2, 3, 4, 5, 6, 7, 20]);
		check(unacknowledged(session)).toBe(32);
		// The window has room for exactly the eight acknowledged.
		for (let n = 41; n <= 50; n++) session.publish("t", text(String(n)), 1, false, 3, () => done.push(n));
		check(sent(session).map((p) => asPublish(p).packetId)).toEqual([41, 42, 43, 44, 45, 46, 47, 48]);
		check(session.exportState().inflight.map((m) => asPublish(packetsIn(m.packet)[0]).packetId)).toEqual([
			...Array.from({ length: 33 }, (_, i) => 8 + i).filter((id) => id !== 20),
			...[41, 42, 43, 44, 45, 46, 47, 48],
		]);
		session.closed();
		session.open(4);
		const resent = sent(session).slice(1).map(asPublish);
		check(resent.every((p) => p.dup)).toBe(true);
		check(resent.map((p) => p.packetId)[0]).toBe(8);
		check(resent).toHaveLength(40);
	});

	it("keeps at most inflightWindow messages unacknowledged; the rest wait in order", () => {
		const session = online({ inflightWindow: 2 });
		for (const n of ["1", "2", "3", "4"]) session.publish("t", text(n), 1, false, 1);
		check(sent(session).map((p) => asPublish(p).packetId)).toEqual([1, 2]);
		session.received(encodeAny({ type: PUBACK, packetId: 1 }), 2);
		check(sent(session).map((p) => asPublish(p).packetId)).toEqual([3]);
		session.received(encodeAny({ type: PUBACK, packetId: 3 }), 3);
		const last = sent(session).map(asPublish);
		check(last.map((p) => p.packetId)).toEqual([4]);
		check(last[0].payload).toEqual(text("4"));
	});

	it("answers a PUBREC for an unknown id with PUBREL, ignores an unknown PUBACK", () => {
		const session = online();
		session.received(encodeAny({ type: PUBACK, packetId: 42 }), 1);
		session.received(encodeAny({ type: PUBREC, packetId: 43 }), 1);
		check(sent(session)).toEqual([{ type: PUBREL, packetId: 43 }]);
		check(events(session)).toHaveLength(0);
	});
});

describe("MQTT session: reconnect (4.4)", () => {
	it("resends unacknowledged PUBLISH with DUP=1 in original order, and PUBREL in PUBREC order", () => {
		const session = online();
		session.publish("a", text("A"), 1, false, 1); // id 1
		session.publish("b", text("B"), 2, false, 1); // id 2
		session.publish("c", text("C"), 1, false, 1); // id 3
		session.publish("d", text("D"), 2, false, 1); // id 4
		sent(session);
		session.received(encodeAny({ type: PUBREC, packetId: 4 }), 2);
		session.received(encodeAny({ type: PUBREC, packetId: 2 }), 2);
		sent(session);
		session.closed();
		session.open(100);
		const resent = sent(session);
		check(resent.map((p) => [p.type, "packetId" in p ? p.packetId : 0, p.type === PUBLISH ? p.dup : false])).toEqual([
			[CONNECT, 0, false],
			[PUBLISH, 1, true],
			[PUBLISH, 3, true],
			[PUBREL, 4, false],
			[PUBREL, 2, false],
		]);
	});

	it("with a clean session, never republishes a QoS 2 message after its PUBREL (4.3.3-1): it is done", () => {
		const session = online({ cleanSession: true });
		let done = "pending";
		session.publish("b", text("B"), 2, false, 1, (error) => (done = error ? error.code : "ok"));
		sent(session);
		session.received(encodeAny({ type: PUBREC, packetId: 1 }), 2);
		check(sent(session).map((p) => p.type)).toEqual([PUBREL]);
		session.closed();
		session.open(100);
		check(sent(session).map((p) => p.type)).toEqual([CONNECT]);
		check(done).toBe("ok");
		check(session.idle).toBe(true);
	});

	it("with a clean session, sends an unacknowledged message again as a first delivery (DUP 0), not lost", () => {
		const session = online({ cleanSession: true });
		session.publish("a", text("A"), 1, false, 1);
		session.publish("b", text("B"), 2, false, 1);
		sent(session);
		session.closed();
		session.open(100);
		const resent = sent(session);
		check(resent.map((p) => [p.type, p.type === PUBLISH ? p.dup : false])).toEqual([
			[CONNECT, false],
			[PUBLISH, false],
			[PUBLISH, false],
		]);
	});

	it("treats session present 1 in answer to a clean-session CONNECT as a protocol violation (3.2.2-1)", () => {
		const session = new MqttSession({ ...base, cleanSession: true });
		session.subscribe([{ topic: "home/#", qos: 1 }], 0);
		session.open(0);
		sent(session);
		session.received(connack(true), 1);
		const close = events(session).find((e) => e.type === "close");
		check(close?.type === "close" && close.error?.code).toBe("PROTOCOL_VIOLATION");
		check(session.status).toBe("offline");
	});

	it("resubscribes when the broker answers session-present=0, not when it answers 1", () => {
		const session = online();
		session.subscribe([{ topic: "home/#", qos: 1 }], 1);
		const [subscribe] = sent(session);
		check(subscribe.type).toBe(SUBSCRIBE);
		session.received(encodeAny({ type: SUBACK, packetId: 1, returnCodes: [1] }), 2);

		session.closed();
		session.open(10);
		session.received(connack(true), 11);
		check(sent(session).map((p) => p.type)).toEqual([CONNECT]);

		session.closed();
		session.open(20);
		check(sent(session).map((p) => p.type)).toEqual([CONNECT]);
		session.received(connack(false), 21);
		const again = sent(session);
		check(again).toEqual([{ type: SUBSCRIBE, packetId: 2, subscriptions: [{ topic: "home/#", qos: 1 }] }]);
	});

	it("resends a SUBSCRIBE that was never acknowledged, with its packet id", () => {
		const session = online();
		session.subscribe([{ topic: "a", qos: 0 }], 1);
		sent(session);
		session.closed();
		session.open(5);
		check(sent(session)).toEqual([
			{ type: CONNECT, clientId: "lamp", cleanSession: false, keepAlive: 10 },
			{ type: SUBSCRIBE, packetId: 1, subscriptions: [{ topic: "a", qos: 0 }] },
		]);
	});

	it("does not send SUBSCRIBE for a subscription the persistent session already holds", () => {
		const session = new MqttSession({ ...base, state: { nextPacketId: 5, inflight: [], queued: [], awaitingRelease: [], subscriptions: [{ topic: "home/office/lamp", qos: 1 }] } });
		session.open(0);
		let granted: readonly number[] = [];
		session.subscribe([{ topic: "home/office/lamp", qos: 1 }], 0, (_e, codes) => (granted = codes));
		check(sent(session).map((p) => p.type)).toEqual([CONNECT]);
		check(granted).toEqual([1]);
	});
});

describe("MQTT session: subscribe, unsubscribe, disconnect", () => {
	it("reports a refused subscription as a typed error", () => {
		const session = online();
		let error: ProtocolError | undefined;
		session.subscribe([{ topic: "ok", qos: 1 }, { topic: "no", qos: 1 }], 1, (e) => (error = e));
		sent(session);
		session.received(encodeAny({ type: SUBACK, packetId: 1, returnCodes: [1, 0x80] }), 2);
		check(error?.code).toBe("SUBSCRIPTION_REFUSED");
		check(error?.message).toContain("no");
	});

	it("closes on a SUBACK whose codes do not match the request", () => {
		const session = online();
		session.subscribe([{ topic: "a", qos: 1 }], 1);
		sent(session);
		session.received(encodeAny({ type: SUBACK, packetId: 1, returnCodes: [1, 1] }), 2);
		check(closeError(session)?.code).toBe("PROTOCOL_VIOLATION");
	});

	it("unsubscribes and completes on UNSUBACK", () => {
		const session = online();
		let done = false;
		session.unsubscribe(["a/+"], 1, () => (done = true));
		check(sent(session)).toEqual([{ type: UNSUBSCRIBE, packetId: 1, topics: ["a/+"] }]);
		session.received(encodeAny({ type: UNSUBACK, packetId: 1 }), 2);
		check(done).toBe(true);
	});

	it("disconnect sends DISCONNECT and asks for a clean close", () => {
		const session = online();
		session.disconnect(5);
		check(sent(session)).toEqual([{ type: DISCONNECT }]);
		const close = events(session);
		check(close).toEqual([{ type: "close" }]);
	});
});

describe("MQTT session: transmit", () => {
	it("packs a burst of QoS 0 PUBLISHes into one run of bytes, in order", () => {
		const session = online();
		for (const n of ["1", "2", "3", "4", "5"]) session.publish("home/office/lamp", text(n), 0, false, 1);
		const run = session.pollTransmit();
		check(session.pollTransmit()).toBeUndefined();
		const packets = packetsIn(run ?? new Uint8Array(0)).map(asPublish);
		check(packets.map((p) => p.payload)).toEqual(["1", "2", "3", "4", "5"].map(text));
		check(session.transmitBytes).toBe(0);
	});

	it("never writes into bytes it handed out", () => {
		const session = online();
		session.publish("t", text("a"), 0, false, 1);
		const first = session.pollTransmit() ?? new Uint8Array(0);
		const copy = first.slice();
		for (let i = 0; i < 40; i++) session.publish("t", new Uint8Array(50), 0, false, 2);
		check(first).toEqual(copy);
		let total = 0;
		for (let bytes = session.pollTransmit(); bytes; bytes = session.pollTransmit()) total += bytes.length;
		check(total).toBe(40 * 55);
	});
});

describe("MQTT session: bad input", () => {
	it("refuses to publish to a topic with wildcards, and sends nothing", () => {
		const session = online();
		expectProtocolError(() => session.publish("a/+", text("x"), 0, false, 1), "INVALID_TOPIC");
		expectProtocolError(() => session.publish("a/#", text("x"), 0, false, 1), "INVALID_TOPIC");
		check(sent(session)).toHaveLength(0);
	});

	it("refuses a message over the maximum packet size, and sends nothing", () => {
		const session = online({ maxPacketSize: 100 });
		session.publish("t", new Uint8Array(93), 1, false, 1);
		check(sent(session)).toHaveLength(1);
		expectProtocolError(() => session.publish("t", new Uint8Array(94), 1, false, 1), "PACKET_TOO_LARGE");
		check(sent(session)).toHaveLength(0);
	});

	it("refuses to queue past maxQueued while offline", () => {
		const session = new MqttSession({ ...base, maxQueued: 2 });
		session.publish("t", text("1"), 1, false, 0);
		session.publish("t", text("2"), 0, false, 0);
		expectProtocolError(() => session.publish("t", text("3"), 1, false, 0), "QUEUE_FULL");
	});

	it("closes on a malformed packet with a typed error", () => {
		const session = online();
		session.received(new Uint8Array([0x40, 0x03, 0, 1, 0]), 1);
		check(closeError(session)?.code).toBe("MALFORMED_PACKET");
	});

	it("closes on an incoming packet over the maximum, before buffering its body", () => {
		const session = online({ maxPacketSize: 64 });
		session.received(new Uint8Array([0x30, 0x80, 0x01]), 1);
		check(closeError(session)?.code).toBe("PACKET_TOO_LARGE");
	});

	it("closes when the broker sends a packet only clients send", () => {
		const session = online();
		session.received(encodeAny({ type: PINGREQ }), 1);
		check(closeError(session)?.code).toBe("PROTOCOL_VIOLATION");
	});
});

describe("MQTT session: state across deep sleep", () => {
	it("exports and restores unacknowledged messages, ids and subscriptions", () => {
		const first = online();
		first.subscribe([{ topic: "cmd", qos: 1 }], 1);
		sent(first);
		first.received(encodeAny({ type: SUBACK, packetId: 1, returnCodes: [1] }), 2);
		first.publish("r", text("reading"), 1, false, 3); // id 2, never acknowledged
		sent(first);
		first.received(publishBytes("cmd", text("on"), 2, 77), 4);
		const state = first.exportState();
		check(state.nextPacketId).toBe(3);
		check(state.awaitingRelease).toEqual([77]);
		check(state.subscriptions).toEqual([{ topic: "cmd", qos: 1 }]);

		const second = new MqttSession({ ...base, state });
		second.open(0);
		const resent = sent(second);
		check(resent.map((p) => p.type)).toEqual([CONNECT, PUBLISH]);
		check(asPublish(resent[1])).toEqual({ type: PUBLISH, topic: "r", payload: text("reading"), qos: 1, retain: false, dup: true, packetId: 2 });
		second.received(connack(true), 1);
		second.publish("r", text("next"), 1, false, 2);
		check(asPublish(sent(second)[0]).packetId).toBe(3);
	});
});
