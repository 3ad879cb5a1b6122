/**
 * DTLS under a datagram session (the CoAP endpoint): a DatagramSession itself, it wraps
 * the inner one so the driver (datagram/driver.ts) runs both as one. Datagrams the
 * inner session sends go out as application data of the peer's connection, a client
 * handshake starting first when there is none; records that arrive are opened and handed
 * up. A server answers ClientHellos statelessly until their cookie checks out. Only peers
 * with a connection are heard: records from anyone else are dropped, as are datagrams up
 * to a peer whose handshake failed. Connections, pending data and cached sessions are
 * capped.
 */
import type { Board, Crypto } from "../common/board";
import { ProtocolError } from "../common/errors";
import type { Addressed, DatagramSession, Peer } from "../common/session";
import { ClientHandshake, type ClientCredentials } from "./client-handshake";
import { sameBytes } from "./keys";
import { Connection, State, type SessionState } from "./connection";
import { CookieJar, firstHello, ServerHandshake, type FirstHello, type PskLookup, type SessionCache } from "./server-handshake";

export interface DtlsOptions {
	readonly crypto: Crypto;
	readonly randomBytes: (count: number) => Uint8Array;
	/** The clock (the board's `now`): a handshake started from `pollTransmit` needs the time. */
	readonly now: () => number;
	/** Our identity and key: datagrams to a peer without a connection start a handshake. */
	readonly client?: ClientCredentials;
	/** Serving: the key of a client's identity. */
	readonly lookup?: PskLookup;
	/** A session to offer the first handshake (kept across deep sleep by a sleepy client). */
	readonly resume?: SessionState;
	/** Connections at once (default 4); a ClientHello past it is dropped. */
	readonly maxConnections?: number;
	/** Sessions a server keeps for resumption (default 4). */
	readonly maxSessions?: number;
	/** When an unfinished handshake gives up, ms (default 30 s). */
	readonly handshakeTimeout?: number;
}

/** A connection came up or went down. */
export interface DtlsEvent {
	readonly peer: Peer;
	readonly kind: "established" | "closed";
	/** For "established": it was the abbreviated handshake. */
	readonly resumed?: boolean;
	/** For "closed": why. */
	readonly error?: ProtocolError;
	/** For "closed": by a close_notify (not a failure). */
	readonly cleanly?: boolean;
}

interface Entry {
	readonly peer: Peer;
	readonly connection: Connection;
	/** The ClientHello random of a server connection, to tell its retransmission from a new handshake. */
	readonly clientRandom?: Uint8Array;
	announced: boolean;
	/** When a datagram from the peer last arrived, for eviction at the cap. */
	heard: number;
}

/** A connection quiet this long (ms) may give its slot to a new client at the cap. */
const EVICTABLE_AFTER = 10000;

export class DtlsLayer implements DatagramSession {
	// Fields `declare`d and set in the constructor, not class fields: less bytecode in XS.
	declare readonly inner: DatagramSession;
	private declare readonly options: DtlsOptions;
	private declare readonly cookies: CookieJar | undefined;
	private declare readonly entries: Map<string, Entry>;
	private declare readonly out: Addressed[];
	private declare readonly events: DtlsEvent[];
	/** Server: sessions to resume by id; client: the last session of each server, by peer. */
	declare readonly sessions: SessionTable;
	/** The session of the client connection established last: what a sleepy node retains. */
	declare latestSession: SessionState | undefined;

	constructor(inner: DatagramSession, options: DtlsOptions) {
		this.inner = inner;
		this.options = options;
		this.entries = new Map();
		this.out = [];
		this.events = [];
		this.sessions = new SessionTable(options.maxSessions ?? 4);
		if (options.lookup) this.cookies = new CookieJar(options.crypto, options.randomBytes(32));
	}

	received(bytes: Uint8Array, peer: Peer, now: number): void {
		const key = peerKey(peer);
		let entry = this.entries.get(key);
		const hello = this.cookies && (!entry || !entry.connection.client) ? firstHello(bytes) : undefined;
		if (hello && this.cookies && !(entry?.clientRandom && sameBytes(entry.clientRandom, hello.hello.random))) {
			// A ClientHello not of the handshake under way: a new one (the peer restarted), cookie first.
			// 4.2.1: a resumption may skip the cookie, one round trip less for a sleepy node (the answer is no larger than the hello).
			const resuming = hello.hello.sessionId.length > 0 && this.sessions.find(hello.hello.sessionId) !== undefined;
			if (!resuming && !this.cookies.valid(peer, hello.hello)) {
				this.out.push({ address: peer.address, port: peer.port, bytes: this.cookies.verifyRequest(peer, hello) });
				return;
			}
			if (entry) this.drop(key, entry);
			else if (this.entries.size >= (this.options.maxConnections ?? 4) && !this.evict(now)) return;
			// The ClientHello was the handshake's start: the datagram is used up.
			this.serve(key, peer, hello, now);
			return;
		}
		if (!entry) return;
		const connection = entry.connection;
		entry.heard = now;
		connection.received(bytes, now);
		const inbox = connection.inbox;
		for (let plain = inbox.shift(); plain; plain = inbox.shift()) this.inner.received(plain, peer, now);
		this.collect(key, entry);
	}

	pollTransmit(): Addressed | undefined {
		for (;;) {
			const ready = this.out.shift();
			if (ready) return ready;
			const datagram = this.inner.pollTransmit();
			if (!datagram) return undefined;
			const key = peerKey(datagram);
			const entry = this.entries.get(key) ?? this.connect(key, datagram);
			if (!entry) continue;
			entry.connection.send(datagram.bytes);
			this.collect(key, entry);
		}
	}

	tick(now: number): void {
		this.inner.tick(now);
		this.entries.forEach((entry, key) => {
			entry.connection.tick(now);
			this.collect(key, entry);
		});
	}

	nextTimeout(): number | undefined {
		let next = this.inner.nextTimeout();
		this.entries.forEach((entry) => {
			const at = entry.connection.nextTimeout();
			if (at !== undefined && (next === undefined || at < next)) next = at;
		});
		return next;
	}

	pollEvent(): DtlsEvent | undefined {
		return this.events.shift();
	}

	/** The peer's connection is established. */
	established(peer: Peer): boolean {
		return this.entries.get(peerKey(peer))?.connection.state === State.ESTABLISHED;
	}

	/** Sends close_notify to every peer and forgets them (their sessions stay, to resume). */
	closeAll(): void {
		this.entries.forEach((entry, key) => {
			entry.connection.closeNotify();
			this.collect(key, entry);
		});
		this.entries.clear();
	}

	private connect(key: string, peer: Peer): Entry | undefined {
		const client = this.options.client;
		if (!client || this.entries.size >= (this.options.maxConnections ?? 4)) return undefined;
		const now = this.options.now();
		const connection = this.connection(true, now);
		const resume = this.sessions.get(key) ?? this.options.resume;
		connection.handshake = new ClientHandshake(connection, client, resume, now);
		const entry: Entry = { peer: { address: peer.address, port: peer.port }, connection, announced: false, heard: now };
		this.entries.set(key, entry);
		return entry;
	}

	private serve(key: string, peer: Peer, first: FirstHello, now: number): void {
		const connection = this.connection(false, now);
		connection.writeFrom(first.record.sequence);
		const entry: Entry = { peer, connection, clientRandom: first.hello.random, announced: false, heard: now };
		this.entries.set(key, entry);
		try {
			connection.handshake = new ServerHandshake(connection, this.options.lookup as PskLookup, this.sessions, first, now);
		} catch (error) {
			// The handshake refused the hello: the connection closed with its alert, sent by collect.
			if (!(error instanceof ProtocolError)) throw error;
		}
		this.collect(key, entry);
	}

	private connection(client: boolean, now: number): Connection {
		const options = this.options;
		return new Connection({ crypto: options.crypto, randomBytes: options.randomBytes, client, handshakeDeadline: options.handshakeTimeout ?? 30000 }, now);
	}

	/** Moves the connection's datagrams out and reports its changes. */
	private collect(key: string, entry: Entry): void {
		const connection = entry.connection;
		const out = connection.out;
		for (let bytes = out.shift(); bytes; bytes = out.shift()) this.out.push({ address: entry.peer.address, port: entry.peer.port, bytes });
		if (connection.state === State.ESTABLISHED && !entry.announced) {
			entry.announced = true;
			const session = connection.session;
			if (session && connection.client && session.sessionId.length > 0) {
				this.sessions.store(key, session);
				this.latestSession = session;
			}
			this.events.push({ peer: entry.peer, kind: "established", resumed: connection.handshake?.resumed ?? false });
		}
		if (connection.state === State.CLOSED) this.drop(key, entry);
	}

	/**
	 * At the cap, a client that proved its address (the cookie) takes the place of the
	 * connection quiet longest, if that one is established: a sleepy node that went away
	 * without a close_notify must not hold its slot for ever. Handshakes under way stay.
	 */
	private evict(now: number): boolean {
		let oldestKey: string | undefined;
		let oldest: Entry | undefined;
		this.entries.forEach((entry, key) => {
			if (entry.connection.state === State.ESTABLISHED && (!oldest || entry.heard < oldest.heard)) {
				oldest = entry;
				oldestKey = key;
			}
		});
		if (!oldest || oldestKey === undefined || now - oldest.heard < EVICTABLE_AFTER) return false;
		this.drop(oldestKey, oldest);
		return true;
	}

	private drop(key: string, entry: Entry): void {
		if (this.entries.get(key) !== entry) return;
		this.entries.delete(key);
		const error = entry.connection.error;
		// A client whose session was refused forgets it: the next handshake is a full one.
		if (error && !entry.connection.closedCleanly && entry.connection.client) {
			this.sessions.delete(key);
			this.latestSession = undefined;
		}
		this.events.push({ peer: entry.peer, kind: "closed", error, cleanly: entry.connection.closedCleanly });
	}
}

function peerKey(peer: Peer): string {
	return `${peer.address}:${peer.port}`;
}

/** What a datagram client or server asks of DTLS with pre-shared keys (the CoAP transport's `dtls` settings). */
export interface PskSettings extends Pick<DtlsOptions, "lookup" | "resume" | "maxConnections" | "handshakeTimeout"> {
	/** Ours, as a client (RFC 4279's psk_identity), with its key. */
	readonly identity?: Uint8Array;
	readonly psk?: Uint8Array;
}

/**
 * The factory coap/types.ts gives the CoAP transport (its DtlsFactory): images with DTLS inject this, so CoAP
 * imports none of src/dtls and an image without DTLS carries none of this setting up. On `board`'s crypto,
 * randomness and clock; TLS_HANDSHAKE_FAILED for a board without crypto primitives.
 */
export function dtlsLayer(inner: DatagramSession, settings: PskSettings, board: Board): DtlsLayer {
	const crypto = board.crypto;
	if (!crypto) throw new ProtocolError("TLS_HANDSHAKE_FAILED", "coaps: the " + board.name + " board has no crypto primitives");
	const identity = settings.identity;
	const psk = settings.psk;
	// The settings' lookup, resume, handshakeTimeout and maxConnections are the layer's options of those names.
	return new DtlsLayer(inner, { ...settings, crypto, randomBytes: board.randomBytes.bind(board), now: board.now.bind(board), client: identity && psk ? { identity, psk } : void 0 });
}

/**
 * Sessions kept for resumption, by a string key (a server's by session id, a client's by
 * server address), capped: the least recently stored goes first.
 */
export class SessionTable extends Map<string, SessionState> implements SessionCache {
	declare readonly cap: number;

	constructor(cap: number) {
		super();
		this.cap = cap;
	}

	/** Keeps `session` under `key`; at the cap, the least recently stored goes. */
	store(key: string, session: SessionState): void {
		this.delete(key);
		if (this.cap <= 0) return;
		if (this.size >= this.cap) this.delete(this.keys().next().value as string);
		this.set(key, session);
	}

	// SessionCache, for a server: by session id.

	find(sessionId: Uint8Array): SessionState | undefined {
		return this.get(idKey(sessionId));
	}

	put(session: SessionState): void {
		this.store(idKey(session.sessionId), session);
	}
}

function idKey(sessionId: Uint8Array): string {
	let key = "#";
	for (let i = 0; i < sessionId.length; i++) key += String.fromCharCode(sessionId[i]);
	return key;
}
