/**
 * Connecting (MQTT-SN 6.3): CONNECT, the will prompts (WILLTOPICREQ -> WILLTOPIC,
 * WILLMSGREQ -> WILLMSG) when it asks for a will, and CONNACK. A clean session at the
 * gateway voids the topic ids and QoS 2 ids of the last one, and the subscriptions are
 * made again. From asleep, CONNECT only says "active again" (6.14): no will, no clean
 * session.
 */
import { ProtocolError } from "../common/errors";
import { encode } from "./encode";
import type { Lane } from "./lane";
import type { GatewayLink } from "./link";
import * as sn from "./packet";

/** Connects, searching first when no gateway is known; from asleep, becomes active again. */
export function connect(link: GatewayLink, now: number): void {
	switch (link.state) {
		case "disconnected":
			if (link.gateway) sendConnect(link, link.will !== undefined, link.cleanSession, false, now);
			else if (link.search) {
				link.state = "searching";
				link.search.start(now);
			} else throw new ProtocolError("PROTOCOL_VIOLATION", "no gateway, no search target");
			return;
		case "asleep":
		case "awake":
			sendConnect(link, false, false, true, now);
			return;
		default:
			return;
	}
}

/** `waking`: the gateway may still hold the session asleep until CONNACK. */
export function sendConnect(link: GatewayLink, will: boolean, cleanSession: boolean, waking: boolean, now: number): void {
	link.state = waking ? "waking" : "connecting";
	const bytes = encode({ type: sn.CONNECT, will, cleanSession, duration: link.limits.keepAlive, clientId: link.clientId });
	link.control = link.open(bytes, sn.CONNACK, 0, false, now, cleanSession);
}

function connecting(link: GatewayLink): boolean {
	return link.state === "connecting" || link.state === "waking";
}

export function onConnack(link: GatewayLink, lane: Lane, returnCode: number, now: number): boolean {
	if (!connecting(link)) return false;
	const control = link.control;
	link.control = undefined;
	if (returnCode !== sn.ACCEPTED) {
		const code = returnCode === sn.REJECTED_CONGESTION ? "REJECTED_CONGESTION" : "CONNECTION_REFUSED";
		link.disconnected(new ProtocolError(code, `gateway refused the connection: ${sn.returnCodeName(returnCode)}`));
		return true;
	}
	link.state = "active";
	if (control?.clean) {
		link.topics.clear();
		link.incoming.clear();
		lane.startedClean();
	}
	link.emit({ type: "connected" });
	lane.advance(now);
	return true;
}

export function onWillPrompt(link: GatewayLink, type: typeof sn.WILLTOPICREQ | typeof sn.WILLMSGREQ, now: number): boolean {
	const control = link.control;
	if (!connecting(link) || !control) return false;
	const will = link.will;
	if (type === sn.WILLTOPICREQ)
		link.send(encode({ type: sn.WILLTOPIC, qos: will ? will.qos : 0, retain: will ? will.retain : false, willTopic: will ? will.topic : "" }), now);
	else link.send(encode({ type: sn.WILLMSG, willMsg: will ? will.payload : new Uint8Array(0) }), now);
	link.heard(control, now);
	return true;
}
