/**
 * What every procedure of the MQTT-SN client shares about its link to one gateway: the
 * state, the gateway's address, the two exchanges that may be open at once, the lane's
 * queue, the topic ids and QoS 2 ids of the session, and the datagrams and events
 * waiting to be polled. The procedures (connection.ts, lane.ts, publish.ts,
 * discovery.ts) act on it; the session (session.ts) is a GatewayLink with the face the
 * client sees, so the procedures reach every field in one step.
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
 * States are small numbers (a string compare costs the device flash at every use), in
 * an order that makes the common questions one comparison (below); STATE_NAMES spells
 * them.
 */
import { ProtocolError } from "../common/errors";
import * as sn from "./packet";
import { Backoff } from "../common/backoff";
import type { Gateway } from "./discovery";
import { encode } from "./encode";
import { MsgType, type AdvertiseMessage, type GwInfoMessage } from "./packet";
import type { ReleaseWindow } from "./publish";
import type { Operation } from "./lane";
import type { Datagram, DropCounts, MqttSnSessionOptions, SearchTarget, SessionEvent, Will } from "./types";
import type { TopicRegistry } from "./topic-registry";
import { N_ADV, N_RETRY, T_GWINFO, T_RETRY, T_SEARCHGW, T_WAIT } from "./timers";

/**
 * The states, in that order. From ACTIVE on the gateway holds the session; from ASLEEP on
 * it holds it asleep. A `const enum`: each use compiles to its number (see packet.ts).
 */
export const enum State {
	DISCONNECTED = 0,
	SEARCHING = 1,
	CONNECTING = 2,
	/** CONNECT from asleep: the gateway may still hold the session asleep until CONNACK. */
	WAKING = 3,
	ACTIVE = 4,
	DISCONNECTING = 5,
	FALLING_ASLEEP = 6,
	ASLEEP = 7,
	AWAKE = 8,
}

/** The status each state reports: waking is still connecting, falling asleep still disconnecting. */
export const STATE_NAMES = ["disconnected", "searching", "connecting", "connecting", "active", "disconnecting", "disconnecting", "asleep", "awake"] as const;

/** A request awaiting its answer: resent every Tretry, at most Nretry times (6.13). */
export interface Exchange {
	/** MsgType of the answer, and its MsgId (0 when it has none). */
	readonly expect: MsgType;
	readonly msgId: number;
	readonly bytes: Uint8Array;
	/** A resend carries DUP (PUBLISH, SUBSCRIBE). */
	readonly dup: boolean;
	sentAt: number;
	retries: number;
	/** After "rejected: congestion": nothing is sent before this time. */
	waitUntil: number;
}

export abstract class GatewayLink {
	// Fields are `declare`d and set in the constructor: a class field costs XS bytecode of its own.
	declare state: State;
	declare gateway: Gateway | undefined;
	/** Configured, not discovered: never forgotten, never searched for. */
	declare configured: boolean;
	declare will: Will | undefined;
	/** CONNECT (with the will prompts), DISCONNECT, PINGREQ. */
	declare control: Exchange | undefined;
	/** The CONNECT in `control` asked for a clean session. */
	declare cleanRequested: boolean;
	/** The lane's one outstanding request (lane.ts). */
	declare request: Exchange | undefined;
	/** The lane's operations, head first (lane.ts); arrays, as every queue here has a cap. */
	declare queue: Operation[];
	/** Subscriptions the application wants; `active` once the gateway acknowledged them. */
	declare readonly subscriptions: Map<string, { qos: 0 | 1 | 2; active: boolean }>;
	declare lastSent: number;
	declare nextMsgId: number;
	declare readonly transmit: Datagram[];
	declare readonly events: SessionEvent[];
	declare readonly dropped: DropCounts;
	declare readonly clientId: string;
	declare readonly cleanSession: boolean;
	// The specification's timers and counters (7.2) and the client's limits, resolved once.
	declare readonly tRetry: number;
	declare readonly nRetry: number;
	declare readonly awakeRetries: number;
	declare readonly tWait: number;
	/** Seconds; 0 turns keep-alive off. */
	declare readonly keepAlive: number;
	declare readonly nAdv: number;
	declare readonly maxPacketSize: number;
	declare readonly maxQueued: number;
	/** Datagrams and events waiting to be polled; past it, what arrives is dropped unanswered. */
	declare readonly maxBacklog: number;
	/** Set by the session (session.ts), which knows the registry's and the window's makers. */
	declare topics: TopicRegistry;
	declare incoming: ReleaseWindow;
	/** Where SEARCHGW goes; without it the client never searches (discovery.ts). */
	declare readonly searchTarget: SearchTarget | undefined;
	/** The delays between SEARCHGWs, when searching. */
	declare readonly searchBackoff: Backoff | undefined;
	declare readonly tGwInfo: number;
	/** When the next SEARCHGW is due; Infinity while not searching. */
	declare searchAt: number;
	/** When the gateway is lost for want of ADVERTISEs; Infinity while it does not advertise. */
	declare advertiseDeadline: number;

	constructor(options: MqttSnSessionOptions, clientId: string) {
		const nRetry = options.nRetry ?? N_RETRY;
		const target = options.searchGw;
		const tSearchGw = options.tSearchGw ?? T_SEARCHGW;
		this.state = State.DISCONNECTED;
		this.lastSent = 0;
		this.nextMsgId = 1;
		this.cleanRequested = false;
		this.queue = [];
		this.subscriptions = new Map();
		this.transmit = [];
		this.events = [];
		this.dropped = { malformed: 0, oversized: 0, unknownType: 0, foreign: 0, unexpected: 0, overflow: 0 };
		this.clientId = clientId;
		this.cleanSession = options.cleanSession;
		this.tRetry = options.tRetry ?? T_RETRY;
		this.nRetry = nRetry;
		this.awakeRetries = options.awakeRetries ?? nRetry;
		this.tWait = options.tWait ?? T_WAIT;
		this.keepAlive = options.keepAlive;
		this.nAdv = options.nAdv ?? N_ADV;
		this.maxPacketSize = options.maxPacketSize ?? 1024;
		this.maxQueued = options.maxQueued ?? 100;
		this.maxBacklog = options.maxBacklog ?? 32;
		this.searchTarget = target;
		// Only a client that searches keeps a backoff.
		this.searchBackoff = target && new Backoff({ base: tSearchGw, cap: Math.max(tSearchGw, options.maxSearchDelay ?? T_WAIT), random: options.random });
		this.tGwInfo = options.tGwInfo ?? T_GWINFO;
		this.searchAt = Infinity;
		this.advertiseDeadline = Infinity;
		this.gateway = options.gateway;
		this.configured = !!options.gateway;
		this.will = options.will;
	}

	/** Messages from the gateway are handled: connected, or collecting while asleep, or saying goodbye. */
	protected get receiving(): boolean {
		return this.state >= State.ACTIVE && this.state !== State.ASLEEP;
	}

	protected send(bytes: Uint8Array, now: number): void {
		const gateway = this.gateway as Gateway;
		this.transmit.push({ bytes, address: gateway.address, port: gateway.port });
		this.lastSent = now;
	}

	protected emit(event: SessionEvent): void {
		this.events.push(event);
	}

	/** Sends `bytes` as a request awaiting `expect`. */
	protected open(bytes: Uint8Array, expect: MsgType, msgId: number, dup: boolean, now: number): Exchange {
		this.send(bytes, now);
		return { bytes, expect, msgId, dup, sentAt: now, retries: 0, waitUntil: 0 };
	}

	/** The gateway is alive and walking through an exchange: it gets a full Tretry again. */
	protected heard(exchange: Exchange, now: number): void {
		exchange.sentAt = now;
		exchange.retries = 0;
	}

	protected allocateMsgId(): number {
		const id = this.nextMsgId;
		this.nextMsgId = id === 0xffff ? 1 : id + 1;
		return id;
	}

	/** Both exchanges stop; the lane's operation keeps its message id and is resent, DUP set, once active again. */
	protected leaveActive(): void {
		this.request = undefined;
		this.control = undefined;
	}

	protected disconnected(error: ProtocolError | undefined): void {
		this.leaveActive();
		this.state = State.DISCONNECTED;
		this.emit({ type: "disconnected", error });
	}

	protected lost(reason: string): void {
		this.disconnected(new ProtocolError("GATEWAY_LOST", "gateway lost: " + reason));
		this.forgetGateway();
	}

	/** A discovered gateway that is gone: the next connect searches again. */
	protected forgetGateway(): void {
		if (this.configured) return;
		this.gateway = undefined;
		this.advertiseDeadline = Infinity;
	}

	/** The waking PINGREQ went unanswered (connection.ts). */
	protected abstract connectAgain(now: number): void;

	/** Connects (connection.ts). */
	abstract connect(now: number): void;

	/** Resends what is due; true when the link was lost or replaced by a new CONNECT. */
	protected retransmit(now: number): boolean {
		const tRetry = this.tRetry;
		const nRetry = this.nRetry;
		const control = this.control;
		if (control && now >= control.sentAt + tRetry) {
			if (this.state === State.AWAKE && control.retries >= this.awakeRetries) {
				this.connectAgain(now);
				return true;
			}
			if (control.retries < nRetry) this.resend(control, now);
			else if (this.state === State.DISCONNECTING) {
				this.disconnected(undefined);
				return true;
			} else return this.giveUp();
		}
		const request = this.request;
		if (!request || now < request.waitUntil) return false;
		if (request.waitUntil > 0) {
			request.waitUntil = 0;
			request.retries = 0;
		} else if (now < request.sentAt + tRetry) return false;
		else if (request.retries >= nRetry) return this.giveUp();
		this.resend(request, now);
		return false;
	}

	private giveUp(): true {
		this.lost(this.nRetry + " retransmissions unanswered");
		return true;
	}

	private resend(exchange: Exchange, now: number): void {
		exchange.retries++;
		exchange.sentAt = now;
		if (exchange.dup) sn.markDup(exchange.bytes);
		this.send(exchange.bytes, now);
	}

	/** When an exchange is next due, or Infinity. */
	protected retransmitDeadline(): number {
		const control = this.control;
		const request = this.request;
		const at = control ? control.sentAt + this.tRetry : Infinity;
		if (!request) return at;
		const requestAt = request.waitUntil > 0 ? request.waitUntil : request.sentAt + this.tRetry;
		return requestAt < at ? requestAt : at;
	}

	// --- finding a gateway and noticing when it is gone (MQTT-SN 6.1, 6.2) ---------------
	/*
	 * Kept as deadlines the session's tick and nextTimeout read:
	 * - searching: when to broadcast SEARCHGW. The first one waits a random time in
	 *   [0, T_SEARCHGW) so clients powered up together do not all search at once; each later
	 *   one waits T_GWINFO for an answer plus a jittered delay whose ceiling doubles (the
	 *   exponential backoff the specification asks for). Hearing another client's SEARCHGW
	 *   counts as our own: we wait for the GWINFO it will bring.
	 * - advertisements: a gateway that advertises every `duration` seconds is lost once
	 *   `missed` consecutive ADVERTISEs fail to arrive (N_ADV); half a period of slack lets
	 *   a late broadcast still count.
	 */

	/** Starts searching (connection.ts: no gateway known, a search target given). */
	protected startSearch(now: number): void {
		const backoff = this.searchBackoff as NonNullable<typeof this.searchBackoff>;
		this.state = State.SEARCHING;
		if (this.searchAt !== Infinity) return;
		backoff.reset();
		this.searchAt = now + backoff.next();
	}

	/** Another client searched: behave as if we had, and wait for the GWINFO it will bring. */
	protected heardSearch(now: number): void {
		if (this.searchAt !== Infinity) this.searchAt = now + this.tGwInfo + (this.searchBackoff as NonNullable<typeof this.searchBackoff>).next();
	}

	/** Searching: broadcasts SEARCHGW when it is due, and schedules the next one. */
	protected searchDue(now: number): void {
		const target = this.searchTarget;
		if (!target || now < this.searchAt) return;
		this.heardSearch(now);
		this.transmit.push({ bytes: encode({ type: MsgType.SEARCHGW, radius: target.radius }), address: target.address, port: target.port });
	}

	/** The gateway advertised; the next one is due in `duration` seconds. */
	protected heardAdvertise(duration: number, now: number): void {
		this.advertiseDeadline = duration > 0 ? now + duration * 1000 * (this.nAdv + 0.5) : Infinity;
	}

	/** An ADVERTISE or GWINFO while no gateway is known: that is the gateway now. */
	protected found(message: AdvertiseMessage | GwInfoMessage, address: string, port: number, now: number): void {
		let gateway: Gateway = { gwId: message.gwId, address, port };
		// GWINFO from another client carries the gateway's address; on UDP, 4 octets of IPv4 and a port.
		if (message.type === MsgType.GWINFO && message.gwAdd) {
			const a = message.gwAdd;
			if (a.length !== 6) {
				this.dropped.unexpected++;
				return;
			}
			gateway = { gwId: message.gwId, address: a[0] + "." + a[1] + "." + a[2] + "." + a[3], port: (a[4] << 8) | a[5] };
		}
		this.gateway = gateway;
		this.topics.clear();
		if (message.type === MsgType.ADVERTISE) this.heardAdvertise(message.duration, now);
		this.emit({ type: "gateway", gateway });
		if (this.state === State.SEARCHING) {
			this.searchAt = Infinity;
			this.state = State.DISCONNECTED;
			this.connect(now);
		}
	}

	/** Time passed: a gateway that stopped advertising is lost (or, while disconnected, forgotten). */
	protected advertiseDue(now: number): boolean {
		if (!this.gateway || now < this.advertiseDeadline) return false;
		this.advertiseDeadline = Infinity;
		const state = this.state;
		if (state === State.DISCONNECTED) this.forgetGateway();
		else if (state !== State.SEARCHING && state !== State.ASLEEP) {
			this.lost("no ADVERTISE for " + this.nAdv + " periods");
			return true;
		}
		return false;
	}
}

/** A datagram from `address`:`port` is the gateway's. */
export function sameEndpoint(gateway: Gateway, address: string, port: number): boolean {
	return gateway.port === port && gateway.address === address;
}
