/**
 * Test harness for interop suites: the firmware in-process on the host board with its
 * log events captured, and an ordinary MQTT client (MQTT.js) as an independent observer.
 */
import { spawn, type ChildProcess } from "node:child_process";
import mqtt, { type IClientOptions, type MqttClient as ObserverClient } from "mqtt";
import { startFirmware, type RunningApp } from "../../src/app/firmware";
import type { RawConfig } from "../../src/app/config-reader";
import type { LogFields } from "../../src/common/board";
import { HostBoard } from "../../boards/host/board";
import type { FirmwareEvent } from "../../tools/launcher/firmware";
import { waitFor } from "../../testkit/wait-for";

export interface LoggedEvent {
	readonly event: string;
	readonly fields: LogFields;
}

export class FirmwareUnderTest {
	readonly events: LoggedEvent[] = [];
	readonly board = new HostBoard({ log: (event, fields) => this.events.push({ event, fields }) });
	readonly app: RunningApp;

	constructor(config: RawConfig) {
		this.app = startFirmware(this.board, config, { wifi: false });
	}

	count(event: string): number {
		return this.events.filter((e) => e.event === event).length;
	}

	/** Waits for the n-th (1-based) event named `event`. */
	waitFor(event: string, nth = 1, timeoutMs?: number): Promise<LogFields> {
		return waitFor(() => this.events.filter((e) => e.event === event)[nth - 1]?.fields, { what: `firmware event "${event}" #${nth}`, deadline: timeoutMs });
	}

	pin(pin: number): 0 | 1 {
		return this.board.pins.get(pin)?.read() ?? 0;
	}
}

export interface Received {
	readonly topic: string;
	readonly payload: string;
	readonly retain: boolean;
	readonly qos: number;
}

/** An MQTT.js client recording every message it receives. */
export class Observer {
	readonly received: Received[] = [];
	private constructor(readonly client: ObserverClient) {
		client.on("message", (topic, payload, packet) => this.received.push({ topic, payload: payload.toString(), retain: packet.retain, qos: packet.qos }));
	}

	static async connect(url: string, options: IClientOptions = {}): Promise<Observer> {
		return new Observer(await mqtt.connectAsync(url, { reconnectPeriod: 0, ...options }));
	}

	async subscribe(filter: string, qos: 0 | 1 | 2 = 1): Promise<void> {
		await this.client.subscribeAsync(filter, { qos });
	}

	on(topic: string): Received[] {
		return this.received.filter((r) => r.topic === topic);
	}

	/** Waits until `topic` has received a message with `payload`. */
	waitFor(topic: string, payload: string, timeoutMs?: number): Promise<Received> {
		return waitFor(() => this.received.find((r) => r.topic === topic && r.payload === payload), { what: `"${payload}" on ${topic}`, deadline: timeoutMs });
	}

	async close(): Promise<void> {
		await this.client.endAsync();
	}
}

/** The retained messages under `filter`, read by a fresh client. */
export async function retained(url: string, filter: string, expected: number, options: IClientOptions = {}): Promise<Map<string, string>> {
	const observer = await Observer.connect(url, options);
	await observer.subscribe(filter);
	await waitFor(() => observer.received.filter((r) => r.retain).length >= expected, { what: `${expected} retained messages under ${filter}` });
	await observer.close();
	return new Map(observer.received.filter((r) => r.retain).map((r) => [r.topic, r.payload]));
}

/** `npm start` (tools/start.ts) as a child process with `args`, its JSON lines collected as they come. */
export function launchStart(args: readonly string[]): { events: FirmwareEvent[]; child: ChildProcess; exited: Promise<number | null> } {
	const events: FirmwareEvent[] = [];
	const child = spawn(process.execPath, ["--import", "tsx", "tools/start.ts", ...args], { stdio: ["ignore", "pipe", "inherit"] });
	let buffered = "";
	child.stdout?.on("data", (chunk: Buffer) => {
		buffered += chunk.toString();
		const lines = buffered.split("\n");
		buffered = lines.pop() ?? "";
		for (const line of lines) if (line) events.push(JSON.parse(line) as FirmwareEvent);
	});
	const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
	return { events, child, exited };
}
