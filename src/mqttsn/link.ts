/**
 * What every procedure of the MQTT-SN client shares about its link to one gateway: the
 * state, the gateway's address, the two exchanges that may be open at once, the topic
 * ids and QoS 2 ids of the session, and the datagrams and events waiting to be polled.
 * The procedures (connection.ts, lane.ts, publish.ts, discovery.ts)
 * act on it; session.ts is the face the client sees.
 *
 * Retransmission (6.13) is here too: the control exchange and the lane's request are
 * each resent every Tretry, at most Nretry times; then the gateway is lost. A waking
 * PINGREQ gives up sooner (awakeRetries) and CONNECTs instead. After "rejected:
 * congestion" the request waits T_WAIT and is then sent afresh with a full Nretry.
 *
 * The state names the procedure in progress, so no flag stands beside it:
 *   disconnected -> searching -> connecting -> active -> disconnecting -> disconnected
 *   active -> falling-asleep -> asleep <-> awake (PINGREQ with the client id)
 *   asleep | awake -> waking (CONNECT from asleep) -> active
 */
import { ProtocolError } from "../common/errors";
import { Fifo } from "../common/fifo";
import * as sn from "./packet";
import type { AdvertiseWatch, Gateway, SearchSchedule } from "./discovery";
import { connectAgain } from "./connection";
import type { ReleaseWindow } from "./publish";
import type { Datagram, DropCounts, SearchTarget, SessionEvent, Will } from "./types";
import type { TopicRegistry } from "./topic-registry";

export type State = "disconnected" | "searching" | "connecting" | "waking" | "active" | "disconnecting" | "falling-asleep" | "asleep" | "awake";

/** A request awaiting its answer: resent every Tretry, at most Nretry times (6.13). */
export interface Exchange {
	/** MsgType of the answer, and its MsgId (0 when it has none). */
	readonly expect: number;
	readonly msgId: number;
	readonly bytes: Uint8Array;
	/** A resend carries DUP (PUBLISH, SUBSCRIBE). */
	readonly dup: boolean;
	/** CONNECT only: it asked for a clean session. */
	readonly clean: boolean;
	sentAt: number;
	retries: number;
	/** After "rejected: congestion": nothing is sent before this time. */
	waitUntil: number;
}

/** The specification's timers and counters (7.2) and the client's limits, resolved once. */
export interface Limits {
	readonly tRetry: number;
	readonly nRetry: number;
	readonly awakeRetries: number;
	readonly tWait: number;
	/** Seconds; 0 turns keep-alive off. */
	readonly keepAlive: number;
	readonly nAdv: number;
	readonly maxPacketSize: number;
	readonly maxQueued: number;
	/** Datagrams and events waiting to be polled; past it, what arrives is dropped unanswered. */
	readonly maxBacklog: number;
}

export interface LinkParts {
	readonly clientId: string;
	readonly cleanSession: boolean;
	readonly limits: Limits;
	readonly topics: TopicRegistry;
	readonly incoming: ReleaseWindow;
	readonly searchSchedule: SearchSchedule | undefined;
	readonly searchTarget: SearchTarget | undefined;
	readonly advertise: AdvertiseWatch;
	readonly gateway: Gateway | undefined;
	readonly will: Will | undefined;
}

export class GatewayLink {
	// Fields are `declare`d and set in the constructor: a class field costs XS bytecode of its own.
	declare state: State;
	declare gateway: Gateway | undefined;
	/** Configured, not discovered: never forgotten, never searched for. */
	declare configured: boolean;
	declare will: Will | undefined;
	/** CONNECT (with the will prompts), DISCONNECT, PINGREQ. */
	declare control: Exchange | undefined;
	/** The lane's one outstanding request (lane.ts). */
	declare request: Exchange | undefined;
	declare lastSent: number;
	declare nextMsgId: number;
	declare readonly transmit: Fifo<Datagram>;
	declare readonly events: Fifo<SessionEvent>;
	declare readonly dropped: DropCounts;
	declare readonly clientId: string;
	declare readonly cleanSession: boolean;
	declare readonly limits: Limits;
	declare readonly topics: TopicRegistry;
	declare readonly incoming: ReleaseWindow;
	declare readonly searchSchedule: SearchSchedule | undefined;
	declare readonly searchTarget: SearchTarget | undefined;
	declare readonly advertise: AdvertiseWatch;

	constructor(parts: LinkParts) {
		this.state = "disconnected";
		this.lastSent = 0;
		this.nextMsgId = 1;
		this.transmit = new Fifo();
		this.events = new Fifo();
		this.dropped = { malformed: 0, oversized: 0, unknownType: 0, foreign: 0, unexpected: 0, overflow: 0 };
		this.clientId = parts.clientId;
		this.cleanSession = parts.cleanSession;
		this.limits = parts.limits;
		this.topics = parts.topics;
		this.incoming = parts.incoming;
		this.searchSchedule = parts.searchSchedule;
		this.searchTarget = parts.searchTarget;
		this.advertise = parts.advertise;
		this.gateway = parts.gateway;
		this.configured = parts.gateway !== undefined;
		this.will = parts.will;
	}

	/** Messages from the gateway are handled: connected, or collecting while asleep, or saying goodbye. */
	get receiving(): boolean {
		const state = this.state;
		return state === "active" || state === "awake" || state === "disconnecting" || state === "falling-asleep";
	}

	send(bytes: Uint8Array, now: number): void {
		const gateway = this.gateway as Gateway;
		this.transmit.push({ bytes, address: gateway.address, port: gateway.port });
		this.lastSent = now;
	}

	emit(event: SessionEvent): void {
		this.events.push(event);
	}

	/** Sends `bytes` as a request awaiting `expect`. */
	open(bytes: Uint8Array, expect: number, msgId: number, dup: boolean, now: number, clean = false): Exchange {
		const exchange: Exchange = { bytes, expect, msgId, dup, clean, sentAt: now, retries: 0, waitUntil: 0 };
		this.send(bytes, now);
		return exchange;
	}

	retransmit(exchange: Exchange, now: number): void {
		exchange.retries++;
		exchange.sentAt = now;
		if (exchange.dup) sn.markDup(exchange.bytes);
		this.send(exchange.bytes, now);
	}

	/** The gateway is alive and walking through an exchange: it gets a full Tretry again. */
	heard(exchange: Exchange, now: number): void {
		exchange.sentAt = now;
		exchange.retries = 0;
	}

	allocateMsgId(): number {
		const id = this.nextMsgId;
		this.nextMsgId = id === 0xffff ? 1 : id + 1;
		return id;
	}

	/** Both exchanges stop; the lane's operation keeps its message id and is resent, DUP set, once active again. */
	leaveActive(): void {
		this.request = undefined;
		this.control = undefined;
	}

	disconnected(error: ProtocolError | undefined): void {
		this.leaveActive();
		this.state = "disconnected";
		this.emit({ type: "disconnected", error });
	}

	lost(reason: string): void {
		this.disconnected(new ProtocolError("GATEWAY_LOST", `MQTT-SN gateway lost: ${reason}`));
		this.forgetGateway();
	}

	/** A discovered gateway that is gone: the next connect searches again. */
	forgetGateway(): void {
		if (this.configured) return;
		this.gateway = undefined;
		this.advertise.reset();
	}
}

/** Resends what is due; true when the link was lost or replaced by a new CONNECT. */
export function retransmit(link: GatewayLink, now: number): boolean {
	const limits = link.limits;
	const tRetry = limits.tRetry;
	const nRetry = limits.nRetry;
	const state = link.state;
	const control = link.control;
	if (control && now >= control.sentAt + tRetry) {
		if (state === "awake" && control.retries >= limits.awakeRetries) {
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
