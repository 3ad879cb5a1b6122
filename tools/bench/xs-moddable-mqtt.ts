/**
 * The baseline for the XS MQTT rows: the Moddable SDK's own MQTT client
 * (`$MODDABLE/modules/network/mqtt/mqtt.js`), read from the SDK at run time and never
 * copied into this repository, bundled with a small adapter: a fake `socket` that hands
 * the client one packet per read and swallows writes, and `timer`/`time` stand-ins whose
 * timers fire when the bench says (the client defers its callbacks to a timer).
 * `ArrayBuffer.fromString` / `String.fromArrayBuffer` are Moddable's native extensions;
 * here they go through xsnap's native TextEncoder/TextDecoder, so they stay native.
 *
 * The entry defines, like xs-meter.ts's: `runBatch(id, count)` with a "none" operation,
 * and `connectModdable()` (a connected client with one subscription kept in `kept`).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { build, type Plugin } from "esbuild";

const ADAPTER = `
export const timers = [];
export default class Timer {
	static set(callback, delay, repeat) { const t = { callback, repeat }; timers.push(t); return t; }
	static repeat(callback, interval) { return Timer.set(callback, interval, interval); }
	static clear(t) { const i = timers.indexOf(t); if (i >= 0) timers.splice(i, 1); }
}
/** Runs the one-shot timers due now (the client's deferred callbacks). */
export function fireTimers() {
	for (let i = 0; i < timers.length; ) {
		const t = timers[i];
		if (t.repeat) { i++; continue; }
		timers.splice(i, 1);
		t.callback();
	}
}
export const Time = { ticks: 0, delta: (a, b) => (b ?? Time.ticks) - a };
export class Socket {
	static last;
	written = 0;
	#reading;
	constructor(options) { Socket.last = this; }
	/** The peer connected / sent one packet (an ArrayBuffer). */
	accept() { this.callback(1); }
	deliver(buffer) { this.#reading = buffer; this.callback(2, buffer.byteLength); this.#reading = undefined; fireTimers(); }
	read() { return this.#reading; }
	write(buffer) { this.written += buffer.byteLength; }
	close() {}
}
export class Client { constructor() { throw new Error("no websocket in the bench"); } }
const encoder = new TextEncoder();
const decoder = new TextDecoder();
ArrayBuffer.fromString = (text) => encoder.encode(text).buffer;
String.fromArrayBuffer = (buffer) => decoder.decode(buffer);
globalThis.trace = () => undefined;
`;

const ENTRY = `
import MqttClient from "sdk-mqtt";
import { Socket, fireTimers } from "adapter";

const TOPIC = "home/office/dht22";
const payload = new Uint8Array(64).map((_, i) => 32 + (i % 90)).buffer;
const incoming = Uint8Array.of(0x30, 2 + 16 + 64, 0, 16, ...Array.from("home/office/lamp", (c) => c.charCodeAt(0)), ...new Uint8Array(payload)).buffer;

function connected(onMessage) {
	const client = new MqttClient({ host: "127.0.0.1", port: 1883, id: "lampnode-office-1", timeout: 60_000, Socket });
	const socket = Socket.last;
	client.onReady = () => client.subscribe("home/office/lamp");
	client.onMessage = onMessage;
	socket.accept();
	socket.deliver(Uint8Array.of(0x20, 2, 0, 0).buffer);
	socket.deliver(Uint8Array.of(0x90, 3, 0, 2, 0).buffer);
	return { client, socket };
}

let received = 0;
const sender = connected(() => undefined);
const receiver = connected(() => received++);
const operations = {
	none: () => undefined,
	send: () => sender.client.publish(TOPIC, payload),
	receive: () => receiver.socket.deliver(incoming),
};
globalThis.runBatch = (id, count) => {
	const operation = operations[id];
	if (!operation) throw new Error("no operation " + id);
	for (let i = 0; i < count; i++) operation();
};
globalThis.receivedCount = () => received;
globalThis.connectModdable = () => { globalThis.kept = connected(() => undefined); };
`;

/** The SDK's mqtt.js, or undefined when MODDABLE is unset or has no such file. */
export function moddableMqttPath(): string | undefined {
	const sdk = process.env.MODDABLE;
	if (!sdk) return undefined;
	const path = join(sdk, "modules/network/mqtt/mqtt.js");
	return existsSync(path) ? path : undefined;
}

/** A classic script for XS: the SDK's client, the adapter and the entry above. */
export async function bundleModdableMqtt(mqttJs: string): Promise<string> {
	const adapter: Plugin = {
		name: "moddable-adapter",
		setup(builder) {
			builder.onResolve({ filter: /^sdk-mqtt$/ }, () => ({ path: mqttJs }));
			builder.onResolve({ filter: /^(adapter|socket|timer|time|websocket)$/ }, (args) => ({ path: args.path, namespace: "adapter" }));
			builder.onLoad({ filter: /.*/, namespace: "adapter" }, (args) => {
				const name = args.path;
				const contents =
					name === "adapter"
						? ADAPTER
						: name === "timer"
							? `export { default } from "adapter";`
							: name === "time"
								? `import { Time } from "adapter"; export default Time;`
								: name === "socket"
									? `export { Socket } from "adapter";`
									: `export { Client } from "adapter";`;
				return { contents, loader: "js", resolveDir: "/" };
			});
		},
	};
	const result = await build({
		stdin: { contents: ENTRY, loader: "js", resolveDir: "/", sourcefile: "moddable-entry.js" },
		bundle: true,
		write: false,
		format: "iife",
		platform: "neutral",
		target: "es2022",
		logLevel: "silent",
		plugins: [adapter],
	});
	return result.outputFiles[0].text;
}
