/**
 * The loop that runs a StreamSession (MQTT) over a board's stream, written once: send what
 * the session queued (one write per service, so a burst leaves as one segment), hand its
 * events to the owner's `dispatch`, keep one timer at the next deadline, and after a lost
 * link connect again with backoff (backoff.ts) until stopped.
 *
 * It also keeps the link honest about the peer's reading. A broker that stops reading
 * leaves our bytes in the board (`Stream.unwritten`): past `maxUnwritten` bytes, or when
 * the backlog has not drained for `drainTimeout` ms, the link ends with WRITE_STALLED
 * and what was unwritten is dropped, so a dead peer can neither fill the heap nor hold the
 * link open while its own bytes still arrive.
 */
import * as bytes from "../common/bytes";
import type { Board, Stream, StreamOptions, TimerHandle, TlsOptions, WebSocketOptions } from "../common/board";
import { ProtocolError } from "../common/errors";
import { Reconnect, type ReconnectOptions } from "../common/backoff";
import type { StreamSession } from "../common/session";

export interface StreamTarget {
	readonly host: string;
	readonly port: number;
	/** Present for TLS, with certificate verification. */
	readonly tls?: TlsOptions;
	/** Present when the stream is carried as WebSocket messages (ws://, wss://). */
	readonly websocket?: WebSocketOptions;
}

export abstract class StreamDriver<S extends StreamSession> {
	// Fields are `declare`d and set in the constructor: a class field costs XS bytecode of its own.
	declare readonly session: S;
	protected declare readonly board: Board;
	private declare readonly reconnect: Reconnect;
	private declare stream: Stream | undefined;
	/** The board said the stream is connected: writes may go. */
	private declare open: boolean;
	private declare stopped: boolean;
	private declare servicePending: boolean;
	/** When the next connection attempt is due (-1: none waits). */
	private declare retryAt: number;
	/** Since when bytes have waited unwritten in the board (-1: none, or they drained). */
	private declare backlogSince: number;
	/** The one timer, set for `timerAt` (the driver keeps it itself: a DeadlineTimer would be an object more per client). */
	private declare timer: TimerHandle | undefined;
	private declare timerAt: number;

	constructor(board: Board, session: S, reconnect: ReconnectOptions) {
		this.board = board;
		this.session = session;
		this.reconnect = new Reconnect(reconnect);
		this.open = this.servicePending = false;
		this.stopped = true;
		this.retryAt = this.backlogSince = -1;
		this.timerAt = Infinity;
	}

	/** Where to connect (read at each attempt, and by the board through the StreamLink). */
	abstract get target(): StreamTarget;

	/** Bytes the board may hold unwritten before the link is given up. */
	protected abstract get maxUnwritten(): number;

	/** How long a backlog may stand without draining, in ms. */
	protected abstract get drainTimeout(): number;

	/** Reconnect attempts made since the last healthy connection. */
	get reconnectAttempt(): number {
		return this.reconnect.attempt;
	}

	/** Starts connecting; from then on the driver reconnects by itself until `stop`. */
	start(): void {
		if (!this.stopped) return;
		this.stopped = false;
		this.connect();
	}

	/** The session's events, drained once per service (pollEvent until undefined). */
	protected abstract dispatch(): void;

	/** A link ended; `error` says why, or undefined once stopped. */
	protected abstract disconnected(error?: Error): void;

	/** The session is connected (its CONNACK came): the link counts as up for the backoff. */
	protected online(): void {
		this.reconnect.online(this.board.now());
	}

	/**
	 * Stops reconnecting: runs `goodbye` (the session queues its farewell) while a link is
	 * open, sends it, and closes the link. False when it was stopped already.
	 */
	protected halt(goodbye: (now: number) => void): boolean {
		if (this.stopped) return false;
		this.stopped = true;
		this.retryAt = -1;
		this.clearTimer();
		if (this.stream) {
			goodbye(this.board.now());
			this.service();
			this.stream?.close();
		}
		return true;
	}

	/**
	 * Services once the caller's synchronous work is done: a burst of requests then leaves
	 * as one write (one TCP segment, one radio burst) instead of one write per message.
	 */
	protected serviceSoon(): void {
		if (this.servicePending) return;
		this.servicePending = true;
		Promise.resolve().then(() => {
			this.servicePending = false;
			this.service();
		});
	}

	/** Writes what the session wants sent, acts on its events, and re-arms the timer. */
	protected service(): void {
		const stream = this.stream;
		if (stream && this.open) {
			this.flush(stream);
			if (this.overflowing(stream)) return;
		}
		this.dispatch();
		this.arm();
	}

	/** Ends the link the session asked to end: what it queued goes first (a DISCONNECT, say). */
	protected endLink(error?: ProtocolError): void {
		const stream = this.stream;
		if (!stream) return;
		if (this.open) {
			this.flush(stream);
			if (this.overflowing(stream)) return;
		}
		this.drop(stream, error, false);
	}

	private connect(): void {
		const link = new StreamLink(this);
		this.stream = link.stream = this.board.connectStream(link);
	}

	/** Called by this connection's StreamLink only: the board connected it. */
	linkOpened(link: StreamLink): void {
		if (!this.current(link)) return;
		this.open = true;
		this.session.open(this.board.now());
		this.service();
	}

	/** Called by this connection's StreamLink only: bytes arrived. */
	linkData(link: StreamLink, bytes: Uint8Array): void {
		if (!this.current(link)) return;
		this.session.received(bytes, this.board.now());
		this.service();
	}

	/** Called by this connection's StreamLink only: the board reports the stream ended. */
	linkClosed(link: StreamLink, error?: Error): void {
		if (this.current(link)) this.closed(error);
	}

	/** Reports of a stream we dropped, or made before connectStream returned, are not news. */
	private current(link: StreamLink): boolean {
		return link.stream !== undefined && link.stream === this.stream;
	}

	/** One write per service: many small packets go out as one segment. */
	private flush(stream: Stream): void {
		const session = this.session;
		const first = session.pollTransmit();
		if (!first) return;
		// A backlog that emptied since the last write was a slow peer, not a stalled one.
		if (this.backlogSince >= 0 && stream.unwritten === 0) this.backlogSince = -1;
		let next = session.pollTransmit();
		if (!next) stream.write(first);
		else {
			const chunks = [first];
			let total = first.length;
			for (; next; next = session.pollTransmit()) {
				chunks.push(next);
				total += next.length;
			}
			stream.write(bytes.concat(chunks, total));
		}
		if (this.backlogSince < 0 && stream.unwritten > 0) this.backlogSince = this.board.now();
	}

	/** Past the cap, the peer is not reading: the link ends at once, its backlog dropped. */
	private overflowing(stream: Stream): boolean {
		const unwritten = stream.unwritten;
		if (unwritten === 0 || unwritten <= this.maxUnwritten) return false;
		this.stalled(stream);
		return true;
	}

	/** The peer stopped reading: the link ends, and what it never read is dropped. */
	private stalled(stream: Stream): void {
		this.drop(stream, new ProtocolError("WRITE_STALLED", `${stream.unwritten} bytes unwritten: the peer stopped reading`), true);
	}

	/** The next deadline came. */
	private deadlineFired(): void {
		const now = this.board.now();
		if (this.retryAt >= 0) {
			if (now < this.retryAt) this.arm();
			else {
				this.retryAt = -1;
				if (!this.stopped) this.connect();
			}
			return;
		}
		const stream = this.stream;
		if (stream && this.backlogSince >= 0 && now - this.backlogSince >= this.drainTimeout) {
			if (stream.unwritten > 0) return this.stalled(stream);
			this.backlogSince = -1;
		}
		this.session.tick(now);
		this.service();
	}

	/** Keeps the timer at the next deadline: a retry, the session's, or the backlog's. */
	private arm(): void {
		if (this.stopped) return this.clearTimer();
		let at = this.retryAt >= 0 ? this.retryAt : this.session.nextTimeout();
		if (this.backlogSince >= 0) at = Math.min(at ?? Infinity, this.backlogSince + this.drainTimeout);
		if (at === void 0) return this.clearTimer();
		if (this.timer && this.timerAt <= at) return;
		this.clearTimer();
		const board = this.board;
		this.timerAt = at;
		this.timer = board.setTimer(() => {
			this.timer = void 0;
			this.timerAt = Infinity;
			this.deadlineFired();
		}, Math.max(0, at - board.now()));
	}

	private clearTimer(): void {
		if (this.timer) this.board.clearTimer(this.timer);
		this.timer = void 0;
		this.timerAt = Infinity;
	}

	/**
	 * Closes the link ourselves. The stream is forgotten first: whatever the board reports
	 * about a close we asked for is not news, and our reason (a keep-alive timeout, a
	 * stalled write) is the one to tell.
	 */
	private drop(stream: Stream, error: ProtocolError | undefined, discard: boolean): void {
		this.stream = undefined;
		stream.close(discard);
		this.closed(error);
	}

	private closed(error?: Error): void {
		const board = this.board;
		this.stream = undefined;
		this.open = false;
		this.backlogSince = -1;
		this.session.closed();
		this.clearTimer();
		this.reconnect.lost(board.now());
		this.disconnected(this.stopped ? undefined : (error ?? new ProtocolError("CONNECTION_LOST", "the peer closed the connection")));
		if (this.stopped) return;
		this.retryAt = board.now() + this.reconnect.next();
		this.arm();
	}
}

/**
 * The options one connection hands the board: its callbacks are methods shared by every
 * link (boards call them as `options.onData(...)`), where arrow functions would cost XS a
 * closure each (about 10 slots) for every connection a client holds; the address is read
 * from the driver's target, not copied (a property each).
 */
class StreamLink implements StreamOptions {
	/** The stream connectStream returned for this link; undefined while it runs. */
	declare stream: Stream | undefined;
	private declare readonly driver: StreamDriver<StreamSession>;

	constructor(driver: StreamDriver<StreamSession>) {
		this.driver = driver;
	}

	get host(): string {
		return this.driver.target.host;
	}

	get port(): number {
		return this.driver.target.port;
	}

	get tls(): TlsOptions | undefined {
		return this.driver.target.tls;
	}

	get websocket(): WebSocketOptions | undefined {
		return this.driver.target.websocket;
	}

	onConnect(): void {
		this.driver.linkOpened(this);
	}

	onData(bytes: Uint8Array): void {
		this.driver.linkData(this, bytes);
	}

	onClose(error?: Error): void {
		this.driver.linkClosed(this, error);
	}
}
