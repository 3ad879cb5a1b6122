/**
 * What a session is configured with: the CONNECT packet's fields (MQTT 3.1.2, 3.1.3) and
 * the limits on every table the session keeps.
 */
import { ProtocolError } from "../common/errors";
import type { SessionState } from "./state";
import type { Will } from "./packet";

export interface SessionOptions {
	/** Empty with a clean session: an id is generated (3.1.3.1). */
	readonly clientId: string;
	readonly cleanSession: boolean;
	/** Seconds; 0 turns keep-alive off. */
	readonly keepAlive: number;
	readonly will?: Will;
	readonly username?: string;
	readonly password?: Uint8Array;
	/** Largest packet accepted or sent, in bytes (default 8 KiB). */
	readonly maxPacketSize?: number;
	/** QoS 1/2 messages awaiting acknowledgement at once (default 16). */
	readonly inflightWindow?: number;
	/** Messages waiting for a connection or a window slot (default 100). */
	readonly maxQueued?: number;
	/**
	 * Incoming QoS 2 messages whose PUBREL has not arrived (default 32, about 64 slots at
	 * most). MQTT 3.1.1 has no way to refuse one more, so a broker past it gets DISCONNECT
	 * and the link closes (a TABLE_FULL close event). It must exceed the broker's own
	 * window (mosquitto's max_inflight_messages is 20 by default, EMQX's 32): a burst
	 * arrives in one read, before any PUBREC has gone out to let the broker release. A
	 * client subscribed at QoS 2 to a broker without a window sizes it to its bursts.
	 */
	readonly maxAwaitingRelease?: number;
	/** How long to wait for CONNACK, in ms (default 10 s). */
	readonly connectTimeout?: number;
	/** State saved by `exportState` (for instance across deep sleep). */
	readonly state?: SessionState;
	readonly random?: () => number;
	/** 4 (MQTT 3.1.1, the default) or 5 (MQTT 5.0, src/mqtt/v5). */
	readonly protocolVersion?: 4 | 5;
	/** MQTT 5: Clean Start (3.1.2.4); defaults to `cleanSession`. */
	readonly cleanStart?: boolean;
	/** MQTT 5: Session Expiry Interval in seconds (3.1.2.11.2); defaults to 0 with `cleanSession`, never expiring without. */
	readonly sessionExpiry?: number;
	/** MQTT 5: Will Delay Interval in seconds (3.1.3.2.2): the will waits this long for the client to come back. */
	readonly willDelay?: number;
	/** MQTT 5: Topic Alias Maximum we announce (3.1.2.11.5): aliases the server may use towards us (default 0). */
	readonly topicAliasMaximum?: number;
}

/**
 * The ClientId to connect with: the configured one, or for an empty one a generated id
 * (3.1.3.1: a server may refuse an empty one, and it needs CleanSession 1), unless the
 * server assigns one (MQTT 5, `serverAssigns`).
 */
export function clientIdOf(options: SessionOptions, serverAssigns: boolean): string {
	if (options.clientId !== "" || serverAssigns) return options.clientId;
	if (!options.cleanSession) throw new ProtocolError("PROTOCOL_VIOLATION", "an empty ClientId needs CleanSession 1 (3.1.3.1)");
	const random = options.random ?? Math.random;
	let id = "lampnode-";
	for (let i = 0; i < 8; i++) id += Math.floor(random() * 16).toString(16);
	return id;
}
