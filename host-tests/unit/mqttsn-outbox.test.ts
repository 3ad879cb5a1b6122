/**
 * The gateway's Outbox (messages from the broker to one MQTT-SN client) on vitest's fake
 * timers: REGISTER before the first PUBLISH of a topic, one message at a time, Tretry /
 * Nretry retransmission with DUP, the client declared lost after that, "invalid topic id"
 * answered by registering again, and holding everything while the client sleeps.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { decode } from "../../src/mqttsn/encode";
import * as sn from "../../src/mqttsn/packet";
import { TopicRegistry } from "../../src/mqttsn/topic-registry";
import { Outbox, type OutgoingMessage } from "../../tools/mqttsn-gateway/outbox";

const T_RETRY = 1000;
const N_RETRY = 2;

function outbox(limit = 10) {
	const sent: sn.Message[] = [];
	const record = { lost: 0, drained: 0 };
	let nextId = 100;
	const box = new Outbox({
		topics: new TopicRegistry({ "pre/cmd": 7 }),
		assignTopicId: () => nextId++,
		send: (bytes) => sent.push(decode(bytes.slice())),
		tRetry: T_RETRY,
		nRetry: N_RETRY,
		limit,
		onLost: () => record.lost++,
		onDrained: () => record.drained++,
	});
	return { box, sent, record };
}

const message = (topic: string, payload: string, qos: 0 | 1 | 2 = 1): OutgoingMessage => ({ topic, payload: new TextEncoder().encode(payload), qos, retain: false });
const types = (messages: sn.Message[]) => messages.map((m) => m.type);

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
});

describe("MQTT-SN gateway outbox", () => {
	it("registers a topic before its first PUBLISH, then publishes with that id; a predefined topic goes at once", () => {
		const { box, sent, record } = outbox();
		box.resume();
		expect(record.drained).toBe(1);
		box.push(message("a/b", "1"));
		box.push(message("pre/cmd", "2"));
		const register = sent.shift() as sn.RegisterMessage;
		expect(register).toMatchObject({ type: sn.MsgType.REGISTER, topicId: 100, topicName: "a/b" });
		box.handle({ type: sn.MsgType.REGACK, topicId: 100, msgId: register.msgId, returnCode: sn.ReturnCode.ACCEPTED });
		const publish = sent.shift() as sn.PublishMessage;
		expect(publish).toMatchObject({ type: sn.MsgType.PUBLISH, topicIdType: sn.TopicIdType.NORMAL, topicId: 100, qos: 1, dup: false });
		expect(sent).toHaveLength(0); // one at a time
		box.handle({ type: sn.MsgType.PUBACK, topicId: 100, msgId: publish.msgId, returnCode: sn.ReturnCode.ACCEPTED });
		expect(sent.shift()).toMatchObject({ type: sn.MsgType.PUBLISH, topicIdType: sn.TopicIdType.PREDEFINED, topicId: 7 });
	});

	it("resends every Tretry with DUP and the same MsgId, and declares the client lost after Nretry", () => {
		const { box, sent, record } = outbox();
		box.resume();
		box.push(message("pre/cmd", "x"));
		const first = sent.shift() as sn.PublishMessage;
		vi.advanceTimersByTime(T_RETRY - 1);
		expect(sent).toHaveLength(0);
		vi.advanceTimersByTime(1);
		vi.advanceTimersByTime(T_RETRY);
		expect(sent).toHaveLength(N_RETRY);
		for (const resent of sent) expect(resent).toMatchObject({ type: sn.MsgType.PUBLISH, msgId: first.msgId, dup: true });
		expect(record.lost).toBe(0);
		vi.advanceTimersByTime(T_RETRY);
		expect(record.lost).toBe(1);
	});

	it("walks QoS 2 through PUBREC, PUBREL and PUBCOMP, ignoring acknowledgements for other ids", () => {
		const { box, sent } = outbox();
		box.resume();
		box.push(message("pre/cmd", "once", 2));
		box.push(message("pre/cmd", "next", 0));
		const publish = sent.shift() as sn.PublishMessage;
		expect(box.handle({ type: sn.MsgType.PUBREC, msgId: publish.msgId + 1 })).toBe(false);
		expect(box.handle({ type: sn.MsgType.PUBREC, msgId: publish.msgId })).toBe(true);
		expect(sent.shift()).toEqual({ type: sn.MsgType.PUBREL, msgId: publish.msgId });
		vi.advanceTimersByTime(T_RETRY);
		expect(sent.shift()).toEqual({ type: sn.MsgType.PUBREL, msgId: publish.msgId }); // PUBREL has no DUP
		box.handle({ type: sn.MsgType.PUBCOMP, msgId: publish.msgId });
		expect(types(sent)).toEqual([sn.MsgType.PUBLISH]);
		expect(box.length).toBe(0);
	});

	it("registers again when the client answers \"invalid topic id\", and drops a message whose REGISTER is refused", () => {
		const { box, sent } = outbox();
		box.resume();
		box.push(message("a/b", "1"));
		const register = sent.shift() as sn.RegisterMessage;
		box.handle({ type: sn.MsgType.REGACK, topicId: register.topicId, msgId: register.msgId, returnCode: sn.ReturnCode.ACCEPTED });
		const publish = sent.shift() as sn.PublishMessage;
		box.handle({ type: sn.MsgType.PUBACK, topicId: publish.topicId, msgId: publish.msgId, returnCode: sn.ReturnCode.REJECTED_INVALID_TOPIC_ID });
		const again = sent.shift() as sn.RegisterMessage;
		expect(again).toMatchObject({ type: sn.MsgType.REGISTER, topicName: "a/b" });
		box.handle({ type: sn.MsgType.REGACK, topicId: again.topicId, msgId: again.msgId, returnCode: sn.ReturnCode.REJECTED_NOT_SUPPORTED });
		expect(sent).toHaveLength(0);
		expect(box.length).toBe(0);
	});

	it("holds messages while the client sleeps, resends what was in flight on wake, and drops beyond its limit", () => {
		const { box, sent, record } = outbox(2);
		box.resume();
		box.push(message("pre/cmd", "in flight"));
		const inFlight = sent.shift() as sn.PublishMessage;
		box.pause();
		box.push(message("pre/cmd", "while asleep"));
		box.push(message("pre/cmd", "one too many"));
		vi.advanceTimersByTime(10 * T_RETRY);
		expect(sent).toHaveLength(0);
		expect(record.lost).toBe(0);
		expect(box.dropped).toBe(1);
		const drainedBefore = record.drained;
		box.resume();
		expect(sent.shift()).toMatchObject({ msgId: inFlight.msgId, dup: true });
		box.handle({ type: sn.MsgType.PUBACK, topicId: 7, msgId: inFlight.msgId, returnCode: sn.ReturnCode.ACCEPTED });
		const next = sent.shift() as sn.PublishMessage;
		expect(new TextDecoder().decode(next.data)).toBe("while asleep");
		box.handle({ type: sn.MsgType.PUBACK, topicId: 7, msgId: next.msgId, returnCode: sn.ReturnCode.ACCEPTED });
		expect(record.drained).toBe(drainedBefore + 1);
	});
});

