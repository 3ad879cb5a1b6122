/**
 * Every table an MQTT-SN gateway can grow in the client has a cap, and past it the
 * protocol's answer goes back (issue 14): REGACK "rejected: congestion" for a REGISTER
 * flood, PUBACK "rejected: congestion" for QoS 2 ids that are never released, and
 * nothing at all (the gateway retransmits) while datagrams and events wait unpolled.
 */
import { describe, it, check } from "./test-api";
import { text } from "./bytes";
import { active, deliver, events, sent } from "../../testkit/portable/mqttsn-wire";
import * as sn from "../../src/mqttsn/packet";
import { TopicRegistry, topicIdType } from "../../src/mqttsn/topic-registry";
import { topicId } from "../../testkit/portable/mqttsn-encode";

const publishOn = (topicId: number, msgId: number, qos: 0 | 1 | 2): sn.PublishMessage => ({
	type: sn.MsgType.PUBLISH,
	dup: false,
	qos,
	retain: false,
	topicIdType: sn.TopicIdType.NORMAL,
	topicId,
	msgId,
	data: text(`m${msgId}`),
});

function returnCodes(messages: sn.Message[]): number[] {
	return messages.map((m) => (m.type === sn.MsgType.REGACK || m.type === sn.MsgType.PUBACK ? m.returnCode : -1));
}

describe("MQTT-SN caps: topic registry", () => {
	it("answers a REGISTER flood past maxTopics with REGACK rejected: congestion and stores none of it", () => {
		const session = active({ maxTopics: 4 });
		for (let i = 1; i <= 10; i++) deliver(session, { type: sn.MsgType.REGISTER, topicId: 100 + i, msgId: i, topicName: `flood/${i}` }, i);
		const acks = sent(session);
		check(acks.map((m) => m.type)).toEqual(new Array(10).fill(sn.MsgType.REGACK));
		check(returnCodes(acks)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
		check(session.exportState().registrations).toHaveLength(4);
		// A PUBLISH on a refused id is "invalid topic id", never a message.
		deliver(session, publishOn(110, 0, 0), 20);
		check(returnCodes(sent(session))).toEqual([sn.ReturnCode.REJECTED_INVALID_TOPIC_ID]);
		check(events(session)).toHaveLength(0);
		// A registered one still arrives.
		deliver(session, publishOn(101, 0, 0), 21);
		check(events(session).map((e) => (e.type === "message" ? e.message.topic : e.type))).toEqual(["flood/1"]);
	});

	it("answers reserved ids with invalid topic id and a wildcard name with not supported; a known name re-registers while full", () => {
		const session = active({ maxTopics: 1 });
		deliver(session, { type: sn.MsgType.REGISTER, topicId: 0, msgId: 1, topicName: "a/b" }, 1);
		deliver(session, { type: sn.MsgType.REGISTER, topicId: 0xffff, msgId: 2, topicName: "a/b" }, 1);
		deliver(session, { type: sn.MsgType.REGISTER, topicId: 5, msgId: 3, topicName: "a/#" }, 1);
		deliver(session, { type: sn.MsgType.REGISTER, topicId: 6, msgId: 4, topicName: "a/b" }, 1);
		deliver(session, { type: sn.MsgType.REGISTER, topicId: 7, msgId: 5, topicName: "a/b" }, 1);
		check(returnCodes(sent(session))).toEqual([sn.ReturnCode.REJECTED_INVALID_TOPIC_ID, sn.ReturnCode.REJECTED_INVALID_TOPIC_ID, sn.ReturnCode.REJECTED_NOT_SUPPORTED, 0, 0]);
		check(session.exportState().registrations).toEqual([{ topicId: 7, topicName: "a/b" }]);
	});

	it("keeps its own registrations under the cap by forgetting the oldest, and still publishes every message", () => {
		const session = active({ maxTopics: 2 });
		const done: (string | undefined)[] = [];
		for (let i = 1; i <= 4; i++) {
			session.publish(`own/${i}`, text("x"), 1, false, i, (e) => done.push(e?.code));
			const [register] = sent(session);
			if (register.type !== sn.MsgType.REGISTER) throw new Error("expected REGISTER");
			deliver(session, { type: sn.MsgType.REGACK, topicId: 10 + i, msgId: register.msgId, returnCode: 0 }, i);
			const [publish] = sent(session);
			if (publish.type !== sn.MsgType.PUBLISH) throw new Error("expected PUBLISH");
			deliver(session, { type: sn.MsgType.PUBACK, topicId: publish.topicId, msgId: publish.msgId, returnCode: 0 }, i);
		}
		check(done).toEqual([undefined, undefined, undefined, undefined]);
		check(session.exportState().registrations.map((r) => r.topicName)).toEqual(["own/3", "own/4"]);
	});
});

describe("MQTT-SN topic registry", () => {
	it("holds a normal id for a predefined name too, as a gateway does for a client that registers it", () => {
		const registry = new TopicRegistry({ "home/t": 7 }, 2);
		registry.register("home/t", 40);
		check(registry.idOf("home/t")).toBe(40);
		check([topicIdType(registry.fixedId("home/t")), topicId(registry.fixedId("home/t"))]).toEqual([sn.TopicIdType.PREDEFINED, 7]);
		check([registry.nameOf(sn.TopicIdType.NORMAL, 40), registry.nameOf(sn.TopicIdType.PREDEFINED, 7)]).toEqual(["home/t", "home/t"]);
		registry.clear();
		check([topicIdType(registry.idOf("home/t")), topicId(registry.idOf("home/t"))]).toEqual([sn.TopicIdType.PREDEFINED, 7]);
		check(registry.registrations().length).toBe(0);
	});
});

describe("MQTT-SN caps: QoS 2 ids awaiting PUBREL", () => {
	it("answers new ids past maxAwaitingRelease with PUBACK rejected: congestion, undelivered; once released, takes them", () => {
		const session = active({ maxAwaitingRelease: 3 });
		deliver(session, { type: sn.MsgType.REGISTER, topicId: 9, msgId: 1, topicName: "in/q2" }, 0);
		sent(session);
		for (let id = 1; id <= 5; id++) deliver(session, publishOn(9, id, 2), id);
		const answers = sent(session);
		check(answers.map((m) => m.type)).toEqual([sn.MsgType.PUBREC, sn.MsgType.PUBREC, sn.MsgType.PUBREC, sn.MsgType.PUBACK, sn.MsgType.PUBACK]);
		check(returnCodes(answers.slice(3))).toEqual([sn.ReturnCode.REJECTED_CONGESTION, sn.ReturnCode.REJECTED_CONGESTION]);
		check(events(session)).toHaveLength(3);
		check(session.exportState().awaitingRelease).toHaveLength(3);
		// A duplicate of a held id is still a duplicate, full or not.
		deliver(session, publishOn(9, 2, 2), 6);
		check(sent(session).map((m) => m.type)).toEqual([sn.MsgType.PUBREC]);
		deliver(session, { type: sn.MsgType.PUBREL, msgId: 1 }, 7);
		check(sent(session).map((m) => m.type)).toEqual([sn.MsgType.PUBCOMP]);
		deliver(session, publishOn(9, 4, 2), 8);
		check(sent(session).map((m) => m.type)).toEqual([sn.MsgType.PUBREC]);
		check(events(session)).toHaveLength(1);
		check(session.exportState().awaitingRelease).toHaveLength(3);
	});
});

describe("MQTT-SN caps: datagrams and events nobody polled", () => {
	it("drops what arrives past maxBacklog unanswered and counts it; the gateway's retransmission gets through later", () => {
		const session = active({ maxBacklog: 4 });
		deliver(session, { type: sn.MsgType.REGISTER, topicId: 9, msgId: 1, topicName: "in/q1" }, 0);
		sent(session);
		for (let id = 1; id <= 10; id++) deliver(session, publishOn(9, id, 1), id);
		check(session.dropped.overflow).toBe(6);
		check(events(session)).toHaveLength(4);
		check(sent(session).map((m) => m.type)).toEqual([sn.MsgType.PUBACK, sn.MsgType.PUBACK, sn.MsgType.PUBACK, sn.MsgType.PUBACK]);
		deliver(session, publishOn(9, 5, 1), 20);
		check(events(session)).toHaveLength(1);
		check(sent(session).map((m) => m.type)).toEqual([sn.MsgType.PUBACK]);
	});
});
