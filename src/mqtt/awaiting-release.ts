/**
 * QoS 2 on the receiving side (MQTT 4.3.3, method B): a message is delivered on PUBLISH
 * and its packet id remembered until PUBREL, so that a resent PUBLISH is acknowledged
 * but not delivered twice. A broker can grow this table, and MQTT 3.1.1 has no answer
 * that refuses one more id: past the cap the session closes the link (TABLE_FULL).
 */
import { ProtocolError } from "../common/errors";

/** Default cap: above mosquitto's (20) and EMQX's (32) in-flight windows; see SessionOptions.maxAwaitingRelease. */
export const AWAITING_RELEASE_CAP = 32;

export class AwaitingRelease {
	// Fields are `declare`d and set in the constructor: a class field costs XS bytecode of its own.
	declare readonly ids: Set<number>;
	private declare readonly cap: number;

	constructor(cap: number, ids: readonly number[] = []) {
		this.ids = new Set();
		this.cap = cap;
		// Never more remembered ids than the cap: the excess would only be refused later.
		for (let i = 0; i < ids.length && i < cap; i++) this.ids.add(ids[i]);
	}

	/**
	 * A QoS 2 PUBLISH arrived: true when it is new (deliver it), false for a resend; past
	 * the cap, the TABLE_FULL error to close the link with (the session says DISCONNECT first).
	 */
	arrived(packetId: number): boolean | ProtocolError {
		const ids = this.ids;
		if (ids.has(packetId)) return false;
		if (ids.size >= this.cap) return new ProtocolError("TABLE_FULL", `${this.cap} QoS 2 ids await PUBREL`);
		ids.add(packetId);
		return true;
	}
}
