/**
 * The MQTT client: an MqttSession run over a board's stream by the stream driver
 * (stream/driver.ts), which writes what the session transmits, keeps one timer at
 * its next deadline, and reconnects with backoff until stopped. This file adds the
 * application's API and turns session events into callbacks.
 */
import type { Board, TlsOptions } from "../common/board";
import { ProtocolError } from "../common/errors";
import { StreamDriver } from "../stream/driver";
import type { ReconnectOptions } from "../common/backoff";
import { encodeUtf8 } from "../common/utf8";
import { Default } from "./link";
import { MqttSession, type SessionOptions, type SessionState, type SessionStatus } from "./session";
import type { MessageProperties, PublishPacket, QoS, Subscription } from "./packet";

export interface BrokerAddress {
	readonly host: string;
	readonly port: number;
	/** Present for mqtts: TLS with certificate verification. */
	readonly tls?: TlsOptions;
}

export interface MqttClientOptions extends SessionOptions, ReconnectOptions {
	readonly broker: BrokerAddress;
	/**
	 * Bytes the board may hold unwritten for a broker that stopped reading before the
	 * connection is given up with WRITE_STALLED (default: twice the maximum packet size).
	 */
	readonly maxUnwritten?: number;
	/**
	 * The MQTT 5 session (v5/session.ts `mqtt5`), for `protocolVersion` 5: passed by an
	 * image that includes MQTT 5, so one without it carries none of its bytecode.
	 */
	readonly mqtt5?: (options: SessionOptions) => MqttSession;
	onConnect?(sessionPresent: boolean): void;
	onMessage?(message: PublishPacket): void;
	/** A connection ended; `error` says why, unless the client was stopped. */
	onDisconnect?(error?: Error): void;
	/** After each service pass (a burst sent, a read handled): the moment to persist `exportState`, once per burst. */
	onServiced?(): void;
}

export interface PublishOptions {
	readonly qos?: QoS;
	readonly retain?: boolean;
	/** MQTT 5 (Message Expiry, Content Type, Response Topic, Correlation Data, user properties); 3.1.1 sends without them. */
	readonly properties?: MessageProperties;
}

/** Numbers as a `const enum`: written in place, where a module constant costs XS a binding and a read. */
const enum Limit {
	/**
	 * Bytes that fill a TCP segment (a 1500-byte Ethernet or Wi-Fi MTU less IP and TCP
	 * headers). Once a burst has this much waiting, writing it at once costs no extra
	 * segment, and it puts the broker to work while the rest of the burst is still made.
	 */
	SEGMENT_BYTES = 1460,
	/** Without keep-alive, how long a write backlog may stand before the broker counts as gone. */
	DRAIN_TIMEOUT_MS = 60_000,
}

/** What publish returns for a QoS 0 message handed to the transport at once: one promise, shared. */
const SENT = Promise.resolve();
const NO_OPTIONS: PublishOptions = {};

export class MqttClient extends StreamDriver<MqttSession> {
	// Declared and set in the constructor: a class field costs XS bytecode of its own.
	private declare readonly options: MqttClientOptions;

	constructor(board: Board, options: MqttClientOptions) {
		super(board, options.protocolVersion !== 5 ? new MqttSession(options) : newSession5(options), options);
		this.options = options;
	}

	get target(): BrokerAddress {
		return this.options.broker;
	}

	protected get maxUnwritten(): number {
		return this.options.maxUnwritten ?? 2 * (this.options.maxPacketSize ?? Default.MAX_PACKET_SIZE);
	}

	/** A backlog that stands a whole keep-alive: the broker is not reading, whatever it still sends. */
	protected get drainTimeout(): number {
		const keepAlive = this.options.keepAlive;
		return keepAlive > 0 ? keepAlive * 1000 : Limit.DRAIN_TIMEOUT_MS;
	}

	get status(): SessionStatus {
		return this.session.status;
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

	/**
	 * Resolves when a QoS 0 message is handed to the network, or a QoS 1/2 message is
	 * acknowledged by the broker. Rejects at once, with nothing queued, for an invalid
	 * topic, a message over the maximum packet size or a full queue.
	 */
	publish(topic: string, payload: Uint8Array | string, options: PublishOptions = NO_OPTIONS): Promise<void> {
		const bytes = typeof payload === "string" ? encodeUtf8(payload) : payload;
		const session = this.session;
		const qos = options.qos ?? 0;
		const retain = options.retain ?? false;
		let result = SENT;
		// A QoS 0 message that leaves at once needs no promise, closure or callback of its own.
		if (qos === 0 && session.sendsAtOnce) {
			try {
				// XS gives every argument a slot: two more only for a message with properties.
				if (options.properties) session.publish(topic, bytes, 0, retain, this.board.now(), void 0, options.properties);
				else session.publish(topic, bytes, 0, retain, this.board.now());
			} catch (error) {
				return Promise.reject(error);
			}
		} else result = this.publishLater(topic, bytes, qos, retain, options.properties);
		if (session.transmitBytes >= Limit.SEGMENT_BYTES) this.service();
		else this.serviceSoon();
		return result;
	}

	/**
	 * A message that waits (QoS 1/2, or queued): its promise settles with the callback. Not
	 * written in `publish`: XS would make that function's closure on every QoS 0 message too.
	 */
	private publishLater(topic: string, bytes: Uint8Array, qos: QoS, retain: boolean, properties: MessageProperties | undefined): Promise<void> {
		return new Promise<void>((resolve, reject) => {
			this.session.publish(topic, bytes, qos, retain, this.board.now(), (error) => (error ? reject(error) : resolve()), properties);
		});
	}

	/** Resolves with the QoS the broker granted per filter; rejects if it refused any. */
	subscribe(subscriptions: readonly Subscription[]): Promise<readonly number[]> {
		const result = new Promise<readonly number[]>((resolve, reject) => {
			this.session.subscribe(subscriptions, this.board.now(), (error, codes) => (error ? reject(error) : resolve(codes)));
		});
		this.serviceSoon();
		return result;
	}

	unsubscribe(topics: readonly string[]): Promise<void> {
		const result = new Promise<void>((resolve, reject) => {
			this.session.unsubscribe(topics, this.board.now(), (error) => (error ? reject(error) : resolve()));
		});
		this.serviceSoon();
		return result;
	}

	/**
	 * Sends DISCONNECT (so the broker drops the will), closes the connection and stops
	 * reconnecting. Requests still waiting are rejected with a CLOSED error; their
	 * messages stay in `session` for `exportState`. MQTT 5: `reasonCode` 0x04 keeps the
	 * will, published after its Will Delay Interval unless the client is back by then (a
	 * sleepy node going to sleep), and `sessionExpiry` sets how long the server keeps the session.
	 */
	stop(reasonCode?: number, sessionExpiry?: number): void {
		if (!this.halt((now) => this.session.disconnect(now, reasonCode, sessionExpiry))) return;
		this.session.failPending(new ProtocolError("CLOSED", "the client was stopped"));
	}

	protected dispatch(): void {
		const session = this.session;
		const options = this.options;
		for (let event = session.pollEvent(); event; event = session.pollEvent()) {
			// Plain ifs for the optional callbacks: `x?.()` compiles larger in XS.
			const type = event.type;
			if (type === "message") {
				if (options.onMessage) options.onMessage(event.packet);
			} else if (type === "connected") {
				this.online();
				if (options.onConnect) options.onConnect(event.sessionPresent);
			} else if (type === "close") this.endLink(event.error);
		}
		if (options.onServiced) options.onServiced();
	}

	protected disconnected(error?: Error): void {
		if (this.options.onDisconnect) this.options.onDisconnect(error);
	}
}

function newSession5(options: MqttClientOptions): MqttSession {
	if (!options.mqtt5) throw new ProtocolError("PROTOCOL_VIOLATION", "protocolVersion 5 needs options.mqtt5");
	return options.mqtt5(options);
}
