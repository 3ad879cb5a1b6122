/**
 * `wake.mqtt5.*` rows: bytes on the wire per sleepy wake over MQTT 5.0 against 3.1.1
 * (the baseline column), from the firmware's own sleepy cycle (src/app/sleepy.ts) on the
 * virtual-clock device board with the in-process broker (testkit/portable): no sockets,
 * no timing, so the figures are exact and the same on every run. Counted at the board's
 * stream: every byte the firmware wrote and every byte the broker delivered, from
 * CONNECT to the close. Three wakes of each kind: the first (the session made and
 * subscribed), a steady one (reading, status, wake marker), and one that collects a
 * command queued while the device slept.
 */
import { startFirmware } from "../../src/app/firmware";
import type { Stream, StreamOptions } from "../../src/common/board";
import { DeviceBoard, FakePower, run, SLEEPY_CONFIG } from "../../testkit/portable/device-board";
import type { FakeStream } from "../../testkit/portable/fake-board";
import { MiniBroker } from "../../testkit/portable/mini-broker";
import { row, type Row } from "./measure";

export interface WakeBytes {
	readonly sent: number;
	readonly received: number;
}

/** The device board, counting what crosses its streams. */
class CountingBoard extends DeviceBoard {
	sent = 0;
	received = 0;

	override connectStream(options: StreamOptions): Stream {
		const stream = super.connectStream(options) as FakeStream;
		const write = stream.write.bind(stream);
		stream.write = (bytes) => {
			this.sent += bytes.length;
			write(bytes);
		};
		const deliver = stream.deliver.bind(stream);
		stream.deliver = (bytes) => {
			if (!stream.closed) this.received += bytes.length;
			deliver(bytes);
		};
		return stream;
	}
}

/** One wake, as after a deep sleep: a fresh board sharing only the retained bytes and the broker. */
async function wake(power: FakePower, broker: MiniBroker, config: Record<string, string>): Promise<WakeBytes> {
	const board = new CountingBoard({ power, dht22: { temperature: 21.4, humidity: 48.2 } });
	board.broker = broker;
	const sleeps = power.sleeps.length;
	startFirmware(board, { ...SLEEPY_CONFIG, qos: "1", ...config }, { wifi: false });
	for (let t = 0; t < 15_000 && power.sleeps.length === sleeps; t += 50) await run(board, 50, 5);
	if (power.sleeps.length === sleeps) throw new Error("the firmware never went to sleep");
	// The DISCONNECT and the close come just after the decision to sleep.
	await run(board, 20, 5);
	return { sent: board.sent, received: board.received };
}

/** The first, a steady and a command-collecting wake's bytes for one config. */
export async function wakeBytes(config: Record<string, string>): Promise<{ first: WakeBytes; steady: WakeBytes; command: WakeBytes }> {
	const power = new FakePower();
	const broker = new MiniBroker();
	const first = await wake(power, broker, config);
	await wake(power, broker, config);
	const steady = await wake(power, broker, config);
	broker.publish("home/office/lamp", "on");
	const command = await wake(power, broker, config);
	return { first, steady, command };
}

export async function wakeBytesRows(): Promise<Row[]> {
	const v311 = await wakeBytes({});
	const v5 = await wakeBytes({ mqttVersion: "5" });
	const total = (w: WakeBytes) => w.sent + w.received;
	return [
		row("wake.mqtt5.bytes", "bytes sent+received per steady sleepy wake, MQTT 5 vs 3.1.1", false, total(v5.steady), total(v311.steady)),
		row("wake.mqtt5.sent", "bytes sent per steady sleepy wake, MQTT 5 vs 3.1.1", false, v5.steady.sent, v311.steady.sent),
		row("wake.mqtt5.received", "bytes received per steady sleepy wake, MQTT 5 vs 3.1.1", false, v5.steady.received, v311.steady.received),
		row("wake.mqtt5.command", "bytes sent+received, a wake collecting one command, MQTT 5 vs 3.1.1", false, total(v5.command), total(v311.command)),
		row("wake.mqtt5.first", "bytes sent+received, the first wake (session made), MQTT 5 vs 3.1.1", false, total(v5.first), total(v311.first)),
	];
}
