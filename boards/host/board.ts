/**
 * The host board: the firmware's platform adapters on Node, so the same `src/` runs on
 * a laptop against real brokers and in tests. Sockets are Node's net/tls/dgram, time is
 * performance.now(), pins are simulated and can be inspected or driven by a test.
 */
import { randomBytes } from "node:crypto";
import dgram from "node:dgram";
import dns from "node:dns";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import net from "node:net";
import tls from "node:tls";
import { performance } from "node:perf_hooks";
import v8 from "node:v8";
import type {
	Board,
	BoardHealth,
	Datagram,
	DatagramOptions,
	DigitalInput,
	DigitalInputOptions,
	DigitalOutput,
	LogFields,
	Power,
	PulseCapture,
	Stream,
	StreamOptions,
	TimerHandle,
	WakeCause,
} from "../../src/common/board";
import { ProtocolError } from "../../src/common/errors";
import { SimulatedDht22 } from "../simulated/dht22";
import { hostCrypto } from "./crypto";
import { SimulatedPins, type SimulatedPin } from "../simulated/pins";
import { checkClientCertificate, Tls13Verdict, tlsOptions, transportError, type TransportPhase } from "./tls";
import { connectWebSocket, deadStream } from "./websocket";

export interface HostBoardOptions {
	/** Where log events go; defaults to one JSON line each on stdout. */
	readonly log?: (event: string, fields: LogFields) => void;
	/** The DHT22 the firmware reads (a default one otherwise). */
	readonly dht22?: SimulatedDht22;
	/** Retained memory as a file: with it the board can deep sleep. */
	readonly retainedPath?: string;
	/** What ended the last sleep (default: "timer" when retained bytes exist, else "reset"). */
	readonly wakeCause?: WakeCause;
	/** Deep sleep: the firmware is over, and whoever runs it starts it again after `ms`. */
	readonly onDeepSleep?: (ms: number, wake?: { readonly pin: number; readonly level: 0 | 1 }) => void;
	/** Bytes of retained memory (default 4096, as the ESP32; Esp8266.RETAINED_CAPACITY to run as an ESP8266). */
	readonly retainedCapacity?: number;
	/** The longest single deep sleep, ms (default none; Esp8266.MAX_SLEEP_MS to chain as an ESP8266). */
	readonly maxSleepMs?: number;
}

/** A DHT22 frame takes about 5 ms from the start signal. */
const DHT22_FRAME_MS = 5;

export class HostBoard implements Board {
	readonly name = "host";
	readonly crypto = hostCrypto;
	readonly #pins = new SimulatedPins();
	readonly #log: (event: string, fields: LogFields) => void;
	readonly dht22: SimulatedDht22;
	readonly power?: Power;

	constructor(options: HostBoardOptions = {}) {
		this.#log = options.log ?? printJsonLine;
		this.dht22 = options.dht22 ?? new SimulatedDht22();
		if (options.retainedPath) this.power = new FilePower(options.retainedPath, options);
	}

	now(): number {
		return performance.now();
	}

	epochMs(): number {
		return Date.now();
	}

	randomBytes(count: number): Uint8Array {
		return new Uint8Array(randomBytes(count));
	}

	setTimer(callback: () => void, ms: number): TimerHandle {
		return setTimeout(callback, ms) as TimerHandle;
	}

	clearTimer(timer: TimerHandle): void {
		clearTimeout(timer as ReturnType<typeof setTimeout>);
	}

	resolve(host: string, callback: (address: string | undefined) => void): void {
		dns.lookup(host, { family: 4 }, (error, address) => callback(error ? undefined : address));
	}

	connectStream(options: StreamOptions): Stream {
		const secure = options.tls;
		// A key Node cannot use is a configuration mistake, told without its bytes.
		const unusable = checkClientCertificate(secure);
		if (unusable) return deadStream(options, unusable);
		if (options.websocket) return connectWebSocket(options, options.websocket);
		const socket = secure ? tls.connect(tlsOptions(options.host, options.port, secure)) : net.connect({ host: options.host, port: options.port });
		socket.setNoDelay(true);
		let failure: Error | undefined;
		// Where the connection got to decides what a failure means: no TCP connection is
		// CONNECT_FAILED, a TLS handshake that did not finish is a TLS error, later CONNECTION_LOST.
		let phase: TransportPhase = "connecting";
		socket.once("connect", () => (phase = secure ? "handshake" : "connected"));
		socket.once(secure ? "secureConnect" : "connect", () => {
			phase = "connected";
			options.onConnect();
		});
		const verdict = socket instanceof tls.TLSSocket ? new Tls13Verdict(socket) : undefined;
		socket.on("data", (chunk: Buffer) => {
			verdict?.accept();
			options.onData(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
		});
		socket.on("error", (error) => {
			const peer = `${options.host}:${options.port}`;
			failure ??= (phase === "connected" ? verdict?.refused(error, peer) : undefined) ?? transportError(error, phase, peer);
		});
		socket.once("close", () => options.onClose(failure));
		return {
			write: (bytes) => void socket.write(bytes),
			// What Node still holds, not yet taken by the kernel: the backlog a peer that stopped reading leaves.
			get unwritten() {
				return socket.writableLength;
			},
			// Sends what is queued, then closes; with `discard` (a peer that stopped reading) at once.
			close: (discard) => (discard ? socket.destroy() : socket.destroySoon()),
		};
	}

	openDatagram(options: DatagramOptions): Datagram {
		const socket = dgram.createSocket("udp4");
		// Read now: the datagram driver's own `port` is the bound one once this returns (0 until bound).
		const requested = options.port ?? 0;
		let port = 0;
		socket.on("message", (message, remote) =>
			options.datagramReceived(new Uint8Array(message.buffer, message.byteOffset, message.length), remote.address, remote.port),
		);
		let bound = false;
		// ICMP errors (port unreachable) surface here once bound; UDP callers handle loss by retrying.
		// Before, it is the bind that failed (the port is taken): the caller hears of it, typed.
		socket.on("error", (error: NodeJS.ErrnoException) => {
			if (bound) return;
			closing = true; // sends and close() become no-ops: the socket is gone
			socket.close();
			options.endpointFailed?.(new ProtocolError("BIND_FAILED", `cannot bind UDP port ${requested}: ${error.code ?? error.message}`));
		});
		socket.bind(requested, options.address, () => {
			bound = true;
			port = socket.address().port;
			options.endpointReady?.();
		});
		// Node sends after an address lookup on a later tick; closing at once would drop the
		// last datagrams (a DISCONNECT on stop), so close waits for the sends under way.
		let sending = 0;
		let closing = false;
		const closeWhenSent = () => {
			if (closing && sending === 0) socket.close();
		};
		return {
			get port() {
				return port;
			},
			send: (bytes, address, remotePort) => {
				if (closing) return;
				sending++;
				socket.send(bytes, remotePort, address, () => {
					sending--;
					closeWhenSent();
				});
			},
			close: () => {
				if (closing) return;
				closing = true;
				closeWhenSent();
			},
		};
	}

	/** Every pin the firmware opened, for a test or the launcher to look at or drive. */
	get pins(): ReadonlyMap<number, SimulatedPin> {
		return this.#pins.pins;
	}

	digitalOutput(pin: number): DigitalOutput {
		return this.#pins.digitalOutput(pin);
	}

	digitalInput(pin: number, options: DigitalInputOptions): DigitalInput {
		return this.#pins.digitalInput(pin, options);
	}

	captureDht22(_pin: number, done: (capture: PulseCapture | undefined) => void): void {
		setTimeout(() => done(this.dht22.capture()), DHT22_FRAME_MS);
	}

	/** The laptop has no Wi-Fi signal to report; its free heap is what V8 could still give the firmware. */
	health(): BoardHealth {
		return { freeHeap: v8.getHeapStatistics().total_available_size };
	}

	log(event: string, fields: LogFields = {}): void {
		this.#log(event, fields);
	}
}

/**
 * Retained memory kept in a file across firmware runs. Written to a temporary file and
 * renamed over the old one: a power cut (a killed process) mid-write leaves the old
 * state or the new, never half of each; the firmware's checksum catches anything else.
 */
class FilePower implements Power {
	readonly wakeCause: WakeCause;
	/** As the ESP32 build keeps in RTC slow memory (half of its 8 KB): two slots of 2 KB, unless told otherwise. */
	readonly retainedCapacity: number;
	readonly maxSleepMs: number | undefined;
	readonly #path: string;
	readonly #onDeepSleep: NonNullable<HostBoardOptions["onDeepSleep"]>;

	constructor(path: string, options: HostBoardOptions) {
		this.#path = path;
		this.retainedCapacity = options.retainedCapacity ?? 4096;
		this.maxSleepMs = options.maxSleepMs;
		this.wakeCause = options.wakeCause ?? (existsSync(path) ? "timer" : "reset");
		this.#onDeepSleep = options.onDeepSleep ?? (() => process.exit(0));
	}

	readRetained(): Uint8Array | undefined {
		if (!existsSync(this.#path)) return undefined;
		return new Uint8Array(readFileSync(this.#path));
	}

	writeRetained(bytes: Uint8Array): void {
		const temporary = `${this.#path}.tmp`;
		writeFileSync(temporary, bytes, { flush: true });
		renameSync(temporary, this.#path);
	}

	deepSleep(ms: number, wake?: { readonly pin: number; readonly level: 0 | 1 }): void {
		this.#onDeepSleep(ms, wake);
	}
}

function printJsonLine(event: string, fields: LogFields): void {
	process.stdout.write(JSON.stringify({ event, ...fields }) + "\n");
}
