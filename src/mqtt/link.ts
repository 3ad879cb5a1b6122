/**
 * What the MQTT session (session.ts) keeps about its connection to the broker: the status,
 * the events and the bytes waiting to be polled, the packet reader, keep alive and the
 * CONNACK deadline. MqttSession is an MqttLink with the specification's session on top
 * (QoS flows, subscriptions), so both reach every field in one step and a connected
 * client holds one object where it held a transmit queue, a keep-alive clock and a QoS 2
 * table of their own (each an object, a module, and the names it repeats).
 *
 * Bytes to send are packed into shared chunks: a packet is written straight into the
 * current chunk (no Uint8Array per packet), and `pollTransmit` hands each chunk out
 * whole, so a burst of PUBLISHes costs one allocation per TCP segment, not one per
 * message. A chunk handed out is never written again (the stream may keep it until sent).
 * The first chunk after a poll is small, since most writes are one acknowledgement or
 * PINGREQ; a burst that outgrows it moves (one copy of at most SMALL bytes) into a chunk
 * that holds a whole segment.
 *
 * Keep alive (MQTT 3.1.2.10, 3.1.2-23/24): the client must not stay silent for the
 * keep-alive period, and a link on which no answer arrives for 1.5 times it is dead. Only
 * whole packets other than PUBLISH count as heard: a packet dripped a byte at a time, or
 * PUBLISHes from a broker that stopped reading, never keep a dead link open. A PINGREQ
 * that goes unanswered ends the link at most 1.5 keep-alives after the quiet began.
 */
import { ProtocolError } from "../common/errors";
import * as codec from "./codec"; // one namespace: a named import costs XS the module name again
import { PacketType, type ConnectPacket, type Packet, type PublishPacket } from "./packet";
import type { SessionState } from "./state";

/** CONNECT's fields (`clientId` empty with a clean session: an id is generated, 3.1.3.1), and the session's own. */
export interface SessionOptions extends Omit<ConnectPacket, "type"> {
	/** Largest packet accepted or sent, in bytes (default 8 KiB). */
	readonly maxPacketSize?: number;
	/** QoS 1/2 messages awaiting acknowledgement at once (default 16). */
	readonly inflightWindow?: number;
	/** Messages waiting for a connection or a window slot (default 100). */
	readonly maxQueued?: number;
	/**
	 * Incoming QoS 2 messages whose PUBREL has not arrived (default 32). MQTT 3.1.1 has no
	 * way to refuse one more, so a broker past it gets DISCONNECT and the link closes (a
	 * TABLE_FULL close event). It must exceed the broker's own window (mosquitto's
	 * max_inflight_messages is 20 by default, EMQX's 32): a burst arrives in one read,
	 * before any PUBREC has gone out to let the broker release. A client subscribed at QoS 2
	 * to a broker without a window sizes it to its bursts.
	 */
	readonly maxAwaitingRelease?: number;
	/** How long to wait for CONNACK, in ms (default 10 s). */
	readonly connectTimeout?: number;
	/** State saved by `exportState` (for instance across deep sleep). */
	readonly state?: SessionState;
	readonly random?: () => number;
	/** 4 (MQTT 3.1.1, the default) or 5 (MQTT 5.0, src/mqtt/v5). */
	readonly protocolVersion?: 4 | 5;
	/** MQTT 5: Clean Start (3.1.2.4); defaults to `cleanSession`. */
	readonly cleanStart?: boolean;
	/** MQTT 5: Session Expiry Interval in seconds (3.1.2.11.2); defaults to 0 with `cleanSession`, never expiring without. */
	readonly sessionExpiry?: number;
	/** MQTT 5: Will Delay Interval in seconds (3.1.3.2.2): the will waits this long for the client to come back. */
	readonly willDelay?: number;
	/** MQTT 5: Topic Alias Maximum we announce (3.1.2.11.5): aliases the server may use towards us (default 0). */
	readonly topicAliasMaximum?: number;
}

/** The defaults of SessionOptions' limits. */
export const enum Default {
	MAX_PACKET_SIZE = 8192,
	INFLIGHT_WINDOW = 16,
	MAX_QUEUED = 100,
	/** Above mosquitto's (20) and EMQX's (32) in-flight windows. */
	MAX_AWAITING_RELEASE = 32,
	CONNECT_TIMEOUT = 10_000,
}

/** What a session tells its driver (`pollEvent`). */
export type SessionEvent =
	| { readonly type: "connected"; readonly sessionPresent: boolean }
	| { readonly type: "message"; readonly packet: PublishPacket }
	/** MQTT 5: the server sent DISCONNECT (3.14); a "close" with a DISCONNECTED error follows. */
	| { readonly type: "disconnected"; readonly reasonCode: number; readonly reasonString?: string; readonly serverReference?: string }
	/** Close the transport now (after sending what is queued); `error` unless it was a DISCONNECT. */
	| { readonly type: "close"; readonly error?: ProtocolError };

export type SessionStatus = "offline" | "connecting" | "online";

/** The first byte of each acknowledgement, for `ack`: its type, and PUBREL's fixed flags 0010 (3.6.1). */
export const enum Ack {
	PUBACK = 0x40,
	PUBREC = 0x50,
	PUBREL = 0x62,
	PUBCOMP = 0x70,
}

/** The session's status as a number (a string compare costs the device flash at every use); `status` spells it. */
export const enum State {
	OFFLINE = 0,
	CONNECTING = 1,
	ONLINE = 2,
}

/** Bytes that fill a TCP segment (1500-byte MTU less IP and TCP headers), plus room for the packet that crosses it; the first chunk's size. */
const enum Chunk {
	SEGMENT = 1460 + 128,
	SMALL = 128,
}

export abstract class MqttLink {
	// Fields are `declare`d and set in the constructor: a class field costs XS bytecode of
	// its own. Plain, not #private: XS reads those ten times slower. The transmit cursor
	// (`chunk`, `offset`) is public for the session's PUBLISH path.
	declare readonly clientId: string;
	protected declare state: State;
	/** Bytes waiting in pollTransmit (read only, outside the session). */
	declare transmitBytes: number;
	protected declare readonly options: SessionOptions;
	protected declare reader: codec.PacketReader<Packet>;
	protected declare readonly events: SessionEvent[];
	/** Finished chunks, oldest first. */
	declare ready: Uint8Array[] | undefined;
	/** The chunk being filled, and where the next packet goes in it. */
	declare chunk: Uint8Array | undefined;
	declare offset: number;
	/** The keep-alive in ms; 0 turns it off. */
	declare keepAliveMs: number;
	declare lastSent: number;
	/** When a whole answer last arrived; while connecting, when the connection opened (nothing else is heard before CONNACK). */
	declare lastHeard: number;
	/** When the unanswered PINGREQ went out, or -1. */
	protected declare pingSent: number;
	/** Clean Session / Clean Start of the next CONNECT (a stale session is discarded by the app's clean start: app/adapters/mqtt.ts). */
	protected declare clean: boolean;

	/** `serverAssigns`: an empty ClientId is left for the server to assign (MQTT 5). */
	constructor(options: SessionOptions, serverAssigns: boolean | undefined) {
		this.state = State.OFFLINE;
		this.options = options;
		this.clean = options.cleanSession;
		this.events = [];
		this.lastSent = this.lastHeard = this.offset = this.transmitBytes = 0;
		this.keepAliveFor(options.keepAlive);
		// The largest packet either way is the reader's `maxPacketSize`: kept once, not here too.
		this.reader = new codec.PacketReader(options.maxPacketSize ?? Default.MAX_PACKET_SIZE);
		let clientId = options.clientId;
		// An empty ClientId: a server may refuse one, and it needs CleanSession 1 (3.1.3.1); generated unless the server assigns one.
		if (clientId === "" && !serverAssigns) {
			if (!options.cleanSession) throw new ProtocolError("PROTOCOL_VIOLATION", "an empty ClientId needs CleanSession 1 (3.1.3.1)");
			const random = options.random ?? Math.random;
			clientId = "lampnode-";
			for (let i = 0; i < 8; i++) clientId += ((random() * 16) | 0).toString(16);
		}
		this.clientId = clientId;
	}

	/** What the client's `status` says (the app reads "online"). */
	get status(): SessionStatus {
		return this.state === State.ONLINE ? "online" : this.state === State.CONNECTING ? "connecting" : "offline";
	}

	/** Bytes arrived from the transport. */
	received(bytes: Uint8Array, now: number): void {
		if (this.state === State.OFFLINE) return;
		const reader = this.reader;
		try {
			reader.feed(bytes);
			for (let packet = reader.next(); packet; packet = reader.next()) {
				if (packet.type !== PacketType.PUBLISH) this.lastHeard = now;
				this.handle(packet, now);
				if ((this.state as State) === State.OFFLINE) return;
			}
		} catch (error) {
			if (!(error instanceof ProtocolError)) throw error;
			if ((this.state as State) !== State.OFFLINE) this.refuse(error);
			this.fail(error);
		}
	}

	/** The transport closed, for whatever reason. The session's tables are kept; unsent bytes are dropped (`open` rebuilds what matters). */
	closed(): void {
		this.state = State.OFFLINE;
		this.reader.reset();
		this.ready = this.chunk = void 0;
		this.offset = this.transmitBytes = 0;
	}

	/** Time passed: keep-alive and CONNACK deadlines, acted on exactly when `nextTimeout` says (one rule, no rounding apart). */
	tick(now: number): void {
		const due = this.nextTimeout();
		if (due === void 0 || now < due) return;
		if (this.state === State.CONNECTING) return this.fail(new ProtocolError("CONNECT_TIMEOUT", "no CONNACK in time"));
		if (now >= this.dead()) return this.fail(new ProtocolError("KEEP_ALIVE_TIMEOUT", "the broker went silent"));
		// Due and not dead: the link has been quiet for pingAfter (with a PINGREQ out, nextTimeout is `dead`).
		this.empty(0xc0);
		this.pingSent = this.lastSent = now;
	}

	/** When `tick` must next be called, or undefined when no deadline is pending. */
	nextTimeout(): number | undefined {
		const state = this.state;
		if (state === State.CONNECTING) return this.lastHeard + (this.options.connectTimeout ?? Default.CONNECT_TIMEOUT);
		if (state !== State.ONLINE || this.keepAliveMs === 0) return void 0;
		const dead = this.dead();
		const pingAfter = this.pingAfter();
		return this.pingSent >= 0 ? dead : Math.min(dead, this.lastSent + pingAfter, this.lastHeard + pingAfter);
	}

	/** The next bytes to write; a burst of small packets comes as one run. */
	pollTransmit(): Uint8Array | undefined {
		if (!this.ready) this.finish();
		const ready = this.ready;
		if (!ready) return void 0;
		const bytes = ready.shift() as Uint8Array;
		// No empty list kept: a connected client holds nothing between bursts.
		if (ready.length === 0) this.ready = void 0;
		this.transmitBytes -= bytes.length;
		return bytes;
	}

	/** The next event, oldest first (a native shift: the queue holds one or two). */
	pollEvent(): SessionEvent | undefined {
		return this.events.shift();
	}

	/** A chunk with room for `size` bytes at `offset`; write them, then `commit(size)`. */
	reserve(size: number): Uint8Array {
		const chunk = this.chunk;
		const end = this.offset + size;
		if (chunk && end <= chunk.length) return chunk;
		if (chunk && chunk.length === Chunk.SMALL && end <= Chunk.SEGMENT) {
			const grown = (this.chunk = new Uint8Array(Chunk.SEGMENT));
			grown.set(chunk);
			return grown;
		}
		this.finish();
		return (this.chunk = new Uint8Array(size > Chunk.SMALL ? (size > Chunk.SEGMENT ? size : Chunk.SEGMENT) : Chunk.SMALL));
	}

	commit(size: number): void {
		this.offset += size;
		this.transmitBytes += size;
	}

	/** PINGREQ (0xc0) or DISCONNECT (0xe0): a fixed header alone. */
	empty(first: number): void {
		const chunk = this.reserve(2);
		chunk[this.offset] = first;
		chunk[this.offset + 1] = 0;
		this.commit(2);
	}

	/** Queues a copy of an encoded packet. */
	push(packet: Uint8Array): void {
		this.reserve(packet.length).set(packet, this.offset);
		this.commit(packet.length);
	}

	/** A packet that is its first byte (`Ack`) and a packet identifier (PUBACK, PUBREC, PUBREL, PUBCOMP). */
	ack(first: Ack, packetId: number): void {
		const chunk = this.reserve(4);
		const at = this.offset;
		chunk[at] = first;
		chunk[at + 1] = 2;
		chunk[at + 2] = packetId >> 8;
		chunk[at + 3] = packetId & 0xff;
		this.commit(4);
	}

	/** DISCONNECT, then the transport closes. Reason 0 drops the will; MQTT 5: 0x04 keeps it for its delay, `sessionExpiry` sets the session's lifetime. */
	disconnect(now: number, reasonCode = 0, sessionExpiry?: number): void {
		if (this.state === State.OFFLINE) return;
		this.sendDisconnect(now, reasonCode, sessionExpiry);
		this.fail();
	}

	// --- what MQTT 5 (v5/session.ts) overrides ---------------------------------------------

	/** CONNECT, written into the transmit chunk. */
	protected sendConnect(): void {
		// The options are CONNECT's fields (SessionOptions), with the id in use and this connection's Clean Session.
		codec.encodeInto({ ...this.options, type: PacketType.CONNECT, clientId: this.clientId, cleanSession: this.clean }, this);
	}

	/**
	 * A received packet broke the protocol; the link closes. 3.1.1 has nothing to say first.
	 * (Parameters only MQTT 5 reads are in the signature, not the implementation: XS gives
	 * every declared parameter bytecode and a slot in every call.)
	 */
	protected refuse(error: ProtocolError): void;
	protected refuse(): void {}

	/** 3.1.1's DISCONNECT has no reason code, no session expiry. */
	protected sendDisconnect(now: number, reasonCode: number, sessionExpiry?: number): void;
	protected sendDisconnect(now: number): void {
		this.empty(PacketType.DISCONNECT << 4);
		this.lastSent = now;
	}

	/** A keep-alive of `seconds` (MQTT 5: the Server Keep Alive replaces ours). */
	protected keepAliveFor(seconds: number): void {
		this.keepAliveMs = seconds * 1000;
		this.pingSent = -1;
	}

	/** The link is over: a "close" event, with the error unless it was a DISCONNECT. */
	protected fail(error?: ProtocolError): void {
		this.state = State.OFFLINE;
		this.events.push({ type: "close", error });
	}

	/** A packet from the broker, in order. */
	protected abstract handle(packet: Packet, now: number): void;

	/**
	 * Idle time after which PINGREQ goes out: a tenth of the keep-alive early, 5 s at most,
	 * so timer latency never stretches a gap past it. Computed, not kept: a slot less.
	 */
	private pingAfter(): number {
		const ms = this.keepAliveMs;
		return ms - Math.min(ms * 0.1, 5000);
	}

	/** When the link counts as dead: an unanswered PINGREQ gets the slack a quiet link would have had after it. */
	private dead(): number {
		const silent = this.lastHeard + this.keepAliveMs * 1.5;
		return this.pingSent < 0 ? silent : Math.min(silent, this.pingSent + this.keepAliveMs * 1.5 - this.pingAfter());
	}

	private finish(): void {
		const chunk = this.chunk;
		if (chunk && this.offset > 0) (this.ready ??= []).push(this.offset === chunk.length ? chunk : chunk.subarray(0, this.offset));
		this.chunk = void 0;
		this.offset = 0;
	}
}
