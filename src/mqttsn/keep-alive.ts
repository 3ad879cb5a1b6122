/**
 * Keep-alive (MQTT-SN 6.11): an active client with nothing sent for its keep-alive
 * period sends PINGREQ, supervised like any request (Tretry, Nretry); a PINGREQ from the
 * gateway is answered with PINGRESP.
 */
import { encode } from "./encode";
import type { GatewayLink } from "./link";
import * as sn from "./packet";

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
