/**
 * Drives Moddable's XS engine as built by the npm package @agoric/xsnap: its
 * `xsnap-worker` reads netstring commands on fd 3 and answers on fd 4. Every answer
 * carries XS's meter (computrons, bytes allocated, heap slots): deterministic figures for
 * the engine the firmware runs on, used by the XS test run and the benchmarks.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Readable, Writable } from "node:stream";

export interface XsMeter {
	/** Computrons: XS's count of executed operations. */
	readonly compute: number;
	/** Bytes XS allocated (chunks). */
	readonly allocate: number;
	/** Slots in the heap (each 16 bytes on 32-bit, 32 on 64-bit). */
	readonly currentHeapCount: number;
}

export interface XsReply {
	readonly meter: XsMeter;
	/** What an `evaluate` returned, when it was an ArrayBuffer. */
	readonly result: Uint8Array;
}

export function xsnapWorkerPath(): string {
	const require = createRequire(import.meta.url);
	const root = dirname(require.resolve("@agoric/xsnap/package.json"));
	const path = join(root, "xsnap-native/xsnap/build/bin/lin/release/xsnap-worker");
	if (!existsSync(path))
		throw new Error(`xsnap-worker is not built at ${path}: npm must run @agoric/xsnap's install script (package.json "allowScripts")`);
	return path;
}

export class XsMachine {
	readonly #child: ChildProcess;
	readonly #toWorker: Writable;
	#received = Buffer.alloc(0);
	#waiting: { resolve: (reply: Buffer) => void; reject: (error: Error) => void } | undefined;
	#output = "";
	#exited: Error | undefined;

	/** Starts a fresh XS machine. `print` output is collected in `output`. */
	constructor() {
		this.#child = spawn(xsnapWorkerPath(), [], { stdio: ["ignore", "pipe", "pipe", "pipe", "pipe"] });
		this.#toWorker = this.#child.stdio[3] as Writable;
		const fromWorker = this.#child.stdio[4] as Readable;
		fromWorker.on("data", (chunk: Buffer) => {
			this.#received = Buffer.concat([this.#received, chunk]);
			this.#deliver();
		});
		this.#child.stdout?.on("data", (chunk: Buffer) => (this.#output += chunk.toString()));
		this.#child.stderr?.on("data", (chunk: Buffer) => (this.#output += chunk.toString()));
		this.#child.on("exit", (code, signal) => {
			this.#exited = new Error(`xsnap-worker exited (${signal ?? code}): ${this.#output.slice(-2000)}`);
			this.#waiting?.reject(this.#exited);
			this.#waiting = undefined;
		});
	}

	/** What the engine printed (print(), and errors it reported on stderr). */
	get output(): string {
		return this.#output;
	}

	/** Runs a script file (not a module) and drains its promise jobs. */
	async runScript(path: string): Promise<XsMeter> {
		return (await this.#command(`s${path}`)).meter;
	}

	/** Evaluates `code`; if it returns an ArrayBuffer, that is `result`. */
	evaluate(code: string): Promise<XsReply> {
		return this.#command(`e${code}`);
	}

	async close(): Promise<void> {
		if (this.#exited) return;
		const exited = new Promise((resolve) => this.#child.once("exit", resolve));
		this.#toWorker.end(netstring("q"));
		await exited;
	}

	async #command(command: string): Promise<XsReply> {
		if (this.#exited) throw this.#exited;
		if (this.#waiting) throw new Error("one command at a time");
		const reply = await new Promise<Buffer>((resolve, reject) => {
			this.#waiting = { resolve, reject };
			this.#toWorker.write(netstring(command));
		});
		const status = String.fromCharCode(reply[0]);
		if (status === "!") throw new Error(`XS: ${reply.subarray(1).toString() || "the script threw"}\n${this.#output.slice(-2000)}`);
		if (status !== ".") throw new Error(`xsnap-worker answered "${status}"`);
		const separator = reply.indexOf(1);
		const meter = JSON.parse(reply.subarray(1, separator).toString()) as XsMeter;
		return { meter, result: new Uint8Array(reply.subarray(separator + 1)) };
	}

	#deliver(): void {
		const colon = this.#received.indexOf(0x3a);
		if (colon < 0) return;
		const length = Number(this.#received.subarray(0, colon).toString());
		const end = colon + 1 + length;
		if (this.#received.length < end + 1) return;
		const payload = this.#received.subarray(colon + 1, end);
		this.#received = this.#received.subarray(end + 1);
		const waiting = this.#waiting;
		this.#waiting = undefined;
		waiting?.resolve(Buffer.from(payload));
	}
}

function netstring(text: string): Buffer {
	const body = Buffer.from(text);
	return Buffer.concat([Buffer.from(`${body.length}:`), body, Buffer.from(",")]);
}
