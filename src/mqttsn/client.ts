/**
 * The MQTT-SN client: an MqttSnSession run over a board's UDP endpoint by the datagram
 * driver (datagram/driver.ts), which sends what the session transmits, keeps one
 * timer at its next deadline and retries with backoff. This file resolves a configured
 * gateway's host name, adds the application's API (sleep and wake among it), turns
 * session events into callbacks, and connects again after the gateway is lost or refuses.
 */
import type { Board } from "../common/board";
import { DatagramDriver } from "../datagram/driver";
import { ProtocolError } from "../common/errors";
import type { ReconnectOptions } from "../common/backoff";
import { encodeUtf8 } from "../common/utf8";
import type { Operation } from "./lane";
import { State } from "./link";
import type { QoS } from "./packet";
import { MqttSnSession } from "./session";
import type { Gateway } from "./types";
import type { MqttSnSessionOptions, ReceivedMessage, SessionStatus, Will } from "./session";
import { encodeSessionState } from "./state";
import { Default } from "./timers";
import type { Vocabulary } from "../power/vocabulary";

export interface GatewayHost {
	readonly host: string;
	readonly port: number;
}

export interface MqttSnClientOptions extends Omit<MqttSnSessionOptions, "gateway">, ReconnectOptions {
	/** A configured gateway; without it the client searches with SEARCHGW (`search`). */
	readonly gateway?: GatewayHost;
	/** Local UDP port; a fixed one receives broadcast ADVERTISEs (default: any free port). */
	readonly localPort?: number;
	onGateway?(gateway: Gateway): void;
	onConnect?(): void;
	onMessage?(message: ReceivedMessage): void;
	/** No longer connected; `error` says why, unless the client was stopped. */
	onDisconnect?(error?: Error): void;
	onAsleep?(): void;
	/** A waking PINGREQ went unanswered; the session CONNECTs again by itself (`reason` says why). */
	onReconnecting?(reason: string): void;
	/** A client restored asleep has its endpoint (and gateway address): it may now checkMessages or wake. */
	onReadyAsleep?(): void;
	/**
	 * Never connect: the client only publishes at QoS -1 to the configured gateway (6.8,
	 * "publish without connection"). `onReadyConnectionless` says when it can.
	 */
	readonly connectionless?: boolean;
	onReadyConnectionless?(): void;
}

export interface PublishOptions {
	readonly qos?: QoS;
	readonly retain?: boolean;
}

export class MqttSnClient extends DatagramDriver<MqttSnSession> {
	private declare readonly options: MqttSnClientOptions;
	/** What every request done at once returns. */
	private declare resolved: Promise<void> | undefined;
	/** sleep() and checkMessages() waiting for the session to be asleep; made by the first (heap slots, on the device). */
	private declare asleepWaiters: { resolve(): void; reject(error: Error): void }[] | undefined;

	constructor(board: Board, options: MqttSnClientOptions) {
		super(board, new MqttSnSession({ ...options, gateway: void 0 }), { port: options.localPort }, options);
		this.options = options;
	}

	get status(): SessionStatus {
		return this.session.status;
	}

	/** Opens the UDP endpoint and connects; from then on reconnects by itself until `stop`. */
	start(): void {
		if (this.stopped) this.open();
	}

	protected bound(): void {
		// A client restored asleep stays asleep (or collecting, if asked already) until the application wakes it.
		if (this.session.state >= State.ASLEEP)
			this.resolveGateway(() => {
				if (this.session.state === State.ASLEEP) this.options.onReadyAsleep?.();
			});
		else this.retry();
	}

	/** The endpoint could not be bound (the port is taken, say): reported, and tried again with backoff. */
	protected bindFailed(error: Error): void {
		this.failed(error instanceof ProtocolError ? error : new ProtocolError("BIND_FAILED", error.message));
	}

	/**
	 * Resolves when a QoS -1/0 message is handed to the network or a QoS 1/2 message is
	 * acknowledged. Rejects at once, with nothing queued, for an invalid topic, a message
	 * over the maximum size or a full queue; later with a typed error if the gateway refuses.
	 * A message sent at once costs no promise and no callback: all such get one settled promise.
	 */
	publish(topic: string, payload: Uint8Array | string, options?: PublishOptions): Promise<void> {
		let op: Operation | undefined;
		try {
			op = this.session.publish(topic, typeof payload === "string" ? encodeUtf8(payload) : payload, options?.qos ?? 0, options?.retain ?? false, this.board.now());
		} catch (error) {
			return this.settled(void 0, error);
		}
		if (op) return this.settled(op);
		// Sent at once (QoS -1, or QoS 0 with nothing ahead): one datagram to hand over, and that is
		// all. It made no event, and it moved no deadline earlier (keep-alive's only later), so the
		// timer stands: a full service would cost the device half as much again as the send.
		this.flush();
		return (this.resolved ??= Promise.resolve());
	}

	/** Resolves with the QoS the gateway granted; rejects if it refused. */
	subscribe(topic: string, qos: 0 | 1 | 2 = 0): Promise<QoS> {
		return this.request((now) => this.session.subscribe(topic, qos, now));
	}

	unsubscribe(topic: string): Promise<void> {
		return this.request((now) => this.session.unsubscribe(topic, now));
	}

	/** Replaces the will at the gateway (WILLTOPICUPD/WILLMSGUPD); undefined deletes it. */
	updateWill(will: Will | undefined): Promise<void> {
		return this.request((now) => this.session.updateWill(will, now));
	}

	/** A request that waits in the lane (publish, the hot one, has the same code inline). */
	private request<T>(call: (now: number) => Operation): Promise<T> {
		try {
			return this.settled(call(this.board.now()));
		} catch (error) {
			return this.settled(void 0, error);
		}
	}

	/**
	 * A request's promise: settled by its operation's callback while the operation waits
	 * in the session's lane, at once otherwise (done, or `error` thrown); then what the
	 * request queued is sent.
	 */
	private settled<T>(op: Operation | undefined, error?: unknown): Promise<T> {
		const result =
			error !== void 0
				? Promise.reject(error)
				: op && this.session.queue.indexOf(op) >= 0
					? new Promise<T>((resolve, reject) => {
							op.done = (e, qos) => (e ? reject(e) : resolve(qos as T));
						})
					: // Done already: the client's one settled promise (a promise is 27 slots on XS), made when first needed.
						((this.resolved ??= Promise.resolve()) as Promise<T>);
		this.service();
		return result;
	}

	/** Goes to sleep for `duration` seconds; resolves once the gateway acknowledged. */
	sleep(duration: number): Promise<void> {
		return this.untilAsleep(duration);
	}

	/** While asleep: collects what the gateway buffered (delivered to onMessage); resolves asleep again. */
	checkMessages(): Promise<void> {
		return this.untilAsleep();
	}

	/** Sleeps for `duration` seconds or, without one, collects; settled once asleep (a number, not a closure: less code). */
	private untilAsleep(duration?: number): Promise<void> {
		const result = new Promise<void>((resolve, reject) => {
			try {
				const session = this.session;
				if (duration === void 0) session.checkMessages(this.board.now());
				else session.sleep(duration, this.board.now());
				(this.asleepWaiters ??= []).push({ resolve, reject });
			} catch (error) {
				reject(error);
			}
		});
		this.service();
		return result;
	}

	/** While asleep: becomes active again (onConnect follows). */
	wake(): void {
		this.session.connect(this.board.now());
		this.service();
	}

	/** The durable state as bytes, for retained memory across deep sleep (see state.ts), topics and payloads through `vocabulary`. */
	exportState(vocabulary?: Vocabulary): Uint8Array {
		return encodeSessionState(this.session.exportState(), vocabulary);
	}

	/** The client id in use (generated when none was configured). */
	get clientId(): string {
		return this.session.clientId;
	}

	/** Nothing unacknowledged in either direction. */
	get idle(): boolean {
		return this.session.idle;
	}

	/**
	 * Sends DISCONNECT (so the gateway drops the will), closes the endpoint and stops
	 * reconnecting. Requests still waiting are rejected with a CLOSED error; their
	 * messages stay in `session` for `exportState`.
	 */
	stop(): void {
		const session = this.session;
		// Asleep (or collecting, or waking), the gateway holds the session until the next wake: a DISCONNECT would end it.
		if (!this.halt(session.asleepAtGateway ? void 0 : (now) => session.disconnect(now))) return;
		const error = new ProtocolError("CLOSED", "the client was stopped");
		session.failPending(error);
		this.settleAsleep(error);
		if (this.options.onDisconnect) this.options.onDisconnect();
	}

	/** Settles every sleep() waiting: resolved, or rejected with `error`. */
	private settleAsleep(error?: Error): void {
		const waiters = this.asleepWaiters;
		if (!waiters) return;
		this.asleepWaiters = void 0;
		for (let i = 0; i < waiters.length; i++) {
			if (error) waiters[i].reject(error);
			else waiters[i].resolve();
		}
	}

	/** Connects: a retry came due, or the endpoint is bound. */
	protected retry(): void {
		const options = this.options;
		this.resolveGateway(options.connectionless ? () => options.onReadyConnectionless?.() : () => this.session.connect(this.board.now()));
	}

	/** Resolves a configured gateway's host name (each time: addresses change), then goes on. */
	private resolveGateway(then: () => void): void {
		const gateway = this.options.gateway;
		if (!gateway) {
			then();
			this.service();
			return;
		}
		this.board.resolve(gateway.host, (address) => {
			if (this.stopped) return;
			if (address === void 0) {
				this.failed(new ProtocolError("GATEWAY_LOST", "cannot resolve the gateway host " + gateway.host));
				return;
			}
			this.session.setGateway({ gwId: 0, address, port: gateway.port });
			then();
			this.service();
		});
	}

	protected dispatch(): void {
		const session = this.session;
		const options = this.options;
		for (let event = session.pollEvent(); event; event = session.pollEvent()) {
			const type = event.type;
			if (type === "message") options.onMessage?.(event.message);
			else if (type === "gateway") options.onGateway?.(event.gateway);
			else if (type === "connected") {
				this.online();
				if (options.onConnect) options.onConnect();
			} else if (type === "asleep") {
				this.settleAsleep();
				if (options.onAsleep) options.onAsleep();
			} else if (type === "reconnecting") {
				// checkMessages ends here: what the gateway still holds comes after CONNACK.
				this.settleAsleep(new ProtocolError("GATEWAY_LOST", event.reason));
				if (options.onReconnecting) options.onReconnecting(event.reason);
			} else {
				this.settleAsleep(event.error ?? new ProtocolError("CLOSED", "disconnected"));
				if (event.error) this.failed(event.error);
			}
		}
	}

	/** The connection failed or was lost: tell the application and try again later. */
	private failed(error: ProtocolError): void {
		this.lost();
		if (this.options.onDisconnect) this.options.onDisconnect(error);
		// "Rejected: congestion" asks for T_WAIT before trying again (6.2).
		this.retryLater(error.code === "REJECTED_CONGESTION" ? (this.options.tWait ?? Default.T_WAIT) : 0);
	}
}
