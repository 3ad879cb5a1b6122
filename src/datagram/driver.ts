/**
 * The loop that runs a DatagramSession (MQTT-SN, CoAP) over a board's UDP endpoint,
 * written once: send what the session queued, hand its events to the owner's `dispatch`
 * (and send what the owner's answers queued), keep one timer at the next deadline, and,
 * for sessions that connect (MQTT-SN), try again later with backoff (backoff.ts).
 */
import type { Board, Datagram, DatagramOptions, TimerHandle } from "../common/board";
import { Reconnect, type ReconnectOptions } from "../common/backoff";
import type { DatagramSession } from "../common/session";

export interface DatagramBinding {
	/** Local port; 0 or absent for any free one. */
	readonly port?: number;
	/** Local address; absent for all interfaces. */
	readonly address?: string;
}

/**
 * The driver is the DatagramOptions it hands the board: the binding, and the callbacks as
 * methods of its prototype (called as methods), so an endpoint costs no object or closure of
 * its own (three closures and an options object took 33 heap slots on XS).
 */
export abstract class DatagramDriver<S extends DatagramSession> implements DatagramOptions {
	// Fields are `declare`d and set in the constructor: a class field costs XS bytecode of its own.
	declare readonly session: S;
	/** Read by the owner too (the CoAP server keeps no reference of its own: a heap slot on XS). */
	declare readonly board: Board;
	/** The port and address asked for (the owner's options, kept by reference). */
	private declare readonly binding: DatagramBinding;
	/** The one timer, at `timerAt` (kept here, not in an object of its own: one object and one call less per deadline). */
	private declare timer: TimerHandle | undefined;
	private declare timerAt: number;
	/** What the timer runs, made once: arming makes no closure. */
	private declare readonly fire: () => void;
	/** Absent for a session that never connects (CoAP): nothing to retry. */
	private declare readonly reconnect: Reconnect | undefined;
	private declare datagram: Datagram | undefined;
	private declare _ready: boolean;
	private declare _stopped: boolean;
	/** When the next connection attempt is due; undefined while none waits (absent, so no slot, until one did). */
	private declare retryAt: number | undefined;

	constructor(board: Board, session: S, binding: DatagramBinding, reconnect?: ReconnectOptions) {
		this.board = board;
		this.session = session;
		this.binding = binding;
		// Only a session that connects keeps a backoff.
		if (reconnect) this.reconnect = new Reconnect(reconnect);
		this._ready = false;
		this._stopped = true;
		// `timer` and `datagram` stay absent until armed and opened: they read as undefined.
		this.timerAt = Infinity;
		// Bound, not an arrow: an arrow that captures `this` takes XS 17 heap slots, a bound method 8.
		this.fire = this.deadlineFired.bind(this);
	}

	/** The local port: the one asked for (0 for any) until bound, then the one bound. */
	get port(): number {
		const datagram = this.datagram;
		return datagram ? datagram.port : this.binding.port ?? 0;
	}

	/** The local address asked for; undefined for all interfaces. */
	get address(): string | undefined {
		return this.binding.address;
	}

	/** Reconnect attempts made since the last healthy connection. */
	get reconnectAttempt(): number {
		return this.reconnect?.attempt ?? 0;
	}

	protected get ready(): boolean {
		return this._ready;
	}

	protected get stopped(): boolean {
		return this._stopped;
	}

	/** The session's events, drained once per service. */
	protected abstract dispatch(): void;

	/** The endpoint is bound: the owner may go on (connect, run what waited). */
	protected abstract bound(): void;

	/** The endpoint could not be bound; it is gone (`open` makes a new one). */
	protected abstract bindFailed(error: Error): void;

	/** A retry came due (`retryLater`) with the endpoint bound; the driver opens it again first after a bind failure. */
	protected abstract retry(): void;

	/** Opens (or, after a bind failure, opens again) the endpoint; `bound` follows. */
	protected open(): void {
		this._stopped = false;
		this.datagram = this.board.openDatagram(this);
	}

	/** The board's callbacks (DatagramOptions). */
	datagramReceived(bytes: Uint8Array, address: string, port: number): void {
		if (this._stopped) return;
		this.session.received(bytes, { address, port }, this.board.now());
		// service(), written out: a call fewer for every datagram.
		this.dispatch();
		this.transmit();
	}

	endpointReady(): void {
		this._ready = true;
		if (!this._stopped) this.bound();
	}

	endpointFailed(error: Error): void {
		if (this._stopped) return;
		this.datagram = void 0;
		this._ready = false;
		this.bindFailed(error);
	}

	/**
	 * Passes the session's events on, sends what the session and the owner's answers queued,
	 * re-arms the timer. One flush, after: the queue keeps the order of what was queued, and
	 * `halt` sends what is left in it, so nothing queued before an event is lost if its handler stops.
	 */
	service(): void {
		this.dispatch();
		this.transmit();
	}

	/** Sends what the session wants sent and re-arms the timer: for what the owner asked of the session outside an event (a request), with no events to pass on. */
	transmit(): void {
		this.flush();
		if (this._stopped) return;
		let next = this.session.nextTimeout();
		const retryAt = this.retryAt;
		// The earlier of the two, undefined for neither.
		if (retryAt !== void 0 && !(next !== void 0 && next <= retryAt)) next = retryAt;
		// No timer set is one to disarm: no call (`timerAt` is Infinity already).
		if (next === void 0) {
			if (this.timer) this.disarm();
		}
		// A timer as early or earlier is kept (`arm`): `timerAt` is Infinity while there is none.
		else if (this.timerAt > next) this.arm(next);
	}

	/** The session connected: the link counts as up for the backoff. */
	protected online(): void {
		this.reconnect?.online(this.board.now());
	}

	/** The link was lost: `retry` comes after the backoff, or `minWait` ms if that is longer. */
	protected retryLater(minWait: number): void {
		const reconnect = this.reconnect;
		if (!reconnect || this._stopped) return;
		this.retryAt = this.board.now() + Math.max(minWait, reconnect.next());
		this.transmit();
	}

	/** The link ended at now: a healthy one forgets earlier attempts (before `retryLater`). */
	protected lost(): void {
		this.reconnect?.lost(this.board.now());
	}

	/** Stops: sends what is queued and, bound, runs `goodbye` first when given (the session queues its farewell); closes the endpoint. */
	protected halt(goodbye?: (now: number) => void): boolean {
		if (this._stopped) return false;
		this._stopped = true;
		this.retryAt = void 0;
		this.disarm();
		if (goodbye && this._ready) goodbye(this.board.now());
		this.flush();
		this.datagram?.close();
		this.datagram = undefined;
		this._ready = false;
		return true;
	}

	/** Hands what the session queued to the endpoint (once bound). */
	protected flush(): void {
		const datagram = this.datagram;
		// Until the endpoint is bound what the session sends waits in it (a restored client may ask at once).
		if (!datagram || !this._ready) return;
		const session = this.session;
		for (let out = session.pollTransmit(); out; out = session.pollTransmit()) datagram.send(out.bytes, out.address, out.port);
	}

	/** Sends `bytes` past the session, which keeps nothing of them; false, nothing sent, until the endpoint is bound. */
	protected sendBound(bytes: Uint8Array, address: string, port: number): boolean {
		const datagram = this.datagram;
		if (!datagram || !this._ready) return false;
		datagram.send(bytes, address, port);
		return true;
	}

	/** The timer's: the next deadline came. */
	private deadlineFired(): void {
		this.timer = void 0;
		this.timerAt = Infinity;
		const now = this.board.now();
		this.session.tick(now);
		if (this.retryAt !== void 0 && now >= this.retryAt) {
			this.retryAt = void 0;
			if (!this.datagram) this.open();
			else if (this._ready) this.retry();
		}
		this.service();
	}

	/**
	 * Sets the timer at `at` (board time), earlier than the one set (`transmit` asks only
	 * then). An earlier timer is kept rather than moved: it fires, finds nothing due, and is
	 * armed again, which spares a clear/set pair per packet at high message rates.
	 */
	private arm(at: number): void {
		const board = this.board;
		if (this.timer) board.clearTimer(this.timer);
		this.timerAt = at;
		this.timer = board.setTimer(this.fire, at > board.now() ? at - board.now() : 0);
	}

	private disarm(): void {
		if (this.timer) this.board.clearTimer(this.timer);
		this.timer = void 0;
		this.timerAt = Infinity;
	}
}
