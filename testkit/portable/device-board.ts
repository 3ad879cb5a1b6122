/**
 * A FakeBoard with the device's peripherals: a simulated DHT22 answering after the
 * few milliseconds a real frame takes, simulated pins a test can drive (a button), and
 * retained memory with a deep sleep that only records the request.
 */
import { softCrypto } from "./soft-crypto";
import type { Power, PulseCapture, WakeCause } from "../../src/common/board";
import { SimulatedDht22, type Dht22SimulatorOptions } from "../../boards/simulated/dht22";
import { SimulatedPins } from "../../boards/simulated/pins";
import type { Datagram, DatagramOptions, Stream, StreamOptions } from "../../src/common/board";
import { FakeBoard, type FakeDatagram, type FakeStream } from "./fake-board";
import type { MiniBroker } from "./mini-broker";
import type { MiniGateway } from "./mini-gateway";
import { readSlots, type DecodedRetained } from "../../src/power/retained-store";
import { Esp8266 } from "../../src/power/capacity";

/** The sleepy suites' device: a minute's sleep, 10 s awake at most, 5 s to get a network. */
export const SLEEPY_CONFIG = {
	broker: "mqtt://broker.local",
	mode: "sleepy",
	clientId: "sensor-1",
	sleepInterval: "60",
	maxAwake: "10",
	networkDeadline: "5",
	buttonPin: "-1",
	lampPin: "2",
};

/** A frame lasts about 5 ms from the start signal. */
const FRAME_MS = 5;

/** The state the next wake would start from, as decodeRetained says it. */
export function retainedIn(power: FakePower): DecodedRetained {
	const restored = readSlots(power.retained, power.retainedCapacity);
	return restored.state ? { state: restored.state } : { discarded: restored.discarded[0] ?? "corrupt" };
}

export class FakePower implements Power {
	retained: Uint8Array | undefined;
	wakeCause: WakeCause;
	readonly retainedCapacity: number;
	readonly maxSleepMs: number | undefined;
	readonly sleeps: { ms: number; wake?: { pin: number; level: 0 | 1 }; radio: "on" | "off" }[] = [];

	/**
	 * `capacity` defaults to the ESP8266's, the smallest board's: every sleepy suite then
	 * fails when a record outgrows a device. `maxSleepMs` undefined: no limit (an ESP32).
	 */
	constructor(retained?: Uint8Array, wakeCause: WakeCause = retained ? "timer" : "reset", capacity: number = Esp8266.RETAINED_CAPACITY, maxSleepMs?: number) {
		this.retained = retained;
		this.wakeCause = wakeCause;
		this.retainedCapacity = capacity;
		this.maxSleepMs = maxSleepMs;
	}

	readRetained(): Uint8Array | undefined {
		return this.retained?.slice();
	}

	writeRetained(bytes: Uint8Array): void {
		this.retained = bytes.slice();
	}

	deepSleep(ms: number, wake?: { readonly pin: number; readonly level: 0 | 1 }, radio: "on" | "off" = "on"): void {
		this.sleeps.push({ ms, wake, radio });
		// The next boot is this sleep's timer firing (unless a test says otherwise).
		this.wakeCause = "timer";
	}
}

export class DeviceBoard extends FakeBoard {
	/** AES and SHA-256 in plain TypeScript, for coaps (slow, so only DTLS tests pay for it). */
	readonly crypto = softCrypto;
	readonly dht22: SimulatedDht22;
	readonly simulatedPins = new SimulatedPins();
	readonly power: FakePower;
	readonly captures: number[] = [];
	/** Where streams the firmware opens are served; none: the broker is unreachable. */
	broker: MiniBroker | undefined;
	/** Where datagrams the firmware sends are answered. */
	gateway: MiniGateway | undefined;

	constructor(options: { dht22?: Dht22SimulatorOptions; power?: FakePower } = {}) {
		super();
		this.dht22 = new SimulatedDht22({ random: () => 0.5, ...options.dht22 });
		this.power = options.power ?? new FakePower();
	}

	captureDht22(_pin: number, done: (capture: PulseCapture | undefined) => void): void {
		this.captures.push(this.now());
		this.setTimer(() => done(this.dht22.capture()), FRAME_MS);
	}

	override connectStream(options: StreamOptions): Stream {
		const stream = super.connectStream(options) as FakeStream;
		const broker = this.broker;
		// No broker: the connection is refused, as by a host whose broker is down.
		if (broker) this.setTimer(() => broker.serve(stream, this), 1);
		else this.setTimer(() => stream.drop(new Error("ECONNREFUSED")), 1);
		return stream;
	}

	override openDatagram(options: DatagramOptions): Datagram {
		const datagram = super.openDatagram(options) as FakeDatagram;
		this.gateway?.serve(datagram, this);
		return datagram;
	}

	override digitalInput(pin: number, options: Parameters<FakeBoard["digitalInput"]>[1]): ReturnType<FakeBoard["digitalInput"]> {
		return this.simulatedPins.digitalInput(pin, options);
	}
}

/** Lets promise callbacks run: a few microtask turns. */
export async function settle(): Promise<void> {
	for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** Advances the virtual clock in steps, letting promise callbacks run between them. */
export async function run(board: FakeBoard, ms: number, step = 5): Promise<void> {
	for (let elapsed = 0; elapsed < ms; elapsed += step) {
		board.advance(Math.min(step, ms - elapsed));
		await settle();
	}
}
