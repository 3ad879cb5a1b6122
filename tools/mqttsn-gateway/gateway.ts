/**
 * A transparent MQTT-SN 1.2 gateway on UDP (a host program, not firmware): each MQTT-SN
 * client gets its own MQTT 3.1.1 connection to the broker, with its own client id, will
 * and clean-session flag (MQTT-SN 4.2). The gateway answers SEARCHGW with GWINFO,
 * broadcasts ADVERTISE to the configured targets, forwards QoS -1 publishes from clients
 * that never connected, and watches keep-alive and sleep durations; everything else is
 * one ClientLink per client. It reuses the firmware's codec and topic registry.
 */
import dgram from "node:dgram";
import mqtt, { type MqttClient } from "mqtt";
import { decode } from "../../src/mqttsn/encode";
import { encode } from "../../testkit/portable/mqttsn-encode";
import * as sn from "../../src/mqttsn/packet";
import type { ConnectMessage, PublishMessage } from "../../src/mqttsn/packet";
import { TopicRegistry } from "../../src/mqttsn/topic-registry";
import { ClientLink, type Endpoint, type LinkContext, type LogFields } from "./client-link";

export interface GatewayOptions {
	/** mqtt://host:port of the broker every client's connection goes to. */
	readonly broker: string;
	/** UDP port and address to listen on (defaults 0, any free port, and 127.0.0.1). */
	readonly port?: number;
	readonly host?: string;
	/** GwId in ADVERTISE and GWINFO (default 1). */
	readonly gwId?: number;
	/** Topic name -> predefined topic id, the same table the clients are configured with. */
	readonly predefinedTopics?: Readonly<Record<string, number>>;
	/** ADVERTISE every `interval` seconds to each target (a broadcast address, or loopback ports). */
	readonly advertise?: { readonly interval: number; readonly targets: readonly Endpoint[] };
	/** Retransmission towards clients: Tretry in ms (default 10 s) and Nretry (default 5). */
	readonly tRetry?: number;
	readonly nRetry?: number;
	/** Messages buffered per client at most (default 1000). */
	readonly bufferLimit?: number;
	readonly maxPacketSize?: number;
	readonly log?: (event: string, fields: LogFields) => void;
}

export interface GatewayStats {
	/** Datagrams received, and those dropped as unreadable. */
	received: number;
	dropped: number;
	/** QoS -1 publishes forwarded, and those refused (a topic that is neither predefined nor short). */
	publishedWithoutConnection: number;
	refusedWithoutConnection: number;
}

export class MqttSnGateway {
	readonly port: number;
	readonly stats: GatewayStats = { received: 0, dropped: 0, publishedWithoutConnection: 0, refusedWithoutConnection: 0 };
	readonly #options: GatewayOptions;
	readonly #socket: dgram.Socket;
	readonly #context: LinkContext;
	readonly #predefined: TopicRegistry;
	readonly #byEndpoint = new Map<string, ClientLink>();
	readonly #byClientId = new Map<string, ClientLink>();
	readonly #timers: ReturnType<typeof setInterval>[] = [];
	#anonymous: MqttClient | undefined;
	#closed = false;

	private constructor(options: GatewayOptions, socket: dgram.Socket) {
		this.#options = options;
		this.#socket = socket;
		this.port = socket.address().port;
		this.#predefined = new TopicRegistry(options.predefinedTopics);
		const log = options.log ?? (() => undefined);
		this.#context = {
			broker: options.broker,
			predefinedTopics: options.predefinedTopics ?? {},
			tRetry: options.tRetry ?? 10_000,
			nRetry: options.nRetry ?? 5,
			bufferLimit: options.bufferLimit ?? 1000,
			send: (bytes, to) => this.#send(bytes, to),
			log,
			closed: (link) => this.#forget(link),
		};
		socket.on("message", (message, remote) => this.#received(new Uint8Array(message.buffer, message.byteOffset, message.length), remote));
		const supervise = setInterval(() => {
			const now = Date.now();
			for (const link of [...this.#byClientId.values()]) link.supervise(now);
		}, Math.min(1000, this.#context.tRetry));
		this.#timers.push(supervise);
		const advertise = options.advertise;
		if (advertise && advertise.targets.length > 0) {
			const send = () => {
				const bytes = encode({ type: sn.MsgType.ADVERTISE, gwId: options.gwId ?? 1, duration: advertise.interval });
				for (const target of advertise.targets) this.#send(bytes, target);
			};
			send();
			this.#timers.push(setInterval(send, advertise.interval * 1000));
		}
		for (const timer of this.#timers) timer.unref();
	}

	static async start(options: GatewayOptions): Promise<MqttSnGateway> {
		const socket = dgram.createSocket("udp4");
		await new Promise<void>((resolve, reject) => {
			socket.once("error", reject);
			socket.bind(options.port ?? 0, options.host ?? "127.0.0.1", () => {
				socket.off("error", reject);
				resolve();
			});
		});
		// Broadcast ADVERTISE needs SO_BROADCAST; an ICMP "port unreachable" must not kill the gateway.
		socket.setBroadcast(true);
		socket.on("error", (error) => options.log?.("error", { message: error.message }));
		const gateway = new MqttSnGateway(options, socket);
		options.log?.("gateway-ready", { port: gateway.port, broker: options.broker });
		return gateway;
	}

	/** The link of a connected (or sleeping) client, for tests and tools that look inside. */
	client(clientId: string): ClientLink | undefined {
		return this.#byClientId.get(clientId);
	}

	/** Stops: every client's broker connection closes cleanly, the socket closes. */
	async close(): Promise<void> {
		if (this.#closed) return;
		this.#closed = true;
		for (const timer of this.#timers) clearInterval(timer);
		for (const link of [...this.#byClientId.values()]) link.close();
		await Promise.all([
			new Promise<void>((resolve) => this.#socket.close(() => resolve())),
			// Forced: QoS 0 has nothing to wait for, and mqtt.js's end() never finishes while its first connect is still under way.
			this.#anonymous ? this.#anonymous.endAsync(true) : Promise.resolve(),
		]);
	}

	#received(bytes: Uint8Array, remote: Endpoint): void {
		this.stats.received++;
		let message: sn.Message;
		try {
			message = decode(bytes, this.#options.maxPacketSize);
		} catch {
			this.stats.dropped++;
			return;
		}
		const endpoint = { address: remote.address, port: remote.port };
		const now = Date.now();
		const link = this.#byEndpoint.get(key(endpoint));
		switch (message.type) {
			case sn.MsgType.SEARCHGW:
				this.#send(encode({ type: sn.MsgType.GWINFO, gwId: this.#options.gwId ?? 1 }), endpoint);
				return;
			case sn.MsgType.ADVERTISE:
			case sn.MsgType.GWINFO:
				return; // another gateway, or a client answering for one
			case sn.MsgType.CONNECT:
				this.#onConnect(message, endpoint, now);
				return;
			case sn.MsgType.PINGREQ:
				if (message.clientId !== undefined) {
					const sleeper = this.#byClientId.get(message.clientId);
					if (!sleeper) this.#send(encode({ type: sn.MsgType.DISCONNECT }), endpoint);
					else this.#moved(sleeper, () => sleeper.wake(endpoint, now));
					return;
				}
				break;
			case sn.MsgType.PUBLISH:
				// QoS -1 needs no connection: a client asleep or still connecting may send it too.
				if (message.qos === -1 && link?.state !== "active" && link?.state !== "awake") {
					this.#publishWithoutConnection(message);
					return;
				}
				break;
		}
		if (link) {
			link.handle(message, now);
			return;
		}
		// A client the gateway does not know (it restarted, or the client was declared lost)
		// is told so, and connects again; stray acknowledgements are just dropped.
		if (message.type !== sn.MsgType.PUBACK && message.type !== sn.MsgType.PUBREC && message.type !== sn.MsgType.PUBCOMP && message.type !== sn.MsgType.REGACK)
			this.#send(encode({ type: sn.MsgType.DISCONNECT }), endpoint);
	}

	#onConnect(connect: ConnectMessage, endpoint: Endpoint, now: number): void {
		const existing = this.#byClientId.get(connect.clientId);
		if (existing) {
			let answered = false;
			this.#moved(existing, () => (answered = existing.reconnect(connect, endpoint, now)));
			if (answered) return;
			existing.close();
		}
		this.#byEndpoint.get(key(endpoint))?.close();
		const link = new ClientLink(this.#context, connect, endpoint, now);
		this.#byClientId.set(link.clientId, link);
		this.#byEndpoint.set(key(endpoint), link);
	}

	/** Runs `act`, which may move `link` to another endpoint (a client that woke on another port), and keeps the index right. */
	#moved(link: ClientLink, act: () => void): void {
		const before = key(link.endpoint);
		act();
		const after = key(link.endpoint);
		if (before === after || link.state === "closed") return;
		if (this.#byEndpoint.get(before) === link) this.#byEndpoint.delete(before);
		this.#byEndpoint.get(after)?.close();
		this.#byEndpoint.set(after, link);
	}

	#forget(link: ClientLink): void {
		if (this.#byClientId.get(link.clientId) === link) this.#byClientId.delete(link.clientId);
		const at = key(link.endpoint);
		if (this.#byEndpoint.get(at) === link) this.#byEndpoint.delete(at);
	}

	/** QoS -1 (6.8): no connection, a predefined or short topic, forwarded at QoS 0. */
	#publishWithoutConnection(message: PublishMessage): void {
		const topic = message.topicIdType === sn.TopicIdType.NORMAL ? undefined : this.#predefined.nameOf(message.topicIdType, message.topicId);
		if (topic === undefined) {
			this.stats.refusedWithoutConnection++;
			return;
		}
		this.#anonymous ??= mqtt.connect(this.#options.broker, { clientId: `mqttsn-gateway-${this.#options.gwId ?? 1}-${process.pid}`, reconnectPeriod: 1000 });
		this.#anonymous.publish(topic, Buffer.from(message.data), { qos: 0, retain: message.retain });
		this.stats.publishedWithoutConnection++;
	}

	#send(bytes: Uint8Array, to: Endpoint): void {
		this.#socket.send(bytes, to.port, to.address);
	}
}

function key(endpoint: Endpoint): string {
	return `${endpoint.address}:${endpoint.port}`;
}
