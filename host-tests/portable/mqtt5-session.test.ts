/**
 * The session running MQTT 5.0, on a virtual clock against a scripted server: what the
 * CONNACK's properties oblige the client to (3.2.2.3), topic aliases both ways (3.3.2.3.4),
 * reason codes as typed results, server DISCONNECT, AUTH refused, Session Expiry and
 * Will Delay in CONNECT.
 */
import { describe, it, check } from "./test-api";
import { expectProtocolError } from "./errors";
import { text } from "./bytes";
import { anyPacketReader5, encodeAny5 } from "../../testkit/portable/mqtt5-client-packets";
import { feedPackets } from "../../testkit/portable/mqtt-client-packets";
import type { SessionEvent, SessionOptions } from "../../src/mqtt/session";
import { MqttSession5 as MqttSession } from "../../src/mqtt/v5/session";
import type { ProtocolError } from "../../src/common/errors";
import { CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE, SUBACK, UNSUBSCRIBE, PINGREQ, DISCONNECT } from "../../testkit/portable/mqtt-types";
import { AUTH, type Connect5, type Packet5, type Publish5, type Subscribe5 } from "../../src/mqtt/v5/packet";
import type { Properties } from "../../src/mqtt/v5/properties";
import { unacknowledged } from "../../testkit/portable/mqtt-wire";

const base: SessionOptions = { clientId: "lamp", cleanSession: false, keepAlive: 10, protocolVersion: 5 };

/** What the session wrote; a packet over `max` bytes fails the reader (PACKET_TOO_LARGE). */
function sent(session: MqttSession, max = 1 << 20): Packet5[] {
	const packets: Packet5[] = [];
	const reader = anyPacketReader5(max);
	for (let bytes = session.pollTransmit(); bytes; bytes = session.pollTransmit()) feedPackets(reader, bytes, (p) => packets.push(p));
	return packets;
}

function events(session: MqttSession): SessionEvent[] {
	const out: SessionEvent[] = [];
	for (let e = session.pollEvent(); e; e = session.pollEvent()) out.push(e);
	return out;
}

function connack(properties: Properties = {}, sessionPresent = false, reasonCode = 0): Uint8Array {
	return encodeAny5({ type: CONNACK, sessionPresent, reasonCode, properties });
}

function online(options: Partial<SessionOptions> = {}, properties: Properties = {}, now = 0): MqttSession {
	const session = new MqttSession({ ...base, ...options });
	session.open(now);
	session.received(connack(properties), now);
	sent(session);
	events(session);
	return session;
}

function closeError(session: MqttSession): ProtocolError | undefined {
	const close = events(session).find((e) => e.type === "close");
	if (!close || close.type !== "close") throw new Error("expected a close event");
	return close.error;
}

const publish = (packet: Packet5 | undefined): Publish5 => {
	if (packet?.type !== PUBLISH) throw new Error(`expected PUBLISH, got ${packet?.type}`);
	return packet;
};

describe("MQTT 5 session: CONNECT", () => {
	it("sends protocol version 5 with Session Expiry, Receive Maximum, Maximum Packet Size and the will's delay", () => {
		const session = new MqttSession({ ...base, sessionExpiry: 600, willDelay: 330, maxPacketSize: 4096, maxAwaitingRelease: 8, will: { topic: "s", payload: text("dead"), qos: 1, retain: true } });
		session.open(0);
		const [connect] = sent(session) as Connect5[];
		check(connect.type).toBe(CONNECT);
		check(connect.cleanStart).toBe(false);
		check(connect.properties).toEqual({ sessionExpiryInterval: 600, receiveMaximum: 8, maximumPacketSize: 4096 });
		check(connect.will?.properties).toEqual({ willDelayInterval: 330 });
	});
	it("a clean session by default expires at once (no Session Expiry property) and starts clean", () => {
		const session = new MqttSession({ ...base, cleanSession: true });
		session.open(0);
		const [connect] = sent(session) as Connect5[];
		check(connect.cleanStart).toBe(true);
		check(connect.properties.sessionExpiryInterval).toBe(undefined);
	});
	it("keeps an Assigned Client Identifier for the next CONNECT (session resumption)", () => {
		const session = new MqttSession({ ...base, clientId: "" });
		session.open(0);
		check((sent(session)[0] as Connect5).clientId).toBe("");
		session.received(connack({ assignedClientIdentifier: "auto-7" }), 1);
		session.closed();
		session.open(2);
		check((sent(session)[0] as Connect5).clientId).toBe("auto-7");
	});
	it("a refused CONNACK is CONNECTION_REFUSED with the reason code and Reason String in detail", () => {
		const session = new MqttSession(base);
		session.open(0);
		session.received(connack({ reasonString: "banned here" }, false, 0x8a), 1);
		const error = closeError(session);
		check(error?.code).toBe("CONNECTION_REFUSED");
		check(error?.detail).toBe("0x8a banned: banned here");
	});
});

describe("MQTT 5 session: CONNACK limits", () => {
	it("never has more QoS 1 messages in flight than the server's Receive Maximum", () => {
		const session = online({ inflightWindow: 16 }, { receiveMaximum: 2 });
		for (let i = 0; i < 5; i++) session.publish("t", text(`${i}`), 1, false, 1);
		const first = sent(session).map((p) => publish(p).packetId);
		check(first).toEqual([1, 2]);
		session.received(encodeAny5({ type: PUBACK, packetId: 1, reasonCode: 0, properties: {} }), 2);
		check(sent(session).map((p) => publish(p).packetId)).toEqual([3]);
	});
	it("holds new messages until CONNACK says the Receive Maximum", () => {
		const session = new MqttSession(base);
		for (let i = 0; i < 3; i++) session.publish("t", text(`${i}`), 1, false, 0);
		session.open(0);
		check(sent(session).map((p) => p.type)).toEqual([CONNECT]);
		session.received(connack({ receiveMaximum: 1 }), 1);
		check(sent(session).length).toBe(1);
	});
	it("refuses a PUBLISH over the server's Maximum Packet Size with PACKET_TOO_LARGE, and sends nothing", () => {
		const session = online({}, { maximumPacketSize: 20 });
		expectProtocolError(() => session.publish("t", new Uint8Array(30), 0, false, 1), "PACKET_TOO_LARGE");
		check(sent(session)).toHaveLength(0);
		session.publish("t", new Uint8Array(5), 0, false, 1);
		check(sent(session)).toHaveLength(1);
	});
	it("ends a PUBLISH queued before CONNACK that is over the Maximum Packet Size CONNACK names with PACKET_TOO_LARGE (3.2.2-15), and sends the rest", () => {
		const session = new MqttSession({ ...base });
		session.open(0);
		const outcomes: (string | undefined)[] = [];
		session.publish("t", new Uint8Array(40), 1, false, 0, (error) => outcomes.push(error?.code ?? "sent"));
		session.publish("t", new Uint8Array(4), 1, false, 0, (error) => outcomes.push(error?.code ?? "acked"));
		sent(session);
		session.received(connack({ maximumPacketSize: 30 }), 1);
		const after = sent(session).filter((p) => p.type === PUBLISH);
		check(after.map((p) => publish(p).payload.length)).toEqual([4]);
		check(outcomes).toEqual(["PACKET_TOO_LARGE"]);
	});
	it("refuses a SUBSCRIBE over the server's Maximum Packet Size with PACKET_TOO_LARGE (3.1.2-24): nothing sent, nothing remembered", () => {
		const session = online({}, { maximumPacketSize: 20 });
		const long = "home/office/lamp/and/more";
		expectProtocolError(() => session.subscribe([{ topic: long, qos: 1 }], 1), "PACKET_TOO_LARGE");
		check(sent(session)).toHaveLength(0);
		check(session.exportState().subscriptions).toEqual([]);
		// A SUBSCRIBE that fits goes, and the refused filter was not added to it.
		session.subscribe([{ topic: "lamp", qos: 1 }], 1);
		const subscribe = sent(session)[0];
		if (subscribe?.type !== SUBSCRIBE) throw new Error("expected SUBSCRIBE");
		check(subscribe.subscriptions.map((s) => s.topic)).toEqual(["lamp"]);
	});
	it("refuses an UNSUBSCRIBE over the server's Maximum Packet Size with PACKET_TOO_LARGE (3.1.2-24): nothing sent, no filter forgotten", () => {
		const session = online({}, { maximumPacketSize: 20 });
		session.subscribe([{ topic: "lamp", qos: 1 }], 1);
		const [subscribe] = sent(session);
		session.received(encodeAny5({ type: SUBACK, packetId: subscribe.type === SUBSCRIBE ? subscribe.packetId : 0, properties: {}, reasonCodes: [1] }), 2);
		expectProtocolError(() => session.unsubscribe(["lamp", "home/office/lamp/and/more"], 3), "PACKET_TOO_LARGE");
		check(sent(session)).toHaveLength(0);
		check(session.exportState().subscriptions).toEqual([{ topic: "lamp", qos: 1 }]);
		check(session.idle).toBe(true);
	});
	it("sends the requests that waited offline or went before CONNACK only after it, each checked against the Maximum Packet Size it names", () => {
		const session = new MqttSession(base);
		const outcomes: string[] = [];
		const long = "home/office/lamp/and/more";
		// Asked for offline, before any limit is known.
		session.subscribe([{ topic: long, qos: 1 }], 0, (error) => outcomes.push(`long: ${error?.code}`));
		session.subscribe([{ topic: "lamp", qos: 1 }], 0, (error) => outcomes.push(`lamp: ${error?.code ?? "granted"}`));
		session.open(0);
		// Asked for while connecting, before CONNACK.
		session.unsubscribe([long + "/too"], 0, (error) => outcomes.push(`unsubscribe: ${error?.code}`));
		check(sent(session).map((p) => p.type)).toEqual([CONNECT]);
		session.received(connack({ maximumPacketSize: 20 }), 1);
		const after = sent(session, 20);
		check(after.map((p) => (p.type === SUBSCRIBE ? p.subscriptions.map((s) => s.topic) : p.type))).toEqual([["lamp"]]);
		check(outcomes).toEqual(["long: PACKET_TOO_LARGE", "unsubscribe: PACKET_TOO_LARGE"]);
		const [subscribe] = after as Subscribe5[];
		session.received(encodeAny5({ type: SUBACK, packetId: subscribe.packetId, properties: {}, reasonCodes: [1] }), 2);
		check(outcomes[2]).toBe("lamp: granted");
		check(session.idle).toBe(true);
		// The refused filter was never active: a server that lost the session gets "lamp" again, not it.
		check(session.exportState().subscriptions).toEqual([{ topic: "lamp", qos: 1 }]);
		session.closed();
		session.open(3);
		session.received(connack({}, false), 3);
		const again = sent(session).filter((p) => p.type === SUBSCRIBE) as Subscribe5[];
		check(again.map((p) => p.subscriptions.map((s) => s.topic))).toEqual([["lamp"]]);
	});
	it("does not resubscribe lost filters in a SUBSCRIBE over the Maximum Packet Size the CONNACK names, and forgets them", () => {
		const state = { nextPacketId: 1, inflight: [], queued: [], awaitingRelease: [], subscriptions: [{ topic: "home/office/lamp/and/more", qos: 1 as const }] };
		const session = new MqttSession({ ...base, state });
		session.open(0);
		check(sent(session).map((p) => p.type)).toEqual([CONNECT]);
		session.received(connack({ maximumPacketSize: 20 }, false), 1);
		check(sent(session, 20)).toEqual([]);
		check(session.idle).toBe(true);
		check(session.exportState().subscriptions).toEqual([]);
	});
	it("lowers QoS to the server's Maximum QoS and refuses retain when Retain Available is 0", () => {
		const session = online({}, { maximumQoS: 0, retainAvailable: 0 });
		session.publish("t", text("x"), 1, false, 1);
		check(publish(sent(session)[0]).qos).toBe(0);
		expectProtocolError(() => session.publish("t", text("x"), 0, true, 1), "PROTOCOL_VIOLATION");
	});
	it("refuses wildcard and shared subscriptions locally when the server does not offer them", () => {
		const session = online({}, { wildcardSubscriptionAvailable: 0, sharedSubscriptionAvailable: 0 });
		expectProtocolError(() => session.subscribe([{ topic: "a/+", qos: 0 }], 1), "SUBSCRIPTION_REFUSED");
		expectProtocolError(() => session.subscribe([{ topic: "$share/g/a", qos: 0 }], 1), "SUBSCRIPTION_REFUSED");
		check(sent(session)).toHaveLength(0);
	});
	it("uses the Server Keep Alive instead of its own", () => {
		const session = online({ keepAlive: 60 }, { serverKeepAlive: 5 });
		session.tick(4000);
		check(sent(session).map((p) => p.type)).toEqual([]);
		session.tick(5000);
		check(sent(session).map((p) => p.type)).toEqual([PINGREQ]);
	});
});

/** What a packet is on the wire, for comparing sequences: type, packet id, and DUP of a PUBLISH. */
function brief(packet: Packet5): [number, number, boolean] {
	return [packet.type, "packetId" in packet ? (packet.packetId ?? 0) : 0, packet.type === PUBLISH && packet.dup];
}

const ack5 = (type: typeof PUBACK | typeof PUBREC | typeof PUBCOMP, packetId: number, reasonCode = 0): Uint8Array => encodeAny5({ type, packetId, reasonCode, properties: {} });

/**
 * A session with QoS 1 ids 1 and 3 and QoS 2 id 2 (its PUBREC received) in flight, cut off;
 * `outcomes` gets each one's result by id; `sizes` the payload of each.
 */
function cutOff(sizes: readonly [number, number, number] = [1, 1, 1]): { session: MqttSession; outcomes: string[] } {
	const session = online();
	const outcomes: string[] = [];
	const qos = [1, 2, 1] as const;
	for (let i = 0; i < 3; i++) session.publish(`t${i + 1}`, new Uint8Array(sizes[i]), qos[i], false, 1, (error) => outcomes.push(`${i + 1} ${error?.code ?? "done"}`));
	sent(session);
	session.received(ack5(PUBREC, 2), 2);
	check(sent(session).map(brief)).toEqual([[PUBREL, 2, false]]);
	session.closed();
	return { session, outcomes };
}

describe("MQTT 5 session: reconnect (4.4)", () => {
	it("resends what is in flight only after CONNACK, not with CONNECT: PUBREL, then each PUBLISH with DUP 1 and its id", () => {
		const { session } = cutOff();
		session.open(100);
		check(sent(session).map((p) => p.type)).toEqual([CONNECT]);
		session.received(connack({}, true), 150);
		check(sent(session).map(brief)).toEqual([
			[PUBREL, 2, false],
			[PUBLISH, 1, true],
			[PUBLISH, 3, true],
		]);
	});
	it("ends a resend over the Maximum Packet Size CONNACK names with PACKET_TOO_LARGE (3.1.2-24) and frees its id; the PUBREL and the rest go", () => {
		const { session, outcomes } = cutOff([1, 1, 40]);
		session.open(100);
		check(sent(session).map((p) => p.type)).toEqual([CONNECT]);
		session.received(connack({ maximumPacketSize: 30 }, true), 150);
		// The reader refuses any packet over 30 bytes.
		check(sent(session, 30).map(brief)).toEqual([
			[PUBREL, 2, false],
			[PUBLISH, 1, true],
		]);
		check(outcomes).toEqual(["3 PACKET_TOO_LARGE"]);
		check(unacknowledged(session)).toBe(2);
		check(session.exportState().inflight.length).toBe(2);
		session.received(ack5(PUBACK, 1), 160);
		session.received(ack5(PUBCOMP, 2), 160);
		check(outcomes).toEqual(["3 PACKET_TOO_LARGE", "1 done", "2 done"]);
		check(session.idle).toBe(true);
	});
	it("resends within the new Receive Maximum, the rest in order as acknowledgements free the window, new messages after them", () => {
		const session = online();
		for (let i = 0; i < 4; i++) session.publish("t", text(`${i}`), 1, false, 1);
		check(sent(session).map((p) => publish(p).packetId)).toEqual([1, 2, 3, 4]);
		session.closed();
		session.publish("t", text("new"), 1, false, 90);
		session.open(100);
		check(sent(session).map((p) => p.type)).toEqual([CONNECT]);
		session.received(connack({ receiveMaximum: 2 }, true), 150);
		check(sent(session).map(brief)).toEqual([
			[PUBLISH, 1, true],
			[PUBLISH, 2, true],
		]);
		session.received(ack5(PUBACK, 1), 160);
		check(sent(session).map(brief)).toEqual([[PUBLISH, 3, true]]);
		session.received(ack5(PUBACK, 2), 161);
		check(sent(session).map(brief)).toEqual([[PUBLISH, 4, true]]);
		session.received(ack5(PUBACK, 3), 162);
		const next = sent(session).map(publish);
		check(next.map((p) => [p.dup, p.payload])).toEqual([[false, text("new")]]);
	});
	it("Session Present 0: publishes again what was not acknowledged as new messages (DUP 0, in order, within Receive Maximum and size); a QoS 2 message past its PUBREC is complete, no PUBREL", () => {
		const { session, outcomes } = cutOff([1, 1, 40]);
		session.publish("t4", text("4"), 1, false, 90, (error) => outcomes.push(`4 ${error?.code ?? "done"}`));
		session.open(100);
		check(sent(session).map((p) => p.type)).toEqual([CONNECT]);
		session.received(connack({ receiveMaximum: 1, maximumPacketSize: 30 }, false), 150);
		check(outcomes).toEqual(["3 PACKET_TOO_LARGE", "2 done"]);
		const first = sent(session, 30).map(publish);
		check(first.map((p) => [p.topic, p.dup])).toEqual([["t1", false]]);
		session.received(ack5(PUBACK, first[0].packetId as number), 160);
		const second = sent(session, 30).map(publish);
		check(second.map((p) => [p.topic, p.dup])).toEqual([["t4", false]]);
		session.received(ack5(PUBACK, second[0].packetId as number), 170);
		check(outcomes).toEqual(["3 PACKET_TOO_LARGE", "2 done", "1 done", "4 done"]);
		check(session.idle).toBe(true);
	});
	it("a PUBCOMP with 0x92 (packet identifier not found) still ends the QoS 2 flow: its PUBREC had given the server the message", () => {
		const { session, outcomes } = cutOff();
		session.open(100);
		session.received(connack({}, true), 150);
		sent(session);
		session.received(ack5(PUBCOMP, 2, 0x92), 160);
		check(outcomes).toEqual(["2 done"]);
		check(unacknowledged(session)).toBe(2);
	});
	it("counts keep alive from CONNACK when what was in flight, or a request that waited, went then", () => {
		// keepAlive 10 s: PINGREQ after 9 s without sending.
		const { session } = cutOff();
		session.open(0);
		session.received(connack({}, true), 8000);
		check(sent(session).map((p) => p.type)).toEqual([CONNECT, PUBREL, PUBLISH, PUBLISH]);
		check(session.nextTimeout()).toBe(17_000);
		session.tick(9000);
		check(sent(session)).toEqual([]);
		const asking = new MqttSession(base);
		asking.subscribe([{ topic: "lamp", qos: 1 }], 0);
		asking.open(0);
		asking.received(connack({}, false), 8000);
		check(sent(asking).map((p) => p.type)).toEqual([CONNECT, SUBSCRIBE]);
		check(asking.nextTimeout()).toBe(17_000);
	});
	it("resubscribes lost filters that do not fit one SUBSCRIBE under the Maximum Packet Size in parts that do; a filter too large alone is refused and forgotten", () => {
		const topics = ["home/a", "home/b", "home/c", "home/d", `home/${"x".repeat(30)}`];
		const state = { nextPacketId: 1, inflight: [], queued: [], awaitingRelease: [], subscriptions: topics.map((topic) => ({ topic, qos: 1 as const })) };
		const session = new MqttSession({ ...base, state });
		session.open(0);
		check(sent(session).map((p) => p.type)).toEqual([CONNECT]);
		session.received(connack({ maximumPacketSize: 24 }, false), 1);
		const parts = sent(session, 24) as Subscribe5[];
		check(parts.every((p) => p.type === SUBSCRIBE)).toBe(true);
		check(parts.flatMap((p) => p.subscriptions.map((s) => s.topic)).sort()).toEqual(topics.slice(0, 4));
		check(parts.length).toBeGreaterThan(1);
		for (const part of parts) session.received(encodeAny5({ type: SUBACK, packetId: part.packetId, properties: {}, reasonCodes: part.subscriptions.map(() => 1) }), 2);
		check(session.idle).toBe(true);
		check(session.exportState().subscriptions.map((s) => s.topic)).toEqual(topics.slice(0, 4));
	});
});

describe("MQTT 5 session: topic aliases", () => {
	it("sends a repeated QoS 0 topic as its alias alone, within the server's Topic Alias Maximum", () => {
		const session = online({}, { topicAliasMaximum: 1 });
		session.publish("home/office/lamp/state", text("on"), 0, false, 1);
		session.publish("home/office/lamp/state", text("off"), 0, false, 2);
		session.publish("other", text("x"), 0, false, 3);
		const [a, b, c] = sent(session).map(publish);
		check([a.topic, a.properties.topicAlias]).toEqual(["home/office/lamp/state", 1]);
		check([b.topic, b.properties.topicAlias]).toEqual(["", 1]);
		check([c.topic, c.properties.topicAlias]).toEqual(["other", undefined]);
	});
	it("uses no alias when the server allows none, and none survives a reconnection", () => {
		const session = online({}, {});
		session.publish("t", text("1"), 0, false, 1);
		session.publish("t", text("2"), 0, false, 1);
		check(sent(session).map((p) => publish(p).properties.topicAlias)).toEqual([undefined, undefined]);
		const aliased = online({}, { topicAliasMaximum: 4 });
		aliased.publish("t", text("1"), 0, false, 1);
		sent(aliased);
		aliased.closed();
		aliased.open(2);
		aliased.received(connack({ topicAliasMaximum: 4 }), 2);
		sent(aliased);
		aliased.publish("t", text("2"), 0, false, 3);
		check(publish(sent(aliased)[0]).topic).toBe("t");
	});
	it("resolves the server's aliases up to the maximum we announced, and closes on one past it (0x82)", () => {
		const session = online({ topicAliasMaximum: 2 });
		session.received(encodeAny5({ type: PUBLISH, topic: "in", payload: text("1"), qos: 0, retain: false, dup: false, properties: { topicAlias: 2 } }), 1);
		session.received(encodeAny5({ type: PUBLISH, topic: "", payload: text("2"), qos: 0, retain: false, dup: false, properties: { topicAlias: 2 } }), 2);
		const messages = events(session).map((e) => (e.type === "message" ? e.packet.topic : e.type));
		check(messages).toEqual(["in", "in"]);
		session.received(encodeAny5({ type: PUBLISH, topic: "x", payload: text("3"), qos: 0, retain: false, dup: false, properties: { topicAlias: 3 } }), 3);
		check(closeError(session)?.code).toBe("PROTOCOL_VIOLATION");
		check(sent(session)).toEqual([{ type: DISCONNECT, reasonCode: 0x82, properties: {} }]);
	});
	it("announces no Topic Alias Maximum by default, so any server alias is refused", () => {
		const session = online();
		session.received(encodeAny5({ type: PUBLISH, topic: "in", payload: text("1"), qos: 0, retain: false, dup: false, properties: { topicAlias: 1 } }), 1);
		check(closeError(session)?.code).toBe("PROTOCOL_VIOLATION");
	});
});

describe("MQTT 5 session: reason codes", () => {
	it("a PUBACK with a failure reason completes that message's callback with PUBLISH_REFUSED, code and Reason String in detail", () => {
		const session = online();
		const results: (ProtocolError | undefined)[] = [];
		session.publish("t", text("x"), 1, false, 1, (error) => results.push(error));
		const id = publish(sent(session)[0]).packetId as number;
		session.received(encodeAny5({ type: PUBACK, packetId: id, reasonCode: 0x87, properties: { reasonString: "acl" } }), 2);
		check(results).toHaveLength(1);
		check(results[0]?.code).toBe("PUBLISH_REFUSED");
		check(results[0]?.detail).toBe("0x87 not authorized: acl");
		check(unacknowledged(session)).toBe(0);
	});
	it("a PUBREC with a failure reason ends the QoS 2 flow: no PUBREL", () => {
		const session = online();
		const results: (ProtocolError | undefined)[] = [];
		session.publish("t", text("x"), 2, false, 1, (error) => results.push(error));
		const id = publish(sent(session)[0]).packetId as number;
		session.received(encodeAny5({ type: PUBREC, packetId: id, reasonCode: 0x97, properties: {} }), 2);
		check(sent(session)).toHaveLength(0);
		check(results[0]?.code).toBe("PUBLISH_REFUSED");
	});
	it("0x10 no matching subscribers is a success", () => {
		const session = online();
		const results: (ProtocolError | undefined)[] = [];
		session.publish("t", text("x"), 1, false, 1, (error) => results.push(error));
		session.received(encodeAny5({ type: PUBACK, packetId: 1, reasonCode: 0x10, properties: {} }), 2);
		check(results).toEqual([undefined]);
	});
	it("QoS 2 both ways completes with PUBREL and PUBCOMP", () => {
		const session = online();
		session.publish("t", text("x"), 2, false, 1);
		sent(session);
		session.received(encodeAny5({ type: PUBREC, packetId: 1, reasonCode: 0, properties: {} }), 2);
		check(sent(session).map((p) => p.type)).toEqual([PUBREL]);
		session.received(encodeAny5({ type: PUBCOMP, packetId: 1, reasonCode: 0, properties: {} }), 3);
		check(session.idle).toBe(true);
	});
	it("a SUBACK failure reason refuses that subscription; subscription options go on the wire and again on resubscription", () => {
		const session = online();
		let error: ProtocolError | undefined;
		session.subscribe([{ topic: "lamp", qos: 1, noLocal: true, retainHandling: 1 }, { topic: "no", qos: 0 }], 1, (e) => (error = e));
		const [subscribe] = sent(session) as Subscribe5[];
		check(subscribe.type).toBe(SUBSCRIBE);
		check(subscribe.subscriptions[0]).toEqual({ topic: "lamp", qos: 1, noLocal: true, retainAsPublished: false, retainHandling: 1 });
		session.received(encodeAny5({ type: SUBACK, packetId: subscribe.packetId, properties: {}, reasonCodes: [1, 0x87] }), 2);
		check(error?.code).toBe("SUBSCRIPTION_REFUSED");
		session.closed();
		session.open(3);
		session.received(connack({}, false), 3);
		const again = sent(session).filter((p) => p.type === SUBSCRIBE) as Subscribe5[];
		check(again[0].subscriptions).toEqual([{ topic: "lamp", qos: 1, noLocal: true, retainAsPublished: false, retainHandling: 1 }]);
	});
	it("UNSUBSCRIBE goes at version 5", () => {
		const session = online();
		session.unsubscribe(["lamp"], 1);
		check(sent(session)[0].type).toBe(UNSUBSCRIBE);
	});
});

describe("MQTT 5 session: DISCONNECT and AUTH", () => {
	it("a server DISCONNECT is a typed event, then a close with DISCONNECTED", () => {
		const session = online();
		session.received(encodeAny5({ type: DISCONNECT, reasonCode: 0x8b, properties: { reasonString: "maintenance", serverReference: "other:1883" } }), 1);
		const all = events(session);
		check(all[0]).toEqual({ type: "disconnected", reasonCode: 0x8b, reasonString: "maintenance", serverReference: "other:1883" });
		check(all[1].type === "close" && all[1].error?.code).toBe("DISCONNECTED");
		check(all[1].type === "close" && all[1].error?.detail).toBe("0x8b server shutting down: maintenance");
		check(sent(session)).toHaveLength(0);
	});
	it("refuses AUTH with DISCONNECT 0x8c bad authentication method and a typed error", () => {
		const session = online();
		session.received(encodeAny5({ type: AUTH, reasonCode: 0x18, properties: { authenticationMethod: "SCRAM" } }), 1);
		check(sent(session)).toEqual([{ type: DISCONNECT, reasonCode: 0x8c, properties: {} }]);
		const error = closeError(session);
		check(error?.code).toBe("DISCONNECTED");
		check(error?.detail).toBe("0x8c bad authentication method");
	});
	it("disconnects with a reason and a new Session Expiry: 0x04 keeps the will for its delay", () => {
		const session = online({ sessionExpiry: 60 });
		session.disconnect(1, 0x04, 900);
		check(sent(session)).toEqual([{ type: DISCONNECT, reasonCode: 0x04, properties: { sessionExpiryInterval: 900 } }]);
	});
	it("refuses to extend a session that expires at once (3.14.2.2.2)", () => {
		const session = online({ cleanSession: true });
		expectProtocolError(() => session.disconnect(1, 0, 60), "PROTOCOL_VIOLATION");
	});
	it("answers a malformed packet with DISCONNECT 0x81", () => {
		const session = online();
		session.received(Uint8Array.of(0x40, 0x03, 0x00, 0x01, 0x92), 1);
		check(closeError(session)?.code).toBe("MALFORMED_PACKET");
		check(sent(session)).toEqual([{ type: DISCONNECT, reasonCode: 0x81, properties: {} }]);
	});
});

describe("MQTT 5 session: message properties", () => {
	const message = { messageExpiryInterval: 90, contentType: "application/json", responseTopic: "lampnode/answers", correlationData: Uint8Array.of(1, 2, 3), userProperties: [["unit", "C"], ["unit", "%"]] as const };
	it("sends Message Expiry, Content Type, Response Topic, Correlation Data and user properties in order, with a topic alias", () => {
		const session = online({}, { topicAliasMaximum: 2 });
		session.publish("home/office/dht22", text("{}"), 0, false, 1, undefined, message);
		session.publish("home/office/dht22", text("{}"), 0, false, 2, undefined, { messageExpiryInterval: 30 });
		const [a, b] = sent(session).map(publish);
		check(a.properties).toEqual({ ...message, userProperties: [["unit", "C"], ["unit", "%"]], topicAlias: 1 });
		check([a.topic, text("{}")]).toEqual(["home/office/dht22", a.payload]);
		check([b.topic, b.properties]).toEqual(["", { messageExpiryInterval: 30, topicAlias: 1 }]);
	});
	it("keeps them on a QoS 1 message queued before CONNACK, sent without an alias", () => {
		const session = new MqttSession(base);
		session.publish("t", text("x"), 1, false, 0, undefined, { messageExpiryInterval: 5, correlationData: Uint8Array.of(9) });
		session.open(0);
		sent(session);
		session.received(connack({ topicAliasMaximum: 4 }), 0);
		const [p] = sent(session).map(publish);
		check([p.topic, p.qos, p.packetId, p.properties]).toEqual(["t", 1, 1, { messageExpiryInterval: 5, correlationData: Uint8Array.of(9) }]);
	});
	it("refuses a Response Topic with a wildcard, and sends nothing", () => {
		const session = online();
		expectProtocolError(() => session.publish("t", text("x"), 0, false, 1, undefined, { responseTopic: "answers/#" }), "PROTOCOL_VIOLATION");
		check(sent(session)).toEqual([]);
	});
	it("counts them against the server's Maximum Packet Size", () => {
		const session = online({}, { maximumPacketSize: 40 });
		session.publish("t", new Uint8Array(20), 0, false, 1);
		expectProtocolError(() => session.publish("t", new Uint8Array(20), 0, false, 1, undefined, { contentType: "application/octet-stream" }), "PACKET_TOO_LARGE");
		check(sent(session).length).toBe(1);
	});
});
