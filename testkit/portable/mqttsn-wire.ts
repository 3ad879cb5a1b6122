/** Helpers that play the gateway's side of an MQTT-SN session in the portable suites. */
import { decode } from "../../src/mqttsn/encode";
import { encode } from "./mqttsn-encode";
import { MsgType, type Message } from "../../src/mqttsn/packet";
import type { Gateway } from "../../src/mqttsn/types";
import { MqttSnSession, type MqttSnSessionOptions, type SessionEvent } from "../../src/mqttsn/session";

export const GATEWAY: Gateway = { gwId: 1, address: "10.0.0.1", port: 1883 };

/** What the session sent, decoded, with where it went. */
export function sentTo(session: MqttSnSession): { message: Message; address: string; port: number }[] {
	const out: { message: Message; address: string; port: number }[] = [];
	for (let d = session.pollTransmit(); d; d = session.pollTransmit()) out.push({ message: decode(d.bytes), address: d.address, port: d.port });
	return out;
}

/** What the session sent, decoded (all to the gateway in these tests). */
export function sent(session: MqttSnSession): Message[] {
	return sentTo(session).map((d) => d.message);
}

export function types(session: MqttSnSession): number[] {
	return sent(session).map((m) => m.type);
}

export function events(session: MqttSnSession): SessionEvent[] {
	const out: SessionEvent[] = [];
	for (let e = session.pollEvent(); e; e = session.pollEvent()) out.push(e);
	return out;
}

/** The gateway (or `from`) sends `message` at `now`. */
export function deliver(session: MqttSnSession, message: Message, now: number, from: Gateway = GATEWAY): void {
	session.received(encode(message), from, now);
}

export const base: MqttSnSessionOptions = { clientId: "lamp", cleanSession: true, keepAlive: 60, gateway: GATEWAY, tRetry: 1000, nRetry: 3, random: () => 0.5 };

/** A session that is active at `now`, with everything sent and emitted so far drained. */
export function active(options: Partial<MqttSnSessionOptions> = {}, now = 0): MqttSnSession {
	const session = new MqttSnSession({ ...base, ...options });
	session.connect(now);
	deliver(session, { type: MsgType.CONNACK, returnCode: 0 }, now);
	sent(session);
	events(session);
	return session;
}

/** The single message sent, checked to be of `type`. */
export function only<T extends Message["type"]>(session: MqttSnSession, type: T): Extract<Message, { type: T }> {
	const messages = sent(session);
	if (messages.length !== 1 || messages[0].type !== type)
		throw new Error(`expected one message of type ${type}, got [${messages.map((m) => m.type).join(", ")}]`);
	return messages[0] as Extract<Message, { type: T }>;
}
