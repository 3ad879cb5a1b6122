/**
 * A persistent MQTT session with nothing retained (first boot, a power cut, a record that
 * fails its check) must not continue the broker's stale one (issue 16): the old session
 * still holds QoS 2 ids awaiting PUBREL, and a new message reusing one with DUP 0 is
 * dropped by a strict broker as a duplicate (MQTT-2.3.1-2). The broker here is that strict
 * one (testkit/portable/mini-broker.ts), in 3.1.1 and in 5.0; each wake or boot is a fresh
 * firmware on a fresh board sharing only retained memory and the broker.
 */
import { describe, it, check } from "./test-api";
import { startFirmware } from "../../src/app/firmware";
import { type ConnectPacket } from "../../src/mqtt/packet";
import { CONNECT, DISCONNECT, SUBSCRIBE } from "../../testkit/portable/mqtt-types";
import { decodeSessionState } from "../../src/mqtt/state";
import { parseConfig } from "../../src/app/firmware";
import { sleepyVocabulary } from "../../src/app/retained-vocabulary";
import { slotCapacity } from "../../src/power/retained-store";
import { DeviceBoard, FakePower, retainedIn, run, SLEEPY_CONFIG } from "../../testkit/portable/device-board";
import { MiniBroker } from "../../testkit/portable/mini-broker";

const STATE = "home/office/lamp/state";
const TELEMETRY = "home/office/dht22";
const SLEEPY = { ...SLEEPY_CONFIG, qos: "2" };
const ALWAYS_ON = { broker: "mqtt://broker.local", clientId: "lamp-1", cleanSession: "false", qos: "2", readingInterval: "3600", buttonPin: "-1", lampPin: "2" };

/** One sleepy wake, until it asks to deep sleep. */
async function wake(power: FakePower, broker: MiniBroker | undefined, config: Record<string, string>): Promise<DeviceBoard> {
	const board = new DeviceBoard({ power, dht22: { temperature: 21.4, humidity: 48.2 } });
	board.broker = broker;
	const sleeps = power.sleeps.length;
	startFirmware(board, config, { wifi: false });
	for (let t = 0; t < 15_000 && power.sleeps.length === sleeps; t += 50) await run(board, 50, 5);
	if (power.sleeps.length === sleeps) throw new Error("the firmware never went to sleep");
	return board;
}

/** A broker holding the session of an earlier life of `clientId`: QoS 2 ids 1 to 8 received, never released. */
function staleBroker(clientId: string): MiniBroker {
	const broker = new MiniBroker();
	broker.sessions.set(clientId, { subscriptions: new Map(), queue: [], awaitingRelease: new Set([1, 2, 3, 4, 5, 6, 7, 8]), nextId: 1 });
	return broker;
}

function connects(broker: MiniBroker): { clean: boolean; then: number[] }[] {
	return broker.received.map((packets) => ({ clean: (packets[0] as ConnectPacket).cleanSession, then: packets.slice(1).map((p) => p.type) }));
}

for (const version of ["3.1.1", "5"]) {
	const v = { mqttVersion: version };
	describe(`A persistent MQTT ${version} session with nothing retained starts empty`, () => {
		it("sleepy, first boot against a stale session: a clean connection first, then a session that persists, no id reused", async () => {
			const broker = staleBroker("sensor-1");
			const power = new FakePower();
			await wake(power, broker, { ...SLEEPY, ...v });
			check(broker.violations).toEqual([]);
			const [clean, session] = connects(broker);
			check(clean).toEqual({ clean: true, then: [DISCONNECT] });
			check(session.clean).toBe(false);
			check(session.then.filter((t) => t === SUBSCRIBE)).toHaveLength(1);
			check(broker.retained.get(STATE)).toBe("off");
			check(broker.published.filter((p) => p.topic === TELEMETRY)).toHaveLength(1);
			// The next wake continues that session: one connection, nothing subscribed again.
			await wake(power, broker, { ...SLEEPY, ...v });
			check(broker.received).toHaveLength(3);
			check(connects(broker)[2].clean).toBe(false);
			check(connects(broker)[2].then.filter((t) => t === SUBSCRIBE)).toHaveLength(0);
			check(broker.published.filter((p) => p.topic === TELEMETRY)).toHaveLength(2);
			check(broker.violations).toEqual([]);
		});

		it("sleepy, both retained slots corrupt: starts clean the same way", async () => {
			const power = new FakePower();
			const broker = new MiniBroker();
			await wake(power, broker, { ...SLEEPY, ...v });
			const half = slotCapacity(power.retainedCapacity);
			(power.retained as Uint8Array)[10] ^= 0x40;
			(power.retained as Uint8Array)[half + 10] ^= 0x40;
			// Meanwhile the broker still holds ids of the lost session.
			for (const id of [1, 2, 3, 4, 5, 6, 7, 8]) broker.sessions.get("sensor-1")?.awaitingRelease.add(id);
			await wake(power, broker, { ...SLEEPY, ...v });
			check(connects(broker)[2]).toEqual({ clean: true, then: [DISCONNECT] });
			check(connects(broker)[3].clean).toBe(false);
			check(broker.violations).toEqual([]);
		});

		it("sleepy, a first wake that never reached the broker: it retains its reading and says the next wake must start clean", async () => {
			const power = new FakePower();
			const lost = await wake(power, undefined, { ...SLEEPY, ...v });
			check(lost.events("sleep")[0].reason).toBe("no-network");
			const kept = retainedIn(power);
			if (!("state" in kept) || !kept.state.session) throw new Error("nothing retained");
			const session = decodeSessionState(kept.state.session, sleepyVocabulary(parseConfig({ ...SLEEPY, ...v }, { wifi: false }), ["lampnode/sensor-1/wake"]));
			check(session.nextPacketId).toBe(0);
			check(session.queued.length).toBeGreaterThan(0);
			const broker = staleBroker("sensor-1");
			await wake(power, broker, { ...SLEEPY, ...v });
			check(connects(broker)[0]).toEqual({ clean: true, then: [DISCONNECT] });
			check(broker.violations).toEqual([]);
			// The kept reading and this wake's both arrive.
			check(broker.published.filter((p) => p.topic === TELEMETRY)).toHaveLength(2);
		});

		it("always-on, a power cut against a stale session: the same clean start, then the session persists", async () => {
			const broker = staleBroker("lamp-1");
			const board = new DeviceBoard({ power: new FakePower(), dht22: { temperature: 19.5, humidity: 51 } });
			board.broker = broker;
			const app = startFirmware(board, { ...ALWAYS_ON, ...v }, { wifi: false });
			await run(board, 200);
			check(broker.violations).toEqual([]);
			check(connects(broker)[0]).toEqual({ clean: true, then: [DISCONNECT] });
			check(connects(broker)[1].clean).toBe(false);
			check(broker.retained.get(STATE)).toBe("off");
			check(broker.received[1][0].type).toBe(CONNECT);
			const stopped = app.stop();
			await run(board, 200);
			await stopped;
		});
	});
}
