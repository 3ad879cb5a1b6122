/**
 * What every Moddable target shares: time, timers, DNS, streams (stream.ts; no-stream.ts
 * in an image without MQTT), datagrams, health and logging through the SDK's modules.
 * Pins, the DHT22 capture and deep sleep differ per target and are passed in (chip.ts for
 * the ESP32 and ESP8266), so the boards stay a few lines each. Fewer, larger modules: each
 * module and each import costs bytecode.
 */
import Time from "time";
import Timer from "timer";
import Instrumentation from "instrumentation";
import Net from "net";
import UDP from "embedded:io/socket/udp";
import type * as board from "../../src/common/board";
// A module name, not a path: Moddable names src/common/* "common/*" (type-only imports above are erased).
import { ProtocolError, thrownText } from "common/errors";
import { ipv4Octets } from "common/text";
// By module name: an image without MQTT maps moddable/stream to no-stream.ts.
import { connectStream } from "moddable/stream";

/**
 * What a target brings: its pins, and when it has them a DHT22 capture, deep sleep and
 * retained memory, the station interface, its own random source and crypto.
 */
export interface Peripherals {
	digitalOutput(pin: number): board.DigitalOutput;
	digitalInput(pin: number, options: board.DigitalInputOptions): board.DigitalInput;
	captureDht22?(pin: number, done: (capture: board.PulseCapture | undefined) => void): void;
	readonly power?: board.Power;
	/** The station interface, on boards that join their network themselves. */
	readonly network?: board.Network;
	/** Fills `bytes` with random bytes; without it, Math.random is the source (see randomBytes). */
	fillRandom?(bytes: Uint8Array): void;
	/** AES and SHA-256 for coaps (crypto.ts, over the SDK's crypt module). */
	readonly crypto?: board.Crypto;
}

/** Before SNTP has run, the clock is near 1970: report "unknown" (0) rather than a wrong time. */
const enum Clock {
	/** Date.UTC(2024, 0, 1), as a `const enum` member: each use compiles to the number. */
	SetAfter = 1704067200000,
}

export function epochMs(): number {
	const now = Date.now();
	return now > Clock.SetAfter ? now : 0;
}

/**
 * Host names through the SDK's resolver (lwIP's DNS on a device); IPv4 literals pass
 * straight through. RFC 6761 6.3: "localhost" (and names under it) is always the loopback
 * address, and needs no resolver. It is answered here because the simulator's resolver
 * (GLib's, in modules/network/net/lin/modResolve.c) hands over only the first address it
 * gets and only if that one is IPv4, while many Linux systems list ::1 first for
 * localhost: there `mqtts://localhost` found no address at all. The sockets here are IPv4 only.
 */
export function resolveHost(host: string, callback: (address: string | undefined) => void): void {
	if (ipv4Octets(host)) return callback(host);
	const lower = host.toLowerCase();
	const name = lower.endsWith(".") ? lower.slice(0, -1) : lower;
	if (name === "localhost" || name.endsWith(".localhost")) return callback("127.0.0.1");
	try {
		Net.resolve(host, (_name, address) => callback(address));
	} catch {
		// "no resolver" (no network yet): the same as a name that does not resolve.
		callback(void 0);
	}
}

// Fields are `declare`d and set in the constructor: a class field, or a method that only
// passes a call on, costs bytecode of its own, and XS reads #private fields more slowly.
export class ModdableBoard implements board.Board {
	declare readonly name: string;
	declare readonly digitalOutput: Peripherals["digitalOutput"];
	declare readonly digitalInput: Peripherals["digitalInput"];
	declare readonly captureDht22?: Peripherals["captureDht22"];
	declare readonly power?: board.Power;
	declare readonly network?: board.Network;
	declare readonly crypto?: board.Crypto;
	declare readonly fillRandom?: Peripherals["fillRandom"];
	declare readonly epochMs: () => number;
	declare readonly resolve: board.Board["resolve"];
	declare readonly connectStream: board.Board["connectStream"];

	constructor(name: string, peripherals: Peripherals) {
		// The target's parts become the board's own; one it does not have stays absent.
		Object.assign(this, { name, epochMs, resolve: resolveHost, connectStream }, peripherals);
	}

	now(): number {
		return Time.ticks;
	}

	/**
	 * On the ESP32 and ESP8266, XS's Math.random is the chip's hardware RNG read on every
	 * call (xsHost.h: c_rand is esp_random(), or the ESP8266's RNG register at 0x3FF20E44),
	 * so it is the real source there: 16 of its 31 bits per draw. The simulator, whose
	 * Math.random is an unseeded rand(), passes the OS's source as `fillRandom`.
	 */
	randomBytes(count: number): Uint8Array {
		const bytes = new Uint8Array(count);
		if (this.fillRandom) this.fillRandom(bytes);
		else for (let i = 0; i < count; i += 2) {
			const draw = Math.floor(Math.random() * 0x10000);
			bytes[i] = draw >> 8;
			if (i + 1 < count) bytes[i + 1] = draw & 0xff;
		}
		return bytes;
	}

	setTimer(callback: () => void, ms: number): board.TimerHandle {
		return Timer.set(callback, ms) as unknown as board.TimerHandle;
	}

	clearTimer(timer: board.TimerHandle): void {
		Timer.clear(timer as unknown as Timer);
	}

	/**
	 * A datagram endpoint on Moddable's ECMA-419 UDP socket. Nothing here may throw into a
	 * socket callback or a timer (that aborts the VM): a datagram that cannot be sent or
	 * handled is lost, as UDP loses datagrams anyway, and the protocols above retransmit.
	 */
	openDatagram(options: board.DatagramOptions): board.Datagram {
		// ECMA-419 has no way to ask for the bound port: it is the one requested.
		const port = options.port ?? 0;
		let socket: UDP;
		try {
			socket = new UDP({
				port,
				...(options.address === void 0 ? {} : { address: options.address }),
				onReadable(packets: number) {
					try {
						while (packets-- > 0) {
							// The socket's own reference, not `this`: callers of callbacks differ on it.
							const packet = socket.read();
							options.datagramReceived(new Uint8Array(packet), packet.address, packet.port);
						}
					} catch {
						// A datagram the firmware could not take: dropped (the session counts what it refuses).
					}
				},
			});
		} catch (error) {
			// The port is taken (a fixed mqttsnPort, say), or no socket is left: reported typed
			// and later, as Node reports it, so the client retries with backoff.
			const detail = thrownText(error);
			Timer.set(() => {
				if (options.endpointFailed) options.endpointFailed(new ProtocolError("BIND_FAILED", `cannot bind UDP port ${port}`, detail));
			}, 0);
			return { port, send: () => void 0, close: () => void 0 };
		}
		// ECMA-419 binds in the constructor; report readiness asynchronously, as Node does.
		// Called as a method of `options`: the datagram driver's callbacks read `this`.
		if (options.endpointReady) Timer.set(() => options.endpointReady?.(), 0);
		return {
			port,
			send: (bytes, address, port) => {
				try {
					socket.write(bytes, address, port);
				} catch {
					// No route, no buffer: the datagram is lost, and the protocol retransmits.
				}
			},
			// @moddable/typings 5.6 leaves close() out of UDP's declaration; every platform has it.
			close: () => (socket as unknown as { close(): void }).close(),
		};
	}

	/**
	 * Free system memory from the SDK's instrumentation, which only a build with
	 * instrumentation (a debug build, `-d`) keeps, and, on a board that joins Wi-Fi, the RSSI
	 * of the access point joined, from the SDK's net module (app/home-assistant.ts reports them).
	 * A fact the build or the chip does not have is left out.
	 */
	health(): board.BoardHealth {
		// Looked up here, not when the module loads: a preloaded module runs at link time, when native functions are not there.
		const free = Instrumentation.map("System Free Memory");
		const heap = free === void 0 ? void 0 : Instrumentation.get(free);
		// Asked only once joined: before, the chip has no access point to measure.
		const rssi: unknown = this.network ? Net.get("RSSI") : void 0;
		return { freeHeap: typeof heap === "number" ? heap : void 0, rssi: typeof rssi === "number" && rssi < 0 ? rssi : void 0 };
	}

	/** One JSON line per event on the debug console (xsbug, or stdout in the simulator). */
	log(event: string, fields?: board.LogFields): void {
		// Spreading undefined adds nothing: no default object needed.
		trace(JSON.stringify({ event, ...fields }) + "\n");
	}
}
