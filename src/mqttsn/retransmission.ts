/**
 * Retransmission (MQTT-SN 6.13): the control exchange and the lane's request are each
 * resent every Tretry, at most Nretry times; then the gateway is lost. A waking PINGREQ
 * gives up sooner (awakeRetries) and CONNECTs instead. After "rejected: congestion" the
 * request waits T_WAIT and is then sent afresh with a full Nretry.
 */
import type { Exchange, GatewayLink } from "./link";
import { connectAgain } from "./sleeping-client";

/** Resends what is due; true when the link was lost or replaced by a new CONNECT. */
export function retransmit(link: GatewayLink, now: number): boolean {
	const { tRetry, nRetry, awakeRetries } = link.limits;
	const state = link.state;
	const control = link.control;
	if (control && now >= control.sentAt + tRetry) {
		if (state === "awake" && control.retries >= awakeRetries) {
			connectAgain(link, now);
			return true;
		}
		if (control.retries >= nRetry) {
			if (state === "disconnecting") link.disconnected(undefined);
			else link.lost(`no answer to ${nRetry} retransmissions`);
			return true;
		}
		link.retransmit(control, now);
	}
	const request = link.request;
	if (!request || now < request.waitUntil) return false;
	if (request.waitUntil > 0) {
		request.waitUntil = 0;
		request.retries = 0;
		link.retransmit(request, now);
	} else if (now >= request.sentAt + tRetry) {
		if (request.retries >= nRetry) {
			link.lost(`no answer to ${nRetry} retransmissions`);
			return true;
		}
		link.retransmit(request, now);
	}
	return false;
}

/** When an exchange is next due, or Infinity. */
export function retransmitDeadline(link: GatewayLink): number {
	const tRetry = link.limits.tRetry;
	return Math.min(due(link.control, tRetry), due(link.request, tRetry));
}

function due(exchange: Exchange | undefined, tRetry: number): number {
	if (!exchange) return Infinity;
	return exchange.waitUntil > 0 ? exchange.waitUntil : exchange.sentAt + tRetry;
}
