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
import { GatewayLink, State, STATE_NAMES } from "./link";
import * as sn from "./packet";
import { MsgType, ReturnCode } from "./packet";
import type { MqttSnSessionOptions } from "./types";

export abstract class Connection extends GatewayLink {
	// Written out: the implicit constructor is a rest-parameter loop on XS, 56 bytes more.
	constructor(options: MqttSnSessionOptions, clientId: string) {
		super(options, clientId);
	}

	/** Connects, searching first when no gateway is known; from asleep, becomes active again. */
	connect(now: number): void {
		const state = this.state;
		if (state >= State.ASLEEP) this.sendConnect(false, false, true, now);
		else if (state !== State.DISCONNECTED) return;
		else if (this.gateway) this.sendConnect(!!this.will, this.cleanSession, false, now);
		else if (this.searchTarget) this.startSearch(now);
		else throw new ProtocolError("PROTOCOL_VIOLATION", "no gateway, no search target");
	}

	/** `waking`: the gateway may still hold the session asleep until CONNACK. */
	private sendConnect(will: boolean, cleanSession: boolean, waking: boolean, now: number): void {
		this.state = waking ? State.WAKING : State.CONNECTING;
		this.cleanRequested = cleanSession;
		this.control = this.open(encode({ type: MsgType.CONNECT, will, cleanSession, duration: this.keepAlive, clientId: this.clientId }), MsgType.CONNACK, 0, false, now);
	}

	private get connecting(): boolean {
		return this.state === State.CONNECTING || this.state === State.WAKING;
	}

	protected onConnack(returnCode: number, now: number): boolean {
		if (!this.connecting) return false;
		this.control = undefined;
		if (returnCode !== ReturnCode.ACCEPTED) {
			this.disconnected(new ProtocolError(returnCode === ReturnCode.REJECTED_CONGESTION ? "REJECTED_CONGESTION" : "CONNECTION_REFUSED", "CONNACK " + sn.returnCodeName(returnCode)));
			return true;
		}
		this.state = State.ACTIVE;
		if (this.cleanRequested) {
			this.topics.clear();
			this.incoming.clear();
			this.startedClean();
		}
		this.emit({ type: "connected" });
		this.advance(now);
		return true;
	}

	/** The lane (lane.ts): a clean session makes the subscriptions again; the head operation goes on. */
	protected abstract startedClean(): void;
	protected abstract advance(now: number): void;

	/** WILLTOPICREQ or WILLMSGREQ. */
	protected onWillPrompt(type: number, now: number): boolean {
		const control = this.control;
		if (!this.connecting || !control) return false;
		const will = this.will;
		this.send(
			type === MsgType.WILLTOPICREQ
				? encode({ type: MsgType.WILLTOPIC, qos: will ? will.qos : 0, retain: will ? will.retain : false, willTopic: will ? will.topic : "" })
				: encode({ type: MsgType.WILLMSG, willMsg: will ? will.payload : new Uint8Array(0) }),
			now,
		);
		this.heard(control, now);
		return true;
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
		this.expect(State.ACTIVE, "sleep");
		this.leave(State.FALLING_ASLEEP, encode({ type: MsgType.DISCONNECT, duration }), now);
	}

	/** Asleep: wakes to collect buffered messages (PINGREQ with the client id); PINGRESP puts it back to sleep. */
	checkMessages(now: number): void {
		this.expect(State.ASLEEP, "collect messages");
		this.state = State.AWAKE;
		this.control = this.open(encode({ type: MsgType.PINGREQ, clientId: this.clientId }), MsgType.PINGRESP, 0, false, now);
	}

	private expect(state: State, what: string): void {
		if (this.state !== state) throw new ProtocolError("PROTOCOL_VIOLATION", "cannot " + what + " while " + STATE_NAMES[this.state]);
	}

	/** Both exchanges stop and DISCONNECT goes out, awaiting the gateway's own. */
	private leave(state: State, bytes: Uint8Array, now: number): void {
		this.leaveActive();
		this.state = state;
		this.control = this.open(bytes, MsgType.DISCONNECT, 0, false, now);
	}

	/** Sends DISCONNECT (the gateway then drops the will) and stops searching. */
	disconnect(now: number): void {
		const state = this.state;
		this.searchAt = Infinity;
		if (state === State.SEARCHING) this.state = State.DISCONNECTED;
		else if (state !== State.DISCONNECTED && state !== State.DISCONNECTING) this.leave(State.DISCONNECTING, encode({ type: MsgType.DISCONNECT }), now);
	}

	protected onDisconnect(): boolean {
		const state = this.state;
		if (state === State.FALLING_ASLEEP) {
			this.control = undefined;
			this.asleep();
		} else if (state === State.DISCONNECTING) this.disconnected(undefined);
		else if (state < State.CONNECTING || state === State.ASLEEP) return false;
		else this.disconnected(new ProtocolError("CONNECTION_LOST", "DISCONNECT from the gateway"));
		return true;
	}

	private asleep(): void {
		this.state = State.ASLEEP;
		this.emit({ type: "asleep" });
	}

	protected onPingresp(): boolean {
		const control = this.control;
		if (!control || control.expect !== MsgType.PINGRESP) return false;
		this.control = undefined;
		// Awake, every buffered message has been delivered: back to sleep.
		if (this.state === State.AWAKE) this.asleep();
		return true;
	}

	/** The waking PINGREQ went unanswered `awakeRetries` times. */
	protected connectAgain(now: number): void {
		this.emit({ type: "reconnecting", reason: "no PINGRESP to " + (this.awakeRetries + 1) + " PINGREQs: the gateway does not hold this sleeping session" });
		this.sendConnect(!!this.will, false, true, now);
	}

	/** When the next PINGREQ is due, or Infinity. */
	protected keepAliveDeadline(): number {
		const period = this.keepAlive * 1000;
		return this.state === State.ACTIVE && period > 0 && !this.control ? this.lastSent + period : Infinity;
	}

	protected keepAliveDue(now: number): void {
		if (now >= this.keepAliveDeadline()) this.control = this.open(encode({ type: MsgType.PINGREQ }), MsgType.PINGRESP, 0, false, now);
	}
}
