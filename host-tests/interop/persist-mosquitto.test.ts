/**
 * An always-on lamp with cleanSession=false against mosquitto, its host firmware a process
 * killed (SIGKILL) and started again with its retained memory kept, as a watchdog reset
 * keeps RTC memory; then a "power cut", the memory lost (issue 16, finding 2).
 *
 * Between them a gate that passes everything to mosquitto, records what the firmware sent
 * (parsed), and can hold back mosquitto's answers: a reading then reaches the broker and its
 * PUBACK or PUBREC never comes back, so it is in flight when the process dies.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleHostFirmware } from "../../testkit/host-firmware";
import mqtt from "mqtt";
import mqttPacket from "mqtt-packet";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Mosquitto } from "../../testkit/peers/mosquitto";
import { describeWithPeers } from "../../testkit/peers/require-peer";
import { letTimePass, waitFor } from "../../testkit/wait-for";

const TELEMETRY = "home/office/dht22";
const STATE = "home/office/lamp/state";

interface Sent {
	readonly connection: number;
	readonly cmd: string;
	readonly topic?: string;
	readonly payload?: string;
	readonly qos?: number;
	readonly dup?: boolean;
	readonly messageId?: number;
	readonly clean?: boolean;
}

/** The gate: see the file's comment. */
class Gate {
	readonly sent: Sent[] = [];
	/** Mosquitto's bytes to the firmware are dropped while this is set. */
	holdAnswers = false;
	#connections = 0;
	readonly #server: net.Server;
	readonly #sockets = new Set<net.Socket>();

	private constructor(server: net.Server) {
		this.#server = server;
	}

	static async start(target: number): Promise<Gate> {
		const server = net.createServer();
		const gate = new Gate(server);
		server.on("connection", (client) => gate.#accept(client, target));
		await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
		return gate;
	}

	get port(): number {
		return (this.#server.address() as net.AddressInfo).port;
	}

	/** Ends every open connection, as a lost link does. */
	cut(): void {
		for (const socket of this.#sockets) socket.destroy();
	}

	async close(): Promise<void> {
		for (const socket of this.#sockets) socket.destroy();
		await new Promise((resolve) => this.#server.close(resolve));
	}

	#accept(client: net.Socket, target: number): void {
		const connection = this.#connections++;
		const upstream = net.connect({ host: "127.0.0.1", port: target });
		this.#sockets.add(client).add(upstream);
		const parser = mqttPacket.parser({ protocolVersion: 4 });
		parser.on("packet", (p: mqttPacket.Packet) => {
			const fields = p as unknown as { topic?: string; payload?: Buffer; qos?: number; dup?: boolean; messageId?: number; clean?: boolean };
			this.sent.push({ connection, cmd: p.cmd, topic: fields.topic, payload: fields.payload?.toString(), qos: fields.qos, dup: fields.dup, messageId: fields.messageId, clean: fields.clean });
		});
		client.on("data", (chunk: Buffer) => {
			parser.parse(chunk);
			upstream.write(chunk);
		});
		upstream.on("data", (chunk: Buffer) => {
			if (!this.holdAnswers) client.write(chunk);
		});
		for (const [a, b] of [
			[client, upstream],
			[upstream, client],
		]) {
			a.on("error", () => undefined);
			a.on("close", () => {
				this.#sockets.delete(a);
				b.destroy();
			});
		}
	}
}

let broker: Mosquitto;
let gate: Gate;
let firmware: string;
let folder: string;
let subscriber: mqtt.MqttClient;
const heard: { topic: string; payload: string }[] = [];

beforeAll(async () => {
	folder = mkdtempSync(join(tmpdir(), "persist-"));
	firmware = await bundleHostFirmware("persist-mosquitto");
	broker = await Mosquitto.start();
	gate = await Gate.start(broker.port);
	subscriber = await mqtt.connectAsync(broker.url, { clientId: "persist-watcher", clean: true, reconnectPeriod: 0 });
	subscriber.on("message", (topic, payload) => heard.push({ topic, payload: payload.toString() }));
	await subscriber.subscribeAsync([TELEMETRY, STATE], { qos: 2 });
}, 60_000);

afterAll(async () => {
	await subscriber?.endAsync();
	await gate?.close();
	await broker?.stop();
	rmSync(folder, { recursive: true, force: true });
});

/** One run of the firmware until `stop`: SIGKILL (a reset) or SIGTERM (a clean stop). */
function boot(clientId: string, qos: number, retained: string, temperature: number): { child: ChildProcess; events: { event: string }[]; stop(signal: NodeJS.Signals): Promise<void> } {
	const child = spawn(
		process.execPath,
		[firmware, "--broker", `mqtt://127.0.0.1:${gate.port}`, "--retained", retained, "--dht22", `temperature=${temperature},humidity=50`, "--set", `clientId=${clientId}`, "--set", "cleanSession=false", "--set", `qos=${qos}`, "--set", "readingInterval=2", "--set", "buttonPin=-1"],
		{ stdio: ["ignore", "pipe", "pipe"] },
	);
	const events: { event: string }[] = [];
	let buffered = "";
	child.stdout?.on("data", (chunk: Buffer) => {
		buffered += chunk.toString();
		for (let newline = buffered.indexOf("\n"); newline >= 0; newline = buffered.indexOf("\n")) {
			events.push(JSON.parse(buffered.slice(0, newline)) as { event: string });
			buffered = buffered.slice(newline + 1);
		}
	});
	const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
	return {
		child,
		events,
		async stop(signal) {
			child.kill(signal);
			await exited;
		},
	};
}

const readingsOf = (payload: string) => heard.filter((m) => m.topic === TELEMETRY && m.payload === payload).length;

describeWithPeers("always-on persistent session across restarts (mosquitto)", ["mosquitto"], () => {
	for (const qos of [1, 2]) {
		it(`a QoS ${qos} reading in flight at a reset is resent with its id and DUP 1, and delivered ${qos === 2 ? "exactly" : "at least"} once`, async () => {
			const clientId = `persist-qos${qos}`;
			const retained = join(folder, `${clientId}.bin`);
			const first = boot(clientId, qos, retained, 20 + qos);
			await waitFor(() => first.events.some((e) => e.event === "connected"), { what: "the first run to connect", deadline: 10_000 });
			await letTimePass(500);
			gate.holdAnswers = true;
			const from = gate.sent.length;
			const inFlight = () => gate.sent.slice(from).find((p) => p.cmd === "publish" && p.topic === TELEMETRY);
			await waitFor(() => inFlight() !== undefined, { what: "a reading sent while the answers are held", deadline: 5000 });
			const reading = inFlight() as Sent;
			await letTimePass(300);
			await first.stop("SIGKILL");
			gate.holdAnswers = false;

			// Another temperature: the second run's own readings never look like the first's.
			const second = boot(clientId, qos, retained, 30 + qos);
			const resent = () => gate.sent.find((p) => p.connection > reading.connection && p.cmd === "publish" && p.messageId === reading.messageId && p.payload === reading.payload);
			await waitFor(() => resent() !== undefined && readingsOf(reading.payload ?? "") > 0, { what: "the reading resent and delivered", deadline: 10_000 });
			await letTimePass(1000);
			await second.stop("SIGTERM");
			expect(resent()?.dup).toBe(true);
			expect(gate.sent.find((p) => p.connection > reading.connection && p.cmd === "connect")?.clean).toBe(false);
			if (qos === 2) expect(readingsOf(reading.payload ?? "")).toBe(1);
			else expect(readingsOf(reading.payload ?? "")).toBeGreaterThanOrEqual(1);
			expect(broker.log).not.toMatch(/Reused message ID/);
		}, 60_000);
	}

	it("after a power cut (retained memory lost) starts clean once: no id of the old session is reused, the new state arrives", async () => {
		const clientId = "persist-power-cut";
		const retained = join(folder, `${clientId}.bin`);
		// A run that leaves QoS 2 messages unreleased in its persistent session at the broker (with
		// no saved state it first connects clean and disconnects, then makes that session); the link
		// is cut, and the session outlives it.
		const first = boot(clientId, 2, retained, 24);
		await waitFor(() => first.events.some((e) => e.event === "connected"), { what: "the first run to connect", deadline: 10_000 });
		await letTimePass(300);
		gate.cut();
		await waitFor(() => first.events.filter((e) => e.event === "connected").length >= 2, { what: "the first run to reconnect", deadline: 15_000 });
		await letTimePass(300);
		gate.holdAnswers = true;
		const from = gate.sent.length;
		await waitFor(() => gate.sent.slice(from).filter((p) => p.cmd === "publish" && p.topic === TELEMETRY).length >= 2, { what: "two readings sent while the answers are held", deadline: 10_000 });
		await first.stop("SIGKILL");
		gate.holdAnswers = false;
		rmSync(retained, { force: true });

		const connections = gate.sent.filter((p) => p.cmd === "connect").length;
		const heardBefore = heard.length;
		const second = boot(clientId, 2, join(folder, `${clientId}-after.bin`), 25);
		await waitFor(() => heard.filter((m) => m.topic === TELEMETRY && m.payload.includes('"t":25')).length >= 3, { what: "three readings of the second run delivered", deadline: 15_000 });
		await second.stop("SIGTERM");
		const connects = gate.sent.filter((p) => p.cmd === "connect").slice(connections);
		expect(connects[0]?.clean).toBe(true);
		// No id the old session still held was reused with DUP 0 (MQTT-2.3.1-2): mosquitto says so when one is.
		expect(broker.log).not.toMatch(/Reused message ID/);
		expect(heard.slice(heardBefore).filter((m) => m.topic === STATE).length).toBeGreaterThan(0);
		// Every reading the second run sent reached the subscriber once.
		const sent = new Set(gate.sent.filter((p) => p.cmd === "publish" && p.topic === TELEMETRY && p.payload?.includes('"t":25')).map((p) => p.payload));
		for (const payload of sent) expect(readingsOf(payload ?? "")).toBe(1);
	}, 60_000);
});
