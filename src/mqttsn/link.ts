/**
 * What every procedure of the MQTT-SN client shares about its link to one gateway (the
 * state, the gateway's address, the two exchanges that may be open at once, the lane's
 * queue, topic ids, QoS 2 ids, what waits to be polled) and the connection's life over
 * it, with time passing (discovery's deadlines, retransmission, keep-alive: `tick`). The
 * lane (lane.ts, with the dispatch of what the gateway sends) and the session (session.ts)
 * are layers of this class: each procedure reaches every field in one step, and shared
 * names are stored once.
 *
 * Retransmission (6.13): the control exchange and the lane's request are each resent
 * every Tretry, at most Nretry times; then the gateway is lost. A waking PINGREQ gives up
 * sooner (awakeRetries) and CONNECTs instead. After "rejected: congestion" the request
 * waits T_WAIT and is then sent afresh with a full Nretry.
 *
 * The state names the procedure in progress, so no flag stands beside it:
 *   disconnected -> searching -> connecting -> active -> disconnecting -> disconnected
 *   active -> falling-asleep -> asleep <-> awake (PINGREQ with the client id)
 *   asleep | awake -> waking (CONNECT from asleep) -> active
 * Small numbers (a string compare costs flash at every use), ordered so the common
 * questions are one comparison; STATE_NAMES spells them.
 */
import { ProtocolError } from "../common/errors";
import { Backoff } from "../common/backoff";
import * as codec from "./encode";
import { Flags, MsgType, ProtocolId } from "./packet";
import type { Operation } from "./lane";
import type { Datagram, DropCounts, Exchange, Gateway, MqttSnSessionOptions, SearchTarget, SessionEvent, SessionStatus, Will } from "./types";
import type { ReleaseWindow, TopicRegistry } from "./topic-registry";
import { Default } from "./timers";

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

/** The status each state reports: waking is still connecting, falling asleep still disconnecting (one string: less flash than nine). */
const STATE_NAMES = "disconnected searching connecting connecting active disconnecting disconnecting asleep awake".split(" ") as readonly SessionStatus[];

export abstract class GatewayLink {
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
	/** The lane's operations, head first (lane.ts); arrays, as every queue here has a cap. */
	declare queue: Operation[];
	/** Subscriptions the application wants; `active` once the gateway acknowledged them. */
	declare subscriptions: Map<string, { qos: 0 | 1 | 2; active: boolean }> | undefined;
	/** The time the session was last told: every entry point (`connect`, `publish`, `received`, `tick`, ...) takes it. */
	declare now: number;
	declare lastSent: number;
	declare nextMsgId: number;
	declare readonly transmit: Datagram[];
	declare readonly events: SessionEvent[];
	/** Made at the first drop (session.ts `dropped`). */
	declare drops: DropCounts | undefined;
	declare readonly clientId: string;
	declare readonly cleanSession: boolean;
	// The specification's timers and counters (7.2) and the client's limits. The packet size, read
	// on every PUBLISH sent, is resolved once; the others are fields only when configured (a field
	// holding its default still takes a heap slot), their defaults written where they are read.
	declare readonly tRetry?: number;
	declare readonly nRetry?: number;
	declare readonly awakeRetries?: number;
	declare readonly tWait?: number;
	/** Seconds; 0 turns keep-alive off. */
	declare readonly keepAlive: number;
	declare readonly nAdv?: number;
	declare readonly maxPacketSize: number;
	/** Default 100. */
	declare readonly maxQueued?: number;
	/** Datagrams and events waiting to be polled (default 32); past it, what arrives is dropped unanswered. */
	declare readonly maxBacklog?: number;
	/** Set by the session, which knows the registry's maker. */
	declare topics: TopicRegistry;
	declare incoming: ReleaseWindow | undefined; // made at the first incoming QoS 2 message (lane.ts `window`)
	/** Default 8. */
	declare readonly maxAwaitingRelease?: number;
	/** Where SEARCHGW goes; without it the client never searches (session.ts). */
	declare readonly searchTarget: SearchTarget | undefined;
	/** The delays between SEARCHGWs, when searching. */
	declare readonly searchBackoff: Backoff | undefined;
	declare readonly tGwInfo: number;
	/**
	 * When the next SEARCHGW is due, and when the gateway is lost for want of ADVERTISEs;
	 * absent until first set (a slot saved), then Infinity when not due: either compares false
	 * with every time, so each reads as "never".
	 */
	declare searchAt: number | undefined;
	declare advertiseDeadline: number | undefined;

	constructor(options: MqttSnSessionOptions) {
		const target = options.searchGw;
		// No ClientId configured: one is made up, which only a clean session can use (5.3.1).
		let clientId = options.clientId;
		if (clientId === "") {
			if (!options.cleanSession) throw new ProtocolError("PROTOCOL_VIOLATION", "CleanSession 0 needs a ClientId");
			const random = options.random ?? Math.random;
			clientId = "lampnode-";
			for (let i = 0; i < 8; i++) clientId += Math.floor(random() * 16).toString(16);
		}
		this.state = State.DISCONNECTED;
		this.now = 0;
		this.lastSent = 0;
		this.nextMsgId = 1;
		this.queue = [];
		this.transmit = [];
		this.events = [];
		this.clientId = clientId;
		this.cleanSession = options.cleanSession;
		this.keepAlive = options.keepAlive;
		this.maxPacketSize = options.maxPacketSize ?? 1024;
		// Absent options set no field: an undefined one still takes a slot of the device's heap. One
		// string of the names: an array literal of eight costs twice its text on the device.
		const copied = "tRetry nRetry awakeRetries tWait nAdv maxQueued maxBacklog maxAwaitingRelease gateway will".split(" ") as (keyof MqttSnSessionOptions)[];
		for (let i = 0; i < copied.length; i++) if (options[copied[i]] !== void 0) (this as Record<string, unknown>)[copied[i]] = options[copied[i]];
		this.configured = !!options.gateway;
		// Only a client that searches keeps a backoff.
		if (target) {
			const tSearchGw = options.tSearchGw ?? Default.T_SEARCHGW;
			this.searchTarget = target;
			this.searchBackoff = new Backoff({ base: tSearchGw, cap: Math.max(tSearchGw, options.maxSearchDelay ?? Default.T_WAIT), random: options.random });
			this.tGwInfo = options.tGwInfo ?? Default.T_GWINFO;
		}
	}

	get status(): SessionStatus {
		return STATE_NAMES[this.state];
	}

	/** Messages from the gateway are handled: connected, or collecting while asleep, or saying goodbye. */
	protected get receiving(): boolean {
		return this.state >= State.ACTIVE && this.state !== State.ASLEEP;
	}

	protected send(bytes: Uint8Array): void {
		const gateway = this.gateway as Gateway;
		this.transmit.push({ bytes, address: gateway.address, port: gateway.port });
		this.lastSent = this.now;
	}

	/** Sends `bytes` as a request awaiting `expect`. */
	protected open(bytes: Uint8Array, expect: MsgType, msgId: number, dup: boolean): Exchange {
		this.send(bytes);
		return { bytes, expect, msgId, dup, sentAt: this.now, retries: 0, waitUntil: 0 };
	}

	/** The gateway is alive and walking through the control exchange (will prompts, a wake's messages): a full Tretry again. */
	protected heard(): void {
		const control = this.control as Exchange;
		control.sentAt = this.now;
		control.retries = 0;
	}

	protected allocateMsgId(): number {
		const id = this.nextMsgId;
		this.nextMsgId = id === 0xffff ? 1 : id + 1;
		return id;
	}

	/** Both exchanges stop; the lane's operation keeps its message id and is resent, DUP set, once active again. */
	protected disconnected(error?: ProtocolError): void {
		this.request = void 0;
		this.control = void 0;
		this.state = State.DISCONNECTED;
		this.events.push({ type: "disconnected", error });
	}

	protected lost(reason: string): void {
		this.disconnected(new ProtocolError("GATEWAY_LOST", "gateway lost: " + reason));
		this.forgetGateway();
	}

	/** A discovered gateway that is gone: the next connect searches again. */
	protected forgetGateway(): void {
		if (this.configured) return;
		this.gateway = void 0;
		this.advertiseDeadline = Infinity;
	}

	// --- time passing: discovery's deadlines, retransmission, keep-alive -------------------
	/*
	 * Finding a gateway and noticing when it is gone (6.1, 6.2), as deadlines `tick` and
	 * `nextTimeout` read (the messages are session.ts's):
	 * - searching: when to broadcast SEARCHGW. The first one waits a random time in
	 *   [0, T_SEARCHGW) so clients powered up together do not all search at once; each later
	 *   one waits T_GWINFO for an answer plus a jittered delay whose ceiling doubles (the
	 *   exponential backoff the specification asks for). Hearing another client's SEARCHGW
	 *   counts as our own: we wait for the GWINFO it will bring.
	 * - advertisements: a gateway that advertises every `duration` seconds is lost once
	 *   `missed` consecutive ADVERTISEs fail to arrive (N_ADV); half a period of slack lets
	 *   a late broadcast still count.
	 */

	/** Another client searched: behave as if we had, and wait for the GWINFO it will bring. */
	protected heardSearch(): void {
		if ((this.searchAt as number) < Infinity) this.searchAt = this.now + this.tGwInfo + (this.searchBackoff as Backoff).next();
	}

	/**
	 * Time passed: SEARCHGW when due, advertise supervision, then what is due to resend, then
	 * PINGREQ when keep-alive is due (6.11: an active client that sent nothing for its period);
	 * it stops once the link is lost or replaced by a new CONNECT.
	 */
	tick(now: number): void {
		this.now = now;
		const state = this.state;
		const target = this.searchTarget;
		// Searching: SEARCHGW when it is due, and the next one scheduled.
		if (state === State.SEARCHING && target && now >= (this.searchAt as number)) {
			this.heardSearch();
			this.transmit.push({ bytes: Uint8Array.of(3, MsgType.SEARCHGW, target.radius), address: target.address, port: target.port });
		}
		// A gateway that stopped advertising is lost (or, while disconnected, forgotten).
		if (this.gateway && now >= (this.advertiseDeadline as number)) {
			this.advertiseDeadline = Infinity;
			if (state === State.DISCONNECTED) this.forgetGateway();
			else if (state !== State.SEARCHING && state !== State.ASLEEP) return this.lost("no ADVERTISE for " + (this.nAdv ?? Default.N_ADV) + " periods");
		}
		const control = this.control;
		const tRetry = this.tRetry ?? Default.T_RETRY;
		const nRetry = this.nRetry ?? Default.N_RETRY;
		if (control && this.now >= control.sentAt + tRetry) {
			const awakeRetries = this.awakeRetries ?? nRetry;
			if (this.state === State.AWAKE && control.retries >= awakeRetries) {
				// The waking PINGREQ went unanswered: the gateway does not hold the sleeping session.
				this.events.push({ type: "reconnecting", reason: "no PINGRESP to " + (awakeRetries + 1) + " PINGREQs: the gateway does not hold this sleeping session" });
				return this.sendConnect(!!this.will, false, true);
			}
			if (control.retries < nRetry) this.resend(control);
			else if (this.state === State.DISCONNECTING) return this.disconnected();
			else return this.lost(nRetry + " retransmissions unanswered");
		}
		const request = this.request;
		if (request && this.now >= request.waitUntil) {
			if (request.waitUntil > 0) {
				request.waitUntil = 0;
				request.retries = 0;
				this.resend(request);
			} else if (this.now >= request.sentAt + tRetry) {
				if (request.retries >= nRetry) return this.lost(nRetry + " retransmissions unanswered");
				this.resend(request);
			}
		}
		if (this.now >= this.keepAliveDeadline()) this.control = this.open(Uint8Array.of(2, MsgType.PINGREQ), MsgType.PINGRESP, 0, false);
	}

	private resend(exchange: Exchange): void {
		exchange.retries++;
		exchange.sentAt = this.now;
		// The first retransmission gets a copy with DUP set, which every later one sends again.
		if (exchange.dup) exchange.bytes = codec.withDup(exchange.bytes);
		exchange.dup = false;
		this.send(exchange.bytes);
	}

	/** When `tick` must next be called (an exchange, PINGREQ, SEARCHGW, the advertise deadline), or undefined when nothing is pending. */
	nextTimeout(): number | undefined {
		const control = this.control;
		const request = this.request;
		const state = this.state;
		const tRetry = this.tRetry ?? Default.T_RETRY;
		let next = Math.min(control ? control.sentAt + tRetry : Infinity, !request ? Infinity : request.waitUntil > 0 ? request.waitUntil : request.sentAt + tRetry, this.keepAliveDeadline());
		if (state === State.SEARCHING && (this.searchAt as number) < next) next = this.searchAt as number;
		if (this.gateway && state !== State.ASLEEP && (this.advertiseDeadline as number) < next) next = this.advertiseDeadline as number;
		return next === Infinity ? void 0 : next;
	}

	// --- connecting (6.3), the will prompts, disconnecting (6.4), the sleeping client (6.14), keep-alive (6.11) ---
	/*
	 * CONNECT asks for the will prompts (WILLTOPICREQ, WILLMSGREQ) when it has a will; a clean
	 * session at the gateway voids the topic ids and QoS 2 ids of the last one, and the
	 * subscriptions are made again. From asleep, CONNECT only says "active again".
	 * DISCONNECT with a duration puts the session to sleep at the gateway, which buffers
	 * for it; PINGREQ with the client id wakes it to collect, the PINGRESP after the last
	 * message puts it back to sleep. No PINGRESP to a waking PINGREQ: the gateway does not hold
	 * the session (it restarted, or matches clients by an address that changed), and rather than
	 * wait out Nretry and a backoff the client CONNECTs at once, clean session false.
	 * Keep-alive: an active client that sent nothing for its period sends PINGREQ.
	 */
	/** Connects, searching first when no gateway is known; from asleep, becomes active again. */
	connect(now: number): void {
		this.now = now;
		if (this.state >= State.ASLEEP) this.sendConnect(false, false, true);
		else if (this.state !== State.DISCONNECTED) return;
		else if (this.gateway) this.sendConnect(!!this.will, this.cleanSession, false);
		else if (this.searchTarget) {
			const backoff = this.searchBackoff as Backoff;
			this.state = State.SEARCHING;
			if ((this.searchAt as number) < Infinity) return;
			backoff.reset();
			this.searchAt = now + backoff.next();
		} else throw new ProtocolError("PROTOCOL_VIOLATION", "no gateway, no search target");
	}

	/** `waking`: the gateway may still hold the session asleep until CONNACK. */
	private sendConnect(will: boolean, cleanSession: boolean, waking: boolean): void {
		this.state = waking ? State.WAKING : State.CONNECTING;
		// Flags, ProtocolId, Duration, ClientId (5.4.4).
		const duration = this.keepAlive;
		this.control = this.open(codec.frame(MsgType.CONNECT, [(will ? Flags.WILL : 0) | (cleanSession ? Flags.CLEAN_SESSION : 0), ProtocolId.MQTT_SN_1_2, duration >> 8, duration], this.clientId), MsgType.CONNACK, 0, false);
	}

	/** CONNECT sent, CONNACK awaited (the lane's dispatch reads the answers, lane.ts `handle`). */
	protected get connecting(): boolean {
		return this.state === State.CONNECTING || this.state === State.WAKING;
	}

	/**
	 * The gateway may hold this client's sleeping session (asleep, collecting, or a CONNECT
	 * from there not yet acknowledged): a DISCONNECT now would end it, and the next boot
	 * should wake it with PINGREQ rather than start over.
	 */
	get asleepAtGateway(): boolean {
		return this.state >= State.ASLEEP || this.state === State.WAKING;
	}

	/** Goes to sleep for `duration` seconds (DISCONNECT with a duration): the gateway buffers for us. */
	sleep(duration: number, now: number): void {
		this.now = now;
		this.expect(State.ACTIVE, "sleep");
		this.leave(State.FALLING_ASLEEP, Uint8Array.of(4, MsgType.DISCONNECT, duration >> 8, duration)); // Length, MsgType, Duration (5.4.21)
	}

	/** Asleep: wakes to collect buffered messages (PINGREQ with the client id); PINGRESP puts it back to sleep. */
	checkMessages(now: number): void {
		this.now = now;
		this.expect(State.ASLEEP, "collect messages");
		this.state = State.AWAKE;
		this.control = this.open(codec.frame(MsgType.PINGREQ, [], this.clientId), MsgType.PINGRESP, 0, false);
	}

	private expect(state: State, what: string): void {
		if (this.state !== state) throw new ProtocolError("PROTOCOL_VIOLATION", "cannot " + what + " while " + this.status);
	}

	/** Both exchanges stop (the lane's as in `disconnected`) and DISCONNECT goes out, awaiting the gateway's own. */
	private leave(state: State, bytes: Uint8Array): void {
		this.request = void 0;
		this.state = state;
		this.control = this.open(bytes, MsgType.DISCONNECT, 0, false);
	}

	/** Sends DISCONNECT (the gateway then drops the will) and stops searching. */
	disconnect(now: number): void {
		this.now = now;
		const state = this.state;
		this.searchAt = Infinity;
		if (state === State.SEARCHING) this.state = State.DISCONNECTED;
		else if (state !== State.DISCONNECTED && state !== State.DISCONNECTING) this.leave(State.DISCONNECTING, Uint8Array.of(2, MsgType.DISCONNECT));
	}

	/** Asleep at the gateway: DISCONNECT answered a sleep, or a wake's last PINGRESP came. */
	protected asleep(): void {
		this.state = State.ASLEEP;
		this.events.push({ type: "asleep" });
	}

	/** When the next PINGREQ is due, or Infinity. */
	private keepAliveDeadline(): number {
		const period = this.keepAlive * 1000;
		return this.state === State.ACTIVE && period > 0 && !this.control ? this.lastSent + period : Infinity;
	}
}
