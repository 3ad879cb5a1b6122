/**
 * The MQTT-SN client: a thin loop that connects an MqttSnSession to a board's UDP
 * endpoint and clock. It resolves a configured gateway's host name, sends what the
 * session transmits, turns session events into callbacks, keeps one timer at the
 * session's next deadline, and connects again with exponential backoff and full
 * jitter after the gateway is lost or refuses, until stopped.
 */
import type { Board, Datagram } from "../common/board";
import { Backoff } from "../common/backoff";
import { DeadlineTimer } from "../common/deadline-timer";
import { ProtocolError } from "../common/errors";
import { encodeUtf8 } from "../common/utf8";
import type { Gateway } from "./discovery";
import type { QoS } from "./packet";
import { MqttSnSession, T_WAIT, type MqttSnSessionOptions, type ReceivedMessage, type SessionStatus, type Will } from "./session";
import { encodeSessionState } from "./state";
import type { Vocabulary } from "../power/vocabulary";

export interface GatewayHost {
	readonly host: string;
	readonly port: number;
}

export interface MqttSnClientOptions extends Omit<MqttSnSessionOptions, "gateway"> {
	/** A configured gateway; without it the client searches with SEARCHGW (`search`). */
	readonly gateway?: GatewayHost;
	/** Local UDP port; a fixed one receives broadcast ADVERTISEs (default: any free port). */
	readonly localPort?: number;
	/** Reconnect backoff, in ms: first ceiling and largest ceiling (defaults 1 s and 60 s). */
	readonly reconnectBase?: number;
	readonly reconnectCap?: number;
	/** Reconnect attempts already made (kept across deep sleep so a fleet stays spread out). */
	readonly reconnectAttempt?: number;
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

/** A connection that stayed up this long was healthy: the next failure starts backoff afresh. */
const STABLE_CONNECTION_MS = 30_000;

export class MqttSnClient {
	readonly session: MqttSnSession;
	readonly #board: Board;
	readonly #options: MqttSnClientOptions;
	readonly #backoff: Backoff;
	readonly #deadline: DeadlineTimer;
	readonly #reconnect: DeadlineTimer;
	#datagram: Datagram | undefined;
	#ready = false;
	#stopped = true;
	#onlineAt = -1;
	#asleepWaiters: { resolve(): void; reject(error: Error): void }[] = [];

	constructor(board: Board, options: MqttSnClientOptions) {
		this.#board = board;
		this.#options = options;
		this.session = new MqttSnSession({ ...options, gateway: undefined });
		this.#backoff = new Backoff({ base: options.reconnectBase ?? 1000, cap: options.reconnectCap ?? 60_000, random: options.random });
		this.#backoff.attempt = options.reconnectAttempt ?? 0;
		this.#deadline = new DeadlineTimer(board, () => {
			this.session.tick(board.now());
			this.#service();
		});
		this.#reconnect = new DeadlineTimer(board, () => this.#connect());
	}

	get status(): SessionStatus {
		return this.session.status;
	}

	/** Reconnect attempts made since the last healthy connection. */
	get reconnectAttempt(): number {
		return this.#backoff.attempt;
	}

	/** Opens the UDP endpoint and connects; from then on reconnects by itself until `stop`. */
	start(): void {
		if (!this.#stopped) return;
		this.#stopped = false;
		this.#open();
	}

	/** Opens (or, after a bind failure, opens again) the UDP endpoint; `onReady` goes on to connect. */
	#open(): void {
		this.#datagram = this.#board.openDatagram({
			port: this.#options.localPort,
			onMessage: (bytes, address, port) => {
				if (this.#stopped) return;
				this.session.received(bytes, address, port, this.#board.now());
				this.#service();
			},
			onReady: () => {
				this.#ready = true;
				if (this.#stopped) return;
				// A client restored asleep stays asleep (or collecting, if asked already) until the application wakes it.
				const status = this.session.status;
				if (status === "asleep" || status === "awake")
					this.#resolveGateway(() => {
						if (this.session.status === "asleep") this.#options.onReadyAsleep?.();
					});
				else this.#connect();
			},
			onError: (error) => this.#bindFailed(error),
		});
	}

	/** The endpoint could not be bound (the port is taken, say): reported, and tried again with backoff. */
	#bindFailed(error: Error): void {
		if (this.#stopped) return;
		this.#datagram = undefined;
		this.#ready = false;
		this.#failed(error instanceof ProtocolError ? error : new ProtocolError("BIND_FAILED", error.message));
	}

	/**
	 * Resolves when a QoS -1/0 message is handed to the network or a QoS 1/2 message is
	 * acknowledged. Rejects at once, with nothing queued, for an invalid topic, a message
	 * over the maximum size or a full queue; later with a typed error if the gateway refuses.
	 */
	publish(topic: string, payload: Uint8Array | string, options: PublishOptions = {}): Promise<void> {
		const bytes = typeof payload === "string" ? encodeUtf8(payload) : payload;
		return this.#request<void>((settle) => this.session.publish(topic, bytes, options.qos ?? 0, options.retain ?? false, this.#board.now(), (e) => settle(e, undefined)));
	}

	/** Resolves with the QoS the gateway granted; rejects if it refused. */
	subscribe(topic: string, qos: 0 | 1 | 2 = 0): Promise<QoS> {
		return this.#request<QoS>((settle) => this.session.subscribe(topic, qos, this.#board.now(), settle));
	}

	unsubscribe(topic: string): Promise<void> {
		return this.#request<void>((settle) => this.session.unsubscribe(topic, this.#board.now(), (e) => settle(e, undefined)));
	}

	/** Replaces the will at the gateway (WILLTOPICUPD/WILLMSGUPD); undefined deletes it. */
	updateWill(will: Will | undefined): Promise<void> {
		return this.#request<void>((settle) => this.session.updateWill(will, this.#board.now(), (e) => settle(e, undefined)));
	}

	/** Goes to sleep for `duration` seconds; resolves once the gateway acknowledged. */
	sleep(duration: number): Promise<void> {
		return this.#untilAsleep(() => this.session.sleep(duration, this.#board.now()));
	}

	/** While asleep: collects what the gateway buffered (delivered to onMessage); resolves asleep again. */
	checkMessages(): Promise<void> {
		return this.#untilAsleep(() => this.session.checkMessages(this.#board.now()));
	}

	/** While asleep: becomes active again (onConnect follows). */
	wake(): void {
		this.session.connect(this.#board.now());
		this.#service();
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
		if (this.#stopped) return;
		this.#stopped = true;
		this.#deadline.clear();
		this.#reconnect.clear();
		const error = new ProtocolError("CLOSED", "the client was stopped");
		// Asleep (or collecting, or waking), the gateway holds the session until the next wake: a DISCONNECT would end it.
		const sleeping = this.session.asleepAtGateway;
		if (this.#ready && !sleeping) {
			this.session.disconnect(this.#board.now());
			this.#flush();
		}
		this.#datagram?.close();
		this.#datagram = undefined;
		this.#ready = false;
		this.session.failPending(error);
		for (const waiter of this.#asleepWaiters.splice(0)) waiter.reject(error);
		this.#options.onDisconnect?.();
	}

	/** Runs a session request whose callback settles the promise; a synchronous throw rejects it. */
	#request<T>(call: (settle: (error: ProtocolError | undefined, value: T) => void) => void): Promise<T> {
		const result = new Promise<T>((resolve, reject) => {
			try {
				call((error, value) => (error ? reject(error) : resolve(value)));
			} catch (error) {
				reject(error);
			}
		});
		this.#service();
		return result;
	}

	#untilAsleep(call: () => void): Promise<void> {
		const result = new Promise<void>((resolve, reject) => {
			try {
				call();
				this.#asleepWaiters.push({ resolve, reject });
			} catch (error) {
				reject(error);
			}
		});
		this.#service();
		return result;
	}

	#connect(): void {
		if (this.#stopped) return;
		if (!this.#datagram) {
			this.#open();
			return;
		}
		if (!this.#ready) return;
		if (this.#options.connectionless) this.#resolveGateway(() => this.#options.onReadyConnectionless?.());
		else this.#resolveGateway(() => this.session.connect(this.#board.now()));
	}

	/** Resolves a configured gateway's host name (each time: addresses change), then goes on. */
	#resolveGateway(then: () => void): void {
		const gateway = this.#options.gateway;
		if (!gateway) {
			then();
			this.#service();
			return;
		}
		this.#board.resolve(gateway.host, (address) => {
			if (this.#stopped) return;
			if (address === undefined) {
				this.#failed(new ProtocolError("GATEWAY_LOST", `cannot resolve the gateway host "${gateway.host}"`));
				return;
			}
			this.session.setGateway({ gwId: 0, address, port: gateway.port });
			then();
			this.#service();
		});
	}

	/** Sends what the session wants sent, acts on its events, and re-arms the deadline timer. */
	#service(): void {
		this.#flush();
		const session = this.session;
		for (let event = session.pollEvent(); event; event = session.pollEvent()) {
			switch (event.type) {
				case "message":
					this.#options.onMessage?.(event.message);
					break;
				case "gateway":
					this.#options.onGateway?.(event.gateway);
					break;
				case "connected":
					this.#onlineAt = this.#board.now();
					this.#options.onConnect?.();
					break;
				case "asleep":
					for (const waiter of this.#asleepWaiters.splice(0)) waiter.resolve();
					this.#options.onAsleep?.();
					break;
				case "reconnecting":
					// checkMessages ends here: what the gateway still holds comes after CONNACK.
					for (const waiter of this.#asleepWaiters.splice(0)) waiter.reject(new ProtocolError("GATEWAY_LOST", event.reason));
					this.#options.onReconnecting?.(event.reason);
					break;
				case "disconnected":
					for (const waiter of this.#asleepWaiters.splice(0)) waiter.reject(event.error ?? new ProtocolError("CLOSED", "disconnected"));
					if (event.error) this.#failed(event.error);
					break;
			}
		}
		if (!this.#stopped) this.#deadline.arm(session.nextTimeout());
	}

	#flush(): void {
		const datagram = this.#datagram;
		// Until the endpoint is bound what the session sends waits in it (a restored client may ask at once).
		if (!datagram || !this.#ready) return;
		for (let out = this.session.pollTransmit(); out; out = this.session.pollTransmit()) datagram.send(out.bytes, out.address, out.port);
	}

	/** The connection failed or was lost: tell the application and try again later. */
	#failed(error: ProtocolError): void {
		const board = this.#board;
		if (this.#onlineAt >= 0 && board.now() - this.#onlineAt >= STABLE_CONNECTION_MS) this.#backoff.reset();
		this.#onlineAt = -1;
		this.#options.onDisconnect?.(error);
		if (this.#stopped) return;
		// "Rejected: congestion" asks for T_WAIT before trying again (6.2).
		const wait = error.code === "REJECTED_CONGESTION" ? (this.#options.tWait ?? T_WAIT) : 0;
		this.#reconnect.arm(board.now() + Math.max(wait, this.#backoff.next()));
	}
}
