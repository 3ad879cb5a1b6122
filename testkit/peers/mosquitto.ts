/**
 * A real mosquitto for interop tests: its own config file in a temporary folder, free
 * loopback ports, optional TLS listener and persistence. The test starts and stops it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Certificates } from "./certs";
import { freeTcpPort, waitForTcp } from "./ports";
import { findExecutable } from "./require-peer";

export interface MosquittoOptions {
	readonly tls?: Certificates;
	/** The TLS listener asks every client for a certificate from the CA of `tls` and refuses those without one. */
	readonly requireCertificate?: boolean;
	/** Keep sessions and queued messages on disk across restarts. */
	readonly persistence?: boolean;
	/**
	 * Save after every change instead of every second. It narrows what a SIGKILL loses but
	 * does not close it: mosquitto 2.0.11 still acknowledges before it saves.
	 */
	readonly saveEveryChange?: boolean;
	/** More mosquitto.conf lines, after the defaults (a later line wins): e.g. `max_topic_alias 2`. */
	readonly settings?: readonly string[];
}

export class Mosquitto {
	readonly port: number;
	readonly tlsPort: number | undefined;
	readonly #config: string;
	readonly #lines: readonly string[];
	readonly #dir: string;
	#process: ChildProcess | undefined;
	#log = "";

	private constructor(dir: string, config: string, lines: readonly string[], port: number, tlsPort: number | undefined) {
		this.#dir = dir;
		this.#config = config;
		this.#lines = lines;
		this.port = port;
		this.tlsPort = tlsPort;
	}

	static async start(options: MosquittoOptions = {}): Promise<Mosquitto> {
		const dir = mkdtempSync(join(tmpdir(), "lampnode-mosquitto-"));
		const port = await freeTcpPort();
		const tlsPort = options.tls ? await freeTcpPort() : undefined;
		const lines = [
			"per_listener_settings false",
			"allow_anonymous true",
			`listener ${port} 127.0.0.1`,
			// Run as root means "drop to user mosquitto", which could not read this folder.
			...(process.getuid?.() === 0 ? ["user root"] : []),
			"log_dest stderr",
			"log_type error",
			"log_type warning",
			`persistence ${options.persistence ? "true" : "false"}`,
			`persistence_location ${dir}/`,
			"autosave_interval 1",
			...(options.saveEveryChange ? ["autosave_on_changes true"] : []),
			"max_queued_messages 100000",
			// mosquitto 2.0.11 (Debian 12) stops delivering queued outgoing QoS 2 messages for
			// good once max_inflight_messages (20) are in flight, to MQTT.js as to us; the
			// inflight-quota fixes came in 2.0.13 (eclipse-mosquitto/mosquitto#2362). 0 lifts
			// the quota so the tests exercise our client, not that bug.
			"max_inflight_messages 0",
			...(options.settings ?? []),
		];
		if (options.tls && tlsPort)
			lines.push(
				`listener ${tlsPort} 127.0.0.1`,
				`cafile ${options.tls.caFile}`,
				`certfile ${options.tls.certFile}`,
				`keyfile ${options.tls.keyFile}`,
				...(options.requireCertificate ? ["require_certificate true"] : []),
			);
		const config = join(dir, "mosquitto.conf");
		const broker = new Mosquitto(dir, config, lines, port, tlsPort);
		await broker.restart();
		return broker;
	}

	get url(): string {
		return `mqtt://127.0.0.1:${this.port}`;
	}

	/** What mosquitto logged (errors and warnings), for failure messages. */
	get log(): string {
		return this.#log;
	}

	/** Starts mosquitto again on the same ports and files (after `kill`); `settings` after the first ones (a later line wins): a server that comes back configured otherwise. */
	async restart(settings: readonly string[] = []): Promise<void> {
		const executable = findExecutable("mosquitto");
		if (!executable) throw new Error("mosquitto is not installed");
		writeFileSync(this.#config, [...this.#lines, ...settings].join("\n") + "\n");
		const child = spawn(executable, ["-c", this.#config], { stdio: ["ignore", "ignore", "pipe"] });
		child.stderr?.on("data", (chunk: Buffer) => (this.#log += chunk.toString()));
		this.#process = child;
		await waitForTcp(this.port);
		if (this.tlsPort) await waitForTcp(this.tlsPort);
	}

	/** SIGKILL: a crash, no chance to save anything after the last autosave. */
	async kill(): Promise<void> {
		await this.#signal("SIGKILL");
	}

	async stop(): Promise<void> {
		await this.#signal("SIGTERM");
		rmSync(this.#dir, { recursive: true, force: true });
	}

	async #signal(signal: NodeJS.Signals): Promise<void> {
		const child = this.#process;
		this.#process = undefined;
		if (!child || child.exitCode !== null) return;
		const exited = new Promise((resolve) => child.once("exit", resolve));
		child.kill(signal);
		await exited;
	}
}
