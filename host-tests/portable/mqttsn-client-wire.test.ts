/**
 * The client's own messages byte for byte, as the session writes them: the device builds
 * each from its fields (src/mqttsn/encode.ts `frame`), not through the host's encoder of
 * every message, so each is held here to the specification's vectors (the codec suite
 * holds the host's encoder and the decoder to the same ones).
 */
import { describe, it, check } from "./test-api";
import { text, toHex } from "./bytes";
import * as sn from "../../src/mqttsn/packet";
import { MqttSnSession } from "../../src/mqttsn/session";
import { active, base, deliver } from "../../testkit/portable/mqttsn-wire";

/** The datagrams the session sent, as hex. */
function wire(session: MqttSnSession): string[] {
	const out: string[] = [];
	for (let d = session.pollTransmit(); d; d = session.pollTransmit()) out.push(toHex(d.bytes));
	return out;
}

describe("MQTT-SN client: its messages on the wire", () => {
	it("writes CONNECT with will and clean session, then WILLTOPIC and WILLMSG when prompted (5.4.4, 5.4.7, 5.4.9)", () => {
		const session = new MqttSnSession({ ...base, will: { topic: "s/o", payload: text("off"), qos: 1, retain: true } });
		session.connect(0);
		deliver(session, { type: sn.MsgType.WILLTOPICREQ }, 0);
		deliver(session, { type: sn.MsgType.WILLMSGREQ }, 0);
		check(wire(session)).toEqual(["0a 04 0c 01 00 3c 6c 61 6d 70", "06 07 30 73 2f 6f", "05 09 6f 66 66"]);
	});

	it("writes a persistent CONNECT without will, and answers prompts for a will it lacks with the empty forms", () => {
		const session = new MqttSnSession({ ...base, clientId: "a", cleanSession: false, keepAlive: 0 });
		session.connect(0);
		deliver(session, { type: sn.MsgType.WILLTOPICREQ }, 0);
		deliver(session, { type: sn.MsgType.WILLMSGREQ }, 0);
		check(wire(session)).toEqual(["07 04 00 01 00 00 61", "02 07", "02 09"]);
	});

	it("writes REGISTER with TopicId 0x0000 before the first PUBLISH to a topic name (5.4.10)", () => {
		const session = active();
		session.publish("a/b", text("on"), 1, false, 0);
		check(wire(session)).toEqual(["09 0a 00 00 00 01 61 2f 62"]);
	});

	it("writes SUBSCRIBE to a filter by name, to a predefined topic by id with DUP on resend, UNSUBSCRIBE of a short name (5.4.15, 5.4.17)", () => {
		const filter = active();
		filter.subscribe("a/+", 1, 0);
		check(wire(filter)).toEqual(["08 12 20 00 01 61 2f 2b"]);
		const predefined = active({ predefinedTopics: { "p/q": 7 } });
		predefined.subscribe("p/q", 2, 0);
		check(wire(predefined)).toEqual(["07 12 41 00 01 00 07"]);
		predefined.tick(1000);
		check(wire(predefined)).toEqual(["07 12 c1 00 01 00 07"]);
		const short = active();
		short.unsubscribe("ab", 0);
		check(wire(short)).toEqual(["07 14 02 00 01 61 62"]);
	});

	it("writes WILLTOPICUPD then WILLMSGUPD, and the empty WILLTOPICUPD that deletes the will (5.4.22, 5.4.24)", () => {
		const session = active();
		session.updateWill({ topic: "s", payload: text("x"), qos: 2, retain: false }, 0);
		deliver(session, { type: sn.MsgType.WILLTOPICRESP, returnCode: sn.ReturnCode.ACCEPTED }, 0);
		deliver(session, { type: sn.MsgType.WILLMSGRESP, returnCode: sn.ReturnCode.ACCEPTED }, 0);
		session.updateWill(void 0, 0);
		check(wire(session)).toEqual(["04 1a 40 73", "03 1c 78", "02 1a"]);
	});

	it("sleeps with DISCONNECT(duration) and wakes with PINGREQ carrying its client id (5.4.19, 5.4.21)", () => {
		const session = active();
		session.sleep(600, 0);
		deliver(session, { type: sn.MsgType.DISCONNECT }, 0);
		session.checkMessages(0);
		check(wire(session)).toEqual(["04 18 02 58", "06 16 6c 61 6d 70"]);
	});
});
