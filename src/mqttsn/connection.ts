/**
 * The connection's life: connecting (MQTT-SN 6.3), CONNECT, the will prompts (WILLTOPICREQ -> WILLTOPIC,
 * WILLMSGREQ -> WILLMSG) when it asks for a will, and CONNACK. A clean session at the
 * gateway voids the topic ids and QoS 2 ids of the last one, and the subscriptions are
 * made again. From asleep, CONNECT only says "active again" (6.14): no will, no clean
 * session.
 *
 * The sleeping client (MQTT-SN 6.14) and disconnecting (6.4): DISCONNECT with a duration
 * puts the session to sleep at the gateway, which buffers messages for it; PINGREQ with
 * the client id wakes it to collect them, and the PINGRESP after the last one puts it
 * back to sleep. No PINGRESP to a waking PINGREQ means the gateway does not hold the
 * session (it restarted, or matches clients by an address that changed): rather than
 * waiting out Nretry and a reconnect backoff, longer than a wake, the client CONNECTs at
 * once with its will and clean session false. Topic ids stay: one the gateway no longer
 * knows is refused and registered again.
 *
 * Keep-alive (6.11) is here too: an active client with nothing sent for its keep-alive
 * period sends PINGREQ, supervised like any request (Tretry, Nretry); a PINGREQ from the
 * gateway is answered with PINGRESP.
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
			else if (link.searchSchedule) {
				link.state = "searching";
				link.searchSchedule.start(now);
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
function sendConnect(link: GatewayLink, will: boolean, cleanSession: boolean, waking: boolean, now: number): void {
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

/** The gateway may hold the sleeping session: a DISCONNECT now would end it. */
export function asleepAtGateway(link: GatewayLink): boolean {
	const state = link.state;
	return state === "asleep" || state === "awake" || state === "waking";
}

export function sleep(link: GatewayLink, duration: number, now: number): void {
	if (link.state !== "active") throw new ProtocolError("PROTOCOL_VIOLATION", `cannot sleep while ${link.state}`);
	link.leaveActive();
	link.state = "falling-asleep";
	link.control = link.open(encode({ type: sn.DISCONNECT, duration }), sn.DISCONNECT, 0, false, now);
}

export function checkMessages(link: GatewayLink, now: number): void {
	if (link.state !== "asleep") throw new ProtocolError("PROTOCOL_VIOLATION", `cannot collect messages while ${link.state}`);
	link.state = "awake";
	link.control = link.open(encode({ type: sn.PINGREQ, clientId: link.clientId }), sn.PINGRESP, 0, false, now);
}

/** Sends DISCONNECT (the gateway then drops the will) and stops searching. */
export function disconnect(link: GatewayLink, now: number): void {
	link.searchSchedule?.stop();
	switch (link.state) {
		case "disconnected":
		case "disconnecting":
			return;
		case "searching":
			link.state = "disconnected";
			return;
		default:
			link.leaveActive();
			link.state = "disconnecting";
			link.control = link.open(encode({ type: sn.DISCONNECT }), sn.DISCONNECT, 0, false, now);
	}
}

export function onDisconnect(link: GatewayLink): boolean {
	switch (link.state) {
		case "falling-asleep":
			link.control = undefined;
			link.state = "asleep";
			link.emit({ type: "asleep" });
			return true;
		case "disconnecting":
			link.disconnected(undefined);
			return true;
		case "active":
		case "awake":
		case "connecting":
		case "waking":
			link.disconnected(new ProtocolError("CONNECTION_LOST", "the gateway sent DISCONNECT"));
			return true;
		default:
			return false;
	}
}

export function onPingresp(link: GatewayLink): boolean {
	const control = link.control;
	if (!control || control.expect !== sn.PINGRESP) return false;
	link.control = undefined;
	if (link.state === "awake") {
		// Every buffered message has been delivered: back to sleep.
		link.state = "asleep";
		link.emit({ type: "asleep" });
	}
	return true;
}

/** The waking PINGREQ went unanswered `awakeRetries` times. */
export function connectAgain(link: GatewayLink, now: number): void {
	const tries = link.limits.awakeRetries + 1;
	link.emit({ type: "reconnecting", reason: `no PINGRESP to ${tries} PINGREQs: the gateway does not hold this sleeping session` });
	sendConnect(link, link.will !== undefined, false, true, now);
}

/** When the next PINGREQ is due, or Infinity. */
export function keepAliveDeadline(link: GatewayLink): number {
	const period = link.limits.keepAlive * 1000;
	return link.state === "active" && period > 0 && !link.control ? link.lastSent + period : Infinity;
}

export function keepAlive(link: GatewayLink, now: number): void {
	if (now >= keepAliveDeadline(link)) link.control = link.open(encode({ type: sn.PINGREQ }), sn.PINGRESP, 0, false, now);
}

export function onPingreq(link: GatewayLink, now: number): boolean {
	link.send(encode({ type: sn.PINGRESP }), now);
	return true;
}
