/**
 * Always-on over MQTT with cleanSession false, across restarts (issue 16, finding 2):
 * each restart is a fresh firmware on a fresh board sharing only the retained bytes
 * (RTC memory survives a reset) and the broker, which keeps the session. The broker
 * receives QoS 2 as a strict one does and counts a reused id with DUP 0 a violation.
 */
import { describe, it, check } from "./test-api";
import { startFirmware } from "../../src/app/firmware";
import type { RunningDevice } from "../../src/app/always-on";
import { type Packet, type PublishPacket } from "../../src/mqtt/packet";
import { CONNECT, DISCONNECT, PUBLISH, PUBREL, SUBSCRIBE } from "../../testkit/portable/mqtt-types";
import { decodeSessionState } from "../../src/mqtt/state";
import { slotCapacity } from "../../src/power/retained-store";
import { parseConfig } from "../../src/app/firmware";
import { sleepyVocabulary } from "../../src/app/retained-vocabulary";
import { DeviceBoard, FakePower, retainedIn, run } from "../../testkit/portable/device-board";
import { MiniBroker } from "../../testkit/portable/mini-broker";

const CONFIG = { broker: "mqtt://broker.local", clientId: "lamp-1", cleanSession: "false", qos: "2", readingInterval: "3600", buttonPin: "-1", lampPin: "2" };
const STATUS = "home/office/lamp/status";
const STATE = "home/office/lamp/state";
const TELEMETRY = "home/office/dht22";

async function boot(power: FakePower, broker: MiniBroker, temperature = 19.5): Promise<{ board: DeviceBoard; app: RunningDevice }> {
	const board = new DeviceBoard({ power, dht22: { temperature, humidity: 51 } });
	board.broker = broker;
	const app = startFirmware(board, CONFIG, { wifi: false }) as RunningDevice;
	await run(board, 200);
	return { board, app };
}

function connect(broker: MiniBroker, connection: number): { clean: boolean } {
	const first = broker.received[connection][0];
	if (first.type !== CONNECT) throw new Error("no CONNECT first");
	return { clean: first.cleanSession };
}

function of(broker: MiniBroker, connection: number, type: typeof PUBLISH): PublishPacket[];
function of(broker: MiniBroker, connection: number, type: number): Packet[];
function of(broker: MiniBroker, connection: number, type: number): Packet[] {
	return broker.received[connection].filter((p) => p.type === type);
}

function ids(packets: readonly Packet[]): number[] {
	return packets.map((p) => ("packetId" in p ? (p.packetId ?? -1) : -1));
}

/** The session the next boot would restore. */
function retainedSession(power: FakePower) {
	const decoded = retainedIn(power);
	if (!("state" in decoded)) throw new Error(`no retained state: ${decoded.discarded}`);
	return decodeSessionState(decoded.state.session, sleepyVocabulary(parseConfig(CONFIG, { wifi: false })));
}

describe("Always-on persistent MQTT session across restarts", () => {
	it("a restart mid-flight resumes: same ids, DUP 1, the PUBREL again, nothing lost or doubled", async () => {
		const power = new FakePower();
		const broker = new MiniBroker();
		// Nothing acknowledged: the status (QoS 1) and the reading (QoS 2) wait for PUBACK and PUBREC;
		// the state (QoS 2) gets its PUBREC, and its PUBREL then waits for PUBCOMP.
		broker.holdAcks.set(STATUS, Infinity);
		broker.holdAcks.set(TELEMETRY, Infinity);
		broker.holdCompletes = Infinity;
		await boot(power, broker);
		// Connection 0 was the clean start of a boot with nothing retained (adapters/mqtt.ts).
		// The health report (QoS 0, no packet id, nothing to resume) is not the point here.
		const first = of(broker, 1, PUBLISH).filter((p) => p.qos > 0);
		const id = (topic: string) => first.find((p) => p.topic === topic)?.packetId ?? -1;
		check(first.map((p) => p.topic).sort()).toEqual([TELEMETRY, STATE, STATUS].sort());
		check(ids(of(broker, 1, PUBREL))).toEqual([id(STATE)]);
		const reading = broker.published.find((p) => p.topic === TELEMETRY)?.payload;
		check(reading).toMatch(/^\{"t":19\.5/);
		// Kept as it happened: what a reset now would resume.
		const kept = retainedSession(power);
		check(kept.inflight.length).toBe(3);
		check(kept.inflight.filter((m) => m.released)).toHaveLength(1);

		// Reset. The broker acknowledges from now on.
		broker.holdAcks.clear();
		broker.holdCompletes = 0;
		const { board } = await boot(power, broker, 23);
		check(connect(broker, 2).clean).toBe(false);
		const again = of(broker, 2, PUBLISH).filter((p) => p.qos > 0);
		for (const topic of [STATUS, TELEMETRY]) {
			const resent = again.find((p) => p.topic === topic && p.packetId === id(topic));
			check(resent?.dup).toBe(true);
			check(resent?.payload).toEqual(first.find((p) => p.topic === topic)?.payload);
		}
		check(ids(of(broker, 2, PUBREL))).toContain(id(STATE));
		// The released state is never published again (4.3.3-1).
		check(again.filter((p) => p.topic === STATE && p.packetId === id(STATE))).toHaveLength(0);
		// The subscription is the broker's still: not made again.
		check(of(broker, 2, SUBSCRIBE)).toHaveLength(0);
		// New messages take ids after the old ones, not 1 again.
		const fresh = again.filter((p) => !p.dup);
		check(fresh.length).toBeGreaterThan(0);
		for (const p of fresh) check(p.packetId ?? 0).toBeGreaterThan(Math.max(id(STATUS), id(STATE), id(TELEMETRY)));
		check(broker.violations).toEqual([]);
		// Exactly once at QoS 2: the first reading reached subscribers once.
		check(broker.published.filter((p) => p.topic === TELEMETRY && p.payload === reading)).toHaveLength(1);
		check(broker.published.filter((p) => p.topic === TELEMETRY).length).toBeGreaterThan(1);
		check(board.events("error")).toEqual([]);
		// All acknowledged now, and the memory says so.
		check(retainedSession(power).inflight).toEqual([]);
	});

	it("with no retained state (a power cut), starts clean once, then keeps the session", async () => {
		const broker = new MiniBroker();
		broker.holdAcks.set(TELEMETRY, Infinity);
		broker.holdAcks.set(STATE, Infinity);
		await boot(new FakePower(), broker);
		// The broker holds QoS 2 ids from that run, unreleased. A power cut: the memory is gone.
		broker.holdAcks.clear();
		const power = new FakePower();
		const { board } = await boot(power, broker, 22.5);
		// A clean connection that only discards the old session (CONNECT, DISCONNECT), then the new session.
		check(connect(broker, 2).clean).toBe(true);
		check(broker.received[2].map((p) => p.type)).toEqual([CONNECT, DISCONNECT]);
		check(connect(broker, 3).clean).toBe(false);
		check(of(broker, 3, SUBSCRIBE)).toHaveLength(1);
		check(broker.violations).toEqual([]);
		check(broker.retained.get(STATE)).toBe("off");
		check(broker.published.some((p) => p.topic === TELEMETRY && p.payload.includes('"t":22.5'))).toBe(true);
		// The link drops: the session outlives it, so nothing is subscribed again.
		board.lastStream.drop(new Error("ECONNRESET"));
		await run(board, 3000);
		check(broker.received.length).toBe(5);
		check(connect(broker, 4).clean).toBe(false);
		check(of(broker, 4, SUBSCRIBE)).toHaveLength(0);
		// A reset now resumes instead (the memory was written once the new session was online).
		await boot(power, broker);
		check(broker.received.length).toBe(6);
		check(connect(broker, 5).clean).toBe(false);
		check(broker.violations).toEqual([]);
	});

	it("a corrupt record is discarded and the session starts clean", async () => {
		const power = new FakePower();
		const broker = new MiniBroker();
		broker.holdAcks.set(TELEMETRY, Infinity);
		await boot(power, broker);
		const region = power.retained as Uint8Array;
		const half = slotCapacity(power.retainedCapacity);
		// A bit flipped inside each slot's record.
		region[20] ^= 0x10;
		region[half + 20] ^= 0x10;
		broker.holdAcks.clear();
		const { board } = await boot(power, broker);
		check(board.events("retained-discarded").length).toBeGreaterThan(0);
		check(connect(broker, 2).clean).toBe(true);
		check(connect(broker, 3).clean).toBe(false);
		check(broker.violations).toEqual([]);
	});

	it("writes retained memory once per burst, not once per packet", async () => {
		const power = new FakePower();
		const broker = new MiniBroker();
		const { board, app } = await boot(power, broker);
		const writes = () => {
			const decoded = retainedIn(power);
			return "state" in decoded ? decoded.state.writes : 0;
		};
		const before = writes();
		// Ten QoS 2 readings at once: 10 PUBLISH, 10 PUBREC, 10 PUBREL, 10 PUBCOMP.
		const sent = [];
		for (let i = 0; i < 10; i++) sent.push(app.uplink.publishReading(`{"t":${20 + i},"h":50,"ts":1764000000}`));
		await run(board, 200);
		await Promise.all(sent);
		check(writes() - before).toBeLessThanOrEqual(4);
		check(retainedSession(power).inflight).toEqual([]);
		// A quiet minute (keep-alive pings) writes nothing.
		const quiet = writes();
		await run(board, 60_000, 100);
		check(writes()).toBe(quiet);
	});

	it("keeps what fits the ESP8266's slot and reports what it drops", async () => {
		const power = new FakePower();
		const broker = new MiniBroker();
		const { board, app } = await boot(power, broker);
		broker.holdAcks.set(TELEMETRY, Infinity);
		for (let i = 0; i < 16; i++) void app.uplink.publishReading(`{"t":${20 + i},"h":50,"ts":1764000000}`).catch(() => undefined);
		await run(board, 200);
		const errors = board.events("error").filter((e) => e.code === "RETAINED_TOO_LARGE");
		check(errors.length).toBeGreaterThan(0);
		const kept = retainedSession(power).inflight.length;
		check(kept).toBeGreaterThan(5);
		check(kept).toBeLessThan(16);
		// A reset resends what was kept, with its ids, and nothing the broker would call a duplicate.
		broker.holdAcks.clear();
		await boot(power, broker);
		check(of(broker, 2, PUBLISH).filter((p) => p.dup)).toHaveLength(kept);
		check(broker.violations).toEqual([]);
	});
});
