/**
 * The MQTT client: a thin loop that connects an MqttSession to a board's stream and
 * clock. It writes what the session transmits, turns session events into callbacks,
 * keeps one timer at the session's next deadline, and reconnects with exponential
 * backoff and full jitter until stopped.
 */
import type { Board, Stream, TimerHandle, TlsOptions } from "../common/board";
import { Backoff } from "../common/backoff";
import { DeadlineTimer } from "../common/deadline-timer";
import { ProtocolError } from "../common/errors";
import { encodeUtf8 } from "../common/utf8";
import { MqttSession, type SessionOptions, type SessionState, type SessionStatus } from "./session";
import type { PublishPacket, QoS, Subscription } from "./packet";

export interface BrokerAddress {
	readonly host: string;
	readonly port: number;
	/** Present for mqtts: TLS with certificate verification. */
	readonly tls?: TlsOptions;
}

export interface MqttClientOptions extends SessionOptions {
	readonly broker: BrokerAddress;
	/** Reconnect backoff, in ms: first ceiling and largest ceiling (defaults 1 s and 60 s). */
	readonly reconnectBase?: number;
	readonly reconnectCap?: number;
	/** Reconnect attempts already made (kept across deep sleep so a fleet stays spread out). */
	readonly reconnectAttempt?: number;
	onConnect?(sessionPresent: boolean): void;
	onMessage?(message: PublishPacket): void;
	/** A connection ended; `error` says why, unless the client was stopped. */
	onDisconnect?(error?: Error): void;
}

export interface PublishOptions {
	readonly qos?: QoS;
	readonly retain?: boolean;
}

/**
 * Bytes that fill a TCP segment (a 1500-byte Ethernet or Wi-Fi MTU less IP and TCP
 * headers). Once a burst has this much waiting, writing it at once costs no extra
 * segment, and it puts the broker to work while the rest of the burst is still made.
 */
const SEGMENT_BYTES = 1460;

/** A connection that stayed up this long was healthy: the next failure starts backoff afresh. */
const STABLE_CONNECTION_MS = 30_000;

export class MqttClient {
	readonly session: MqttSession;
	readonly #board: Board;
	readonly #options: MqttClientOptions;
	readonly #backoff: Backoff;
	readonly #deadline: DeadlineTimer;
	#stream: Stream | undefined;
	#reconnectTimer: TimerHandle | undefined;
	#onlineAt = -1;
	#stopped = true;
	#writing: Uint8Array[] = [];
	#servicePending = false;

	constructor(board: Board, options: MqttClientOptions) {
		this.#board = board;
		this.#options = options;
		this.session = new MqttSession(options);
		this.#backoff = new Backoff({ base: options.reconnectBase ?? 1000, cap: options.reconnectCap ?? 60_000, random: options.random });
		this.#backoff.attempt = options.reconnectAttempt ?? 0;
		this.#deadline = new DeadlineTimer(board, () => {
			this.session.tick(board.now());
			this.#service();
		});
	}

	get status(): SessionStatus {
		return this.session.status;
	}

	/** Reconnect attempts made since the last healthy connection. */
	get reconnectAttempt(): number {
		return this.#backoff.attempt;
	}

	/** The client id in use (generated when none was configured). */
	get clientId(): string {
		return this.session.clientId;
	}

	/** Nothing unacknowledged in either direction. */
	get idle(): boolean {
		return this.session.idle;
	}

	/** The durable session state, for retained memory across deep sleep (see state.ts). */
	exportState(): SessionState {
		return this.session.exportState();
	}

	/** Starts connecting; from then on the client reconnects by itself until `stop`. */
	start(): void {
		if (!this.#stopped) return;
		this.#stopped = false;
		this.#connect();
	}

	/**
	 * Resolves when a QoS 0 message is handed to the network, or a QoS 1/2 message is
	 * acknowledged by the broker. Rejects at once, with nothing queued, for an invalid
	 * topic, a message over the maximum packet size or a full queue.
	 */
	publish(topic: string, payload: Uint8Array | string, options: PublishOptions = {}): Promise<void> {
		const bytes = typeof payload === "string" ? encodeUtf8(payload) : payload;
		const result = new Promise<void>((resolve, reject) => {
			this.session.publish(topic, bytes, options.qos ?? 0, options.retain ?? false, this.#board.now(), (error) => (error ? reject(error) : resolve()));
		});
		if (this.session.transmitBytes >= SEGMENT_BYTES && this.#stream) this.#service();
		else this.#serviceSoon();
		return result;
	}

	/** Resolves with the QoS the broker granted per filter; rejects if it refused any. */
	subscribe(subscriptions: readonly Subscription[]): Promise<readonly number[]> {
		const result = new Promise<readonly number[]>((resolve, reject) => {
			this.session.subscribe(subscriptions, this.#board.now(), (error, codes) => (error ? reject(error) : resolve(codes)));
		});
		this.#serviceSoon();
		return result;
	}

	unsubscribe(topics: readonly string[]): Promise<void> {
		const result = new Promise<void>((resolve, reject) => {
			this.session.unsubscribe(topics, this.#board.now(), (error) => (error ? reject(error) : resolve()));
		});
		this.#serviceSoon();
		return result;
	}

	/**
	 * Sends DISCONNECT (so the broker drops the will), closes the connection and stops
	 * reconnecting. Requests still waiting are rejected with a CLOSED error; their
	 * messages stay in `session` for `exportState`.
	 */
	stop(): void {
		if (this.#stopped) return;
		this.#stopped = true;
		this.#clearTimers();
		if (this.#stream) {
			this.session.disconnect(this.#board.now());
			this.#service();
			this.#stream?.close();
		}
		this.session.failPending(new ProtocolError("CLOSED", "the client was stopped"));
	}

	#connect(): void {
		const board = this.#board;
		const broker = this.#options.broker;
		let stream: Stream | undefined;
		const current = () => stream !== undefined && stream === this.#stream;
		stream = this.#stream = board.connectStream({
			host: broker.host,
			port: broker.port,
			tls: broker.tls,
			onConnect: () => {
				if (!current()) return;
				this.session.open(board.now());
				this.#service();
			},
			onData: (bytes) => {
				if (!current()) return;
				this.session.received(bytes, board.now());
				this.#service();
			},
			onClose: (error) => {
				if (!current()) return;
				this.#closed(error);
			},
		});
	}

	/**
	 * Services the session once the caller's synchronous work is done: a burst of publish
	 * calls then leaves as one write (one TCP segment, one radio burst) instead of one
	 * write per message.
	 */
	#serviceSoon(): void {
		if (this.#servicePending) return;
		this.#servicePending = true;
		Promise.resolve().then(() => {
			this.#servicePending = false;
			this.#service();
		});
	}

	/** Writes what the session wants sent, acts on its events, and re-arms the deadline timer. */
	#service(): void {
		const session = this.session;
		const stream = this.#stream;
		if (stream && session.status !== "offline") this.#flush(stream);
		for (let event = session.pollEvent(); event; event = session.pollEvent()) {
			switch (event.type) {
				case "message":
					this.#options.onMessage?.(event.packet);
					break;
				case "connected":
					this.#onlineAt = this.#board.now();
					this.#options.onConnect?.(event.sessionPresent);
					break;
				case "close":
					if (this.#stream) this.#flush(this.#stream);
					this.#closeStream(event.error);
					break;
			}
		}
		this.#deadline.arm(this.#stopped ? undefined : session.nextTimeout());
	}

	/** One write per service: many small packets go out as one segment. */
	#flush(stream: Stream): void {
		const chunks = this.#writing;
		let total = 0;
		for (let bytes = this.session.pollTransmit(); bytes; bytes = this.session.pollTransmit()) {
			chunks.push(bytes);
			total += bytes.length;
		}
		if (chunks.length === 0) return;
		if (chunks.length === 1) stream.write(chunks[0]);
		else {
			const joined = new Uint8Array(total);
			let offset = 0;
			for (const chunk of chunks) {
				joined.set(chunk, offset);
				offset += chunk.length;
			}
			stream.write(joined);
		}
		chunks.length = 0;
	}

	#closeStream(error?: ProtocolError): void {
		const stream = this.#stream;
		if (!stream) return;
		// Forget the stream first: whatever the board reports about a close we asked for
		// is not news, and the session's reason (say, a keep-alive timeout) is the one to tell.
		this.#stream = undefined;
		stream.close();
		this.#closed(error);
	}

	#closed(error?: Error): void {
		const board = this.#board;
		this.#stream = undefined;
		this.session.closed();
		this.#deadline.clear();
		if (this.#onlineAt >= 0 && board.now() - this.#onlineAt >= STABLE_CONNECTION_MS) this.#backoff.reset();
		this.#onlineAt = -1;
		this.#options.onDisconnect?.(this.#stopped ? undefined : (error ?? new ProtocolError("CONNECTION_LOST", "the broker closed the connection")));
		if (this.#stopped) return;
		const delay = this.#backoff.next();
		this.#reconnectTimer = board.setTimer(() => {
			this.#reconnectTimer = undefined;
			if (!this.#stopped) this.#connect();
		}, delay);
	}

	#clearTimers(): void {
		this.#deadline.clear();
		if (this.#reconnectTimer) this.#board.clearTimer(this.#reconnectTimer);
		this.#reconnectTimer = undefined;
	}
}
