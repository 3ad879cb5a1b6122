/**
 * A Board on a virtual clock, for driving clients in tests without real time or
 * sockets: timers fire only when the test advances the clock, and each stream the
 * firmware opens is a FakeStream the test connects, feeds and inspects.
 */
import type {
	Board,
	Datagram,
	DatagramOptions,
	DigitalInput,
	DigitalInputOptions,
	DigitalOutput,
	LogFields,
	Stream,
	StreamOptions,
	TimerHandle,
} from "../../src/common/board";

interface VirtualTimer extends TimerHandle {
	at: number;
	readonly order: number;
	readonly callback: () => void;
}

export class FakeStream implements Stream {
	readonly written: Uint8Array[] = [];
	closed = false;
	/** Closed by the firmware with `discard` (what was unwritten dropped). */
	discarded = false;
	/** The peer stopped reading: writes pile up here (in `unwritten`) instead of reaching `written`. */
	stopReading = false;
	readonly #held: Uint8Array[] = [];
	unwritten = 0;
	constructor(readonly options: StreamOptions) {}

	/** The peer reads again: what was held reaches `written`. */
	resumeReading(): void {
		this.stopReading = false;
		this.written.push(...this.#held.splice(0));
		this.unwritten = 0;
	}

	/** The peer accepted the connection. */
	accept(): void {
		this.options.onConnect();
	}

	/** The peer sent bytes. */
	deliver(bytes: Uint8Array): void {
		if (!this.closed) this.options.onData(bytes);
	}

	/** The peer closed (or the network failed, with an error). */
	drop(error?: Error): void {
		if (this.closed) return;
		this.closed = true;
		this.options.onClose(error);
	}

	/** Everything written since the last call, as one byte array. */
	takeWritten(): Uint8Array {
		const total = this.written.reduce((n, b) => n + b.length, 0);
		const out = new Uint8Array(total);
		let offset = 0;
		for (const bytes of this.written) {
			out.set(bytes, offset);
			offset += bytes.length;
		}
		this.written.length = 0;
		return out;
	}

	write(bytes: Uint8Array): void {
		if (this.closed) throw new Error("write after close");
		if (!this.stopReading) this.written.push(bytes.slice());
		else {
			this.#held.push(bytes.slice());
			this.unwritten += bytes.length;
		}
	}

	close(discard?: boolean): void {
		if (this.closed) return;
		this.closed = true;
		this.discarded = discard === true;
		this.options.onClose();
	}
}

/** A bound UDP endpoint: the test reads what the firmware sent and delivers datagrams to it. */
export class FakeDatagram implements Datagram {
	readonly sent: { bytes: Uint8Array; address: string; port: number }[] = [];
	closed = false;
	constructor(
		readonly options: DatagramOptions,
		readonly port: number,
	) {}

	/** A datagram arrives from `address`:`port`. */
	deliver(bytes: Uint8Array, address = "127.0.0.1", port = 1884): void {
		if (!this.closed) this.options.datagramReceived(bytes, address, port);
	}

	/** Everything sent since the last call. */
	takeSent(): { bytes: Uint8Array; address: string; port: number }[] {
		return this.sent.splice(0, this.sent.length);
	}

	send(bytes: Uint8Array, address: string, port: number): void {
		if (this.closed) throw new Error("send after close");
		this.sent.push({ bytes: bytes.slice(), address, port });
	}

	close(): void {
		this.closed = true;
	}
}

/** Each fake board draws its own sequence, so two simulated devices get different client ids. */
let boards = 0;

export class FakeBoard implements Board {
	readonly name = "fake";
	/** Bytes handed out by randomBytes, for a test to see that the firmware drew from the board. */
	randomDraws = 0;
	#randomState = (0x9e3779b9 * ++boards) >>> 0;
	readonly streams: FakeStream[] = [];
	readonly datagrams: FakeDatagram[] = [];
	readonly logs: { event: string; fields: LogFields }[] = [];
	readonly outputs = new Map<number, 0 | 1>();
	#now = 0;
	#order = 0;
	#timers: VirtualTimer[] = [];

	now(): number {
		return this.#now;
	}

	epochMs(): number {
		return 1_764_000_000_000 + this.#now;
	}

	/** A seeded generator (mulberry32): reproducible runs, distinct per board. */
	randomBytes(count: number): Uint8Array {
		const bytes = new Uint8Array(count);
		for (let i = 0; i < count; i++) {
			this.#randomState = (this.#randomState + 0x6d2b79f5) >>> 0;
			let t = this.#randomState;
			t = Math.imul(t ^ (t >>> 15), t | 1);
			t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
			bytes[i] = (t ^ (t >>> 14)) >>> 24;
		}
		this.randomDraws += count;
		return bytes;
	}

	setTimer(callback: () => void, ms: number): TimerHandle {
		const timer: VirtualTimer = { at: this.#now + Math.max(0, ms), order: this.#order++, callback };
		this.#timers.push(timer);
		return timer;
	}

	clearTimer(timer: TimerHandle): void {
		this.#timers = this.#timers.filter((t) => t !== timer);
	}

	/** Moves the clock forward, firing due timers in time order. */
	advance(ms: number): void {
		const end = this.#now + ms;
		for (;;) {
			const due = this.#timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.order - b.order)[0];
			if (!due) break;
			this.#timers = this.#timers.filter((t) => t !== due);
			this.#now = Math.max(this.#now, due.at);
			due.callback();
		}
		this.#now = end;
	}

	/** Delay until the next timer, or undefined if none is set. */
	nextTimerIn(): number | undefined {
		if (this.#timers.length === 0) return undefined;
		return Math.min(...this.#timers.map((t) => t.at)) - this.#now;
	}

	get pendingTimers(): number {
		return this.#timers.length;
	}

	resolve(host: string, callback: (address: string | undefined) => void): void {
		callback(host === "unknown.invalid" ? undefined : "127.0.0.1");
	}

	connectStream(options: StreamOptions): Stream {
		const stream = new FakeStream(options);
		this.streams.push(stream);
		return stream;
	}

	get lastStream(): FakeStream {
		const stream = this.streams[this.streams.length - 1];
		if (!stream) throw new Error("no stream was opened");
		return stream;
	}

	openDatagram(options: DatagramOptions): Datagram {
		const datagram = new FakeDatagram(options, options.port || 40_000 + this.datagrams.length);
		this.datagrams.push(datagram);
		// Bound "asynchronously", as on Node: readiness arrives on the next timer turn.
		if (options.endpointReady) this.setTimer(() => options.endpointReady?.(), 0);
		return datagram;
	}

	get lastDatagram(): FakeDatagram {
		const datagram = this.datagrams[this.datagrams.length - 1];
		if (!datagram) throw new Error("no datagram endpoint was opened");
		return datagram;
	}

	digitalOutput(pin: number): DigitalOutput {
		const outputs = this.outputs;
		outputs.set(pin, 0);
		return { write: (value) => void outputs.set(pin, value), read: () => outputs.get(pin) ?? 0 };
	}

	digitalInput(_pin: number, _options: DigitalInputOptions): DigitalInput {
		return { read: () => 0, close: () => undefined };
	}

	log(event: string, fields: LogFields = {}): void {
		this.logs.push({ event, fields });
	}

	/** Log events of one kind. */
	events(event: string): LogFields[] {
		return this.logs.filter((l) => l.event === event).map((l) => l.fields);
	}
}
