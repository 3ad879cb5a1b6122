/**
 * `npm start -- --protocol coap`: the firmware's CoAP server on a printed port, and a
 * small collector (node-coap, 127.0.0.1) that prints what the firmware POSTs, unless
 * --collector names another. Prints the coap-client commands that read, switch and
 * observe the lamp. Sleepy, the device serves nothing (it sleeps): each wake POSTs its
 * reading to the collector. Never returns: Ctrl-C or SIGTERM stops the firmware, then the
 * collector, and exits.
 */
import coap from "coap";
import { freeUdpPort } from "../../testkit/peers/ports";
import { startFirmware } from "./firmware";
import { runSleepyDevice } from "./sleepy";
import type { View } from "./view";

export interface CoapDemoOptions {
	readonly view: View;
	/** The device's CoAP port. */
	readonly port: number;
	readonly collector?: string;
	/** The firmware's overrides (launcher/plan.ts), protocol=coap among them. */
	readonly overrides: readonly string[];
	readonly sleepy: boolean;
}

async function startCollector(view: View): Promise<{ url: string; close(): Promise<void> }> {
	const server = coap.createServer((req, res) => {
		view.event({ event: "collected", method: req.method, path: req.url, payload: req.payload.toString() }, JSON.stringify({ event: "collected", method: req.method, path: req.url, payload: req.payload.toString() }));
		res.code = req.method === "POST" ? "2.04" : "4.05";
		res.end();
	});
	const port = await freeUdpPort();
	await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
	return { url: `coap://127.0.0.1:${port}/readings`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export async function runCoapDemo(options: CoapDemoOptions): Promise<never> {
	const { view, port } = options;
	const collector = options.collector ? undefined : await startCollector(view);
	const collectorUrl = options.collector ?? collector?.url ?? "";
	const lamp = `coap://127.0.0.1:${port}/lamp`;
	view.ready({
		broker: collectorUrl,
		embedded: collector !== undefined,
		commands: options.sleepy
			? { watch: "the collector's lines below: one reading a wake" }
			: {
					switch: `coap-client-notls -m put -e on ${lamp}`,
					read: `coap-client-notls ${lamp}`,
					watch: `coap-client-notls -s 60 ${lamp}`,
					discover: `coap-client-notls coap://127.0.0.1:${port}/.well-known/core`,
				},
	});
	const args = ["--set", `coapPort=${port}`, "--set", `collector=${collectorUrl}`, ...options.overrides.flatMap((o) => ["--set", o])];
	const onEvent = (event: Parameters<typeof view.event>[0], line: string) => view.event(event, line);
	const firmware = options.sleepy ? runSleepyDevice(args, onEvent) : startFirmware(args, onEvent);
	let stopping = false;
	const shutdown = async () => {
		if (stopping) return;
		stopping = true;
		await firmware.stop();
		await collector?.close();
		process.exit(0);
	};
	process.on("SIGINT", shutdown);
	process.on("SIGTERM", shutdown);
	const code = await firmware.exited;
	await collector?.close();
	process.exit(code ?? 1);
}
