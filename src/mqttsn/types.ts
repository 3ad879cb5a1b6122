/**
 * What the MQTT-SN session is given and gives back (its options, its events and
 * datagrams; session.ts re-exports them), and the exchanges it keeps open (link.ts).
 * Types only: nothing of it reaches the device.
 */
import type { ProtocolError } from "../common/errors";
import type { MsgType, QoS } from "./packet";
import type { SessionState } from "./state";

/** Where a gateway answers: an IP address as the board reports datagram sources (found by the session's discovery, 6.1). */
export interface Gateway {
	readonly gwId: number;
	readonly address: string;
	readonly port: number;
}

export interface Will {
	readonly topic: string;
	readonly payload: Uint8Array;
	readonly qos: 0 | 1 | 2;
	readonly retain: boolean;
}

/** Where SEARCHGW goes: a broadcast address on a device, the gateway's port on loopback. */
export interface SearchTarget {
	readonly address: string;
	readonly port: number;
	/** Broadcast radius, in hops (5.4.2). */
	readonly radius: number;
}

export interface MqttSnSessionOptions {
	/** 1-23 characters (5.3.1); empty for a generated one with a clean session. */
	readonly clientId: string;
	readonly cleanSession: boolean;
	/** Seconds; 0 turns keep-alive off. */
	readonly keepAlive: number;
	readonly will?: Will;
	/** A configured gateway (an address, see `setGateway` for host names); without it the client searches. */
	readonly gateway?: Gateway;
	readonly searchGw?: SearchTarget;
	/** Topic name -> predefined topic id, as the gateway is configured. */
	readonly predefinedTopics?: Readonly<Record<string, number>>;
	/** Retransmission interval and count (Tretry in ms, Nretry). */
	readonly tRetry?: number;
	readonly nRetry?: number;
	/**
	 * Retransmissions of a waking PINGREQ (default Nretry). Unanswered after these, the
	 * gateway does not hold the sleeping session for this address (it restarted, or the
	 * device's address changed and it matches clients by address): the session CONNECTs
	 * again at once, clean session false, so the broker keeps its subscriptions and queue.
	 */
	readonly awakeRetries?: number;
	/** Discovery: first SEARCHGW within [0, tSearchGw), an answer awaited tGwInfo, delays capped at maxSearchDelay. */
	readonly tSearchGw?: number;
	readonly tGwInfo?: number;
	readonly maxSearchDelay?: number;
	/** ADVERTISEs in a row that may be missed before the gateway is lost (N_ADV). */
	readonly nAdv?: number;
	/** How long to back off after "rejected: congestion", ms (T_WAIT). */
	readonly tWait?: number;
	/** Largest datagram accepted or sent (default 1024). */
	readonly maxPacketSize?: number;
	/** Requests waiting behind the lane (default 100). */
	readonly maxQueued?: number;
	/** Topic ids the session holds (default 32); a REGISTER from the gateway past it is answered "rejected: congestion". */
	readonly maxTopics?: number;
	/** Incoming QoS 2 ids awaiting PUBREL (default 8); a new one past it is answered PUBACK "rejected: congestion". */
	readonly maxAwaitingRelease?: number;
	/** Datagrams and events not yet polled (default 32); what arrives past it is dropped unanswered. */
	readonly maxBacklog?: number;
	/** State saved by `exportState`, for instance across deep sleep. */
	readonly state?: SessionState;
	readonly random?: () => number;
}

export type SessionStatus = "disconnected" | "searching" | "connecting" | "active" | "disconnecting" | "asleep" | "awake";

export interface ReceivedMessage {
	readonly topic: string;
	readonly payload: Uint8Array;
	readonly qos: QoS;
	readonly retain: boolean;
	readonly dup: boolean;
}

export type SessionEvent =
	| { readonly type: "gateway"; readonly gateway: Gateway }
	| { readonly type: "connected" }
	| { readonly type: "message"; readonly message: ReceivedMessage }
	/** DISCONNECT(duration) acknowledged, or a wake-up's buffered messages all collected. */
	| { readonly type: "asleep" }
	/** The waking PINGREQ went unanswered: the session CONNECTs again (clean session false) by itself. */
	| { readonly type: "reconnecting"; readonly reason: string }
	/** No longer connected: `error` unless the application asked for it. */
	| { readonly type: "disconnected"; readonly error?: ProtocolError };

export interface Datagram {
	readonly bytes: Uint8Array;
	readonly address: string;
	readonly port: number;
}

/** Bad datagrams dropped, by reason; none of them reaches the application. */
export interface DropCounts {
	/** Truncated, Length not the datagram's size, fields that do not fit. */
	malformed: number;
	oversized: number;
	unknownType: number;
	/** From an address that is not the gateway. */
	foreign: number;
	/** Well-formed, but nothing waits for it (stale acknowledgements, wrong state). */
	unexpected: number;
	/** Arrived while maxBacklog datagrams or events were waiting to be polled. */
	overflow: number;
}

export type Done = (error?: ProtocolError) => void;
export type SubscribeDone = (error: ProtocolError | undefined, grantedQos: QoS) => void;

/** A request awaiting its answer: resent every Tretry, at most Nretry times (6.13). */
export interface Exchange {
	/** MsgType of the answer, and its MsgId (0 when it has none). */
	readonly expect: MsgType;
	readonly msgId: number;
	/** What is sent; replaced by its copy with DUP set at the first retransmission. */
	bytes: Uint8Array;
	/** The next retransmission sets DUP (PUBLISH, SUBSCRIBE) in a copy: not yet done. */
	dup: boolean;
	sentAt: number;
	retries: number;
	/** After "rejected: congestion": nothing is sent before this time. */
	waitUntil: number;
}
