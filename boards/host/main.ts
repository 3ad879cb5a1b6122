/**
 * The firmware on a laptop: the same startFirmware a device runs, on the host board.
 *
 *   tsx boards/host/main.ts [--broker mqtt://host:port] [--set key=value]...
 *                           [--retained file [--wake timer|button|reset]]
 *                           [--dht22 temperature=21.4,humidity=48,spikes=2,failureRate=0.1,failure=checksum]
 *
 * Prints one JSON line per event. SIGINT/SIGTERM stop cleanly: "offline" is published
 * and DISCONNECT sent, so the broker keeps the will for real failures. With --retained
 * the board can deep sleep: the bytes it retains live in that file, and sleeping ends
 * the process (exit code 0 after a "deep-sleep" event); whoever started it starts it
 * again when the sleep is over.
 */
import { parseArgs } from "node:util";
import { reportStartupError, startFirmware, type RunningApp } from "../../src/app/firmware";
import { SimulatedDht22 } from "../simulated/dht22";
import { HostBoard } from "./board";
import { parseDht22Options } from "./dht22-options";
import { hostConfig } from "./config";

const { values } = parseArgs({
	options: {
		broker: { type: "string" },
		set: { type: "string", multiple: true, default: [] },
		retained: { type: "string" },
		wake: { type: "string" },
		dht22: { type: "string" },
	},
});

const WAKE_CAUSES = ["timer", "button", "reset"] as const;
const wakeCause = WAKE_CAUSES.find((cause) => cause === values.wake);
const board = new HostBoard({
	dht22: new SimulatedDht22(parseDht22Options(values.dht22 ?? "")),
	retainedPath: values.retained,
	// Always-on, a start with the file there is a restart, not a timer wake.
	wakeCause: wakeCause ?? (hostConfig(values.set ?? []).mode === "sleepy" ? undefined : "reset"),
	onDeepSleep(ms, wake) {
		board.log("deep-sleep", { ms, wakePin: wake?.pin, wakeLevel: wake?.level });
		// Exit once the line is out: the process is the chip, and it is now asleep.
		process.stdout.write("", () => process.exit(0));
	},
});
let app: RunningApp;
try {
	const overrides = [...(values.set ?? [])];
	if (values.broker) overrides.push(`broker=${values.broker}`);
	app = startFirmware(board, hostConfig(overrides), { wifi: false });
} catch (error) {
	reportStartupError(board, error);
	process.exit(2);
}

let stopping = false;
const stop = () => {
	if (stopping) return;
	stopping = true;
	// Exit once the DISCONNECT is flushed and the socket closed; never hang on a dead peer.
	setTimeout(() => process.exit(0), 5000).unref();
	app.stop().then(() => board.log("stopped"));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
