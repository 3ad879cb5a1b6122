/**
 * Sleepy wakes over MQTT-SN on a virtual clock, with the sleeping-client procedure: each
 * wake is a fresh firmware sharing only the retained bytes and the gateway.
 */
import { describe, it, check } from "./test-api";
import { startFirmware } from "../../src/app/firmware";
import * as sn from "../../src/mqttsn/packet";
import { sleepDuration, SLEEPY_MQTTSN_PORT } from "../../src/app/sleepy-mqttsn-timing";
import { DeviceBoard, FakePower, run } from "../../testkit/portable/device-board";
import { MiniGateway } from "../../testkit/portable/mini-gateway";
import { expectConfigError } from "./errors";
import { parseConfig } from "../../src/app/firmware";

const CONFIG = {
	protocol: "mqttsn",
	gateway: "udp://127.0.0.1:10000",
	mode: "sleepy",
	clientId: "sensor-sn",
	sleepInterval: "60",
	maxAwake: "10",
	networkDeadline: "5",
	buttonPin: "-1",
	lampPin: "2",
};

async function wake(power: FakePower, gateway: MiniGateway): Promise<DeviceBoard> {
	const board = new DeviceBoard({ power, dht22: { temperature: -10.1, humidity: 99.9 } });
	board.gateway = gateway;
	const sleeps = power.sleeps.length;
	startFirmware(board, CONFIG, { wifi: false });
	for (let t = 0; t < 15_000 && power.sleeps.length === sleeps; t += 50) await run(board, 50, 5);
	if (power.sleeps.length === sleeps) throw new Error("the firmware never went to sleep");
	return board;
}

describe("Sleepy wake cycle (MQTT-SN sleeping client)", () => {
	it("first wake: connects with the will, subscribes, publishes the reading, sleeps with DISCONNECT(duration)", async () => {
		const power = new FakePower();
		const gateway = new MiniGateway();
		const board = await wake(power, gateway);
		check(board.events("sleep")[0].reason).toBe("done");
		check(gateway.asleep).toBe(true);
		check(gateway.sleepDuration).toBe(105);
		check(gateway.published.find((p) => p.topic === "home/office/dht22")?.payload).toMatch(/^\{"t":-10\.1,"h":99\.9,"ts":\d+\}$/);
		check(gateway.retained.get("home/office/lamp/status")).toMatch(/"status":"asleep"/);
		check(gateway.received[0]).toContain(sn.MsgType.SUBSCRIBE);
	});

	it("20 wakes: later ones collect buffered commands with PINGREQ, no REGISTER or SUBSCRIBE again", async () => {
		const power = new FakePower();
		const gateway = new MiniGateway();
		await wake(power, gateway);
		gateway.publish("home/office/lamp", "on");
		const second = await wake(power, gateway);
		check(second.outputs.get(2)).toBe(1);
		check(gateway.retained.get("home/office/lamp/state")).toBe("on");
		for (let n = 0; n < 18; n++) await wake(power, gateway);
		const later = gateway.received.slice(1);
		check(later.every((types) => types[0] === sn.MsgType.PINGREQ)).toBe(true);
		check(later.every((types) => !types.includes(sn.MsgType.REGISTER) && !types.includes(sn.MsgType.SUBSCRIBE))).toBe(true);
		check(gateway.published.filter((p) => p.topic === "home/office/dht22")).toHaveLength(20);
		check(gateway.asleep).toBe(true);
	});

	it("with the gateway silent sleeps at the network deadline, keeps the reading and the sleeping session", async () => {
		const power = new FakePower();
		const gateway = new MiniGateway();
		await wake(power, gateway);
		gateway.silent = true;
		const lost = await wake(power, gateway);
		check(lost.events("sleep")[0].reason).toBe("no-network");
		// Still asleep at the gateway: no DISCONNECT ended the sleeping session.
		check(gateway.received[1]).not.toContain(sn.MsgType.DISCONNECT);
		gateway.silent = false;
		await wake(power, gateway);
		check(gateway.published.filter((p) => p.topic === "home/office/dht22")).toHaveLength(3);
		check(gateway.received[2][0]).toBe(sn.MsgType.PINGREQ);
	});

	it("a PINGREQ the gateway drops is sent again, then replaced by CONNECT (clean session false) within the wake", async () => {
		const power = new FakePower();
		const gateway = new MiniGateway();
		await wake(power, gateway);
		gateway.dropPingreq = true;
		const board = await wake(power, gateway);
		const sleep = board.events("sleep")[0];
		check(sleep.reason).toBe("done");
		// Tretry is a fifth of the 5 s network deadline: PINGREQ at 0 and 1 s, CONNECT at 2 s.
		check(sleep.awakeMs as number).toBeGreaterThanOrEqual(2000);
		check(sleep.awakeMs as number).toBeLessThan(2500);
		check(gateway.received[1].slice(0, 3)).toEqual([sn.MsgType.PINGREQ, sn.MsgType.PINGREQ, sn.MsgType.CONNECT]);
		check(gateway.lastConnect).toEqual({ duration: 118, cleanSession: false, will: true });
		check(board.events("warning").map((e) => e.message)).toEqual(["no PINGRESP to 2 PINGREQs: the gateway does not hold this sleeping session"]);
		check(gateway.published.filter((p) => p.topic === "home/office/dht22")).toHaveLength(2);
		check(gateway.asleep).toBe(true);
	});

	it("a resumed session the gateway forgot reconnects and still counts its commands collected (sleeps done, not at maxAwake)", async () => {
		const power = new FakePower();
		const gateway = new MiniGateway();
		await wake(power, gateway);
		gateway.forgotten = true;
		const board = await wake(power, gateway);
		const sleep = board.events("sleep")[0];
		check(sleep.reason).toBe("done");
		check(sleep.awakeMs as number).toBeLessThan(2000);
		check(gateway.received[1].slice(0, 2)).toEqual([sn.MsgType.PINGREQ, sn.MsgType.CONNECT]);
		check(gateway.published.filter((p) => p.topic === "home/office/dht22")).toHaveLength(2);
	});

	it("connects with a keep-alive longer than a sleep and a wake, so the broker does not publish the will while it sleeps", async () => {
		const gateway = new MiniGateway();
		await wake(new FakePower(), gateway);
		// 60 s asleep and 10 s awake at most: 1.25 x 70 + 30 s.
		check(gateway.lastConnect?.duration).toBe(118);
		check(gateway.lastConnect!.duration * 1000).toBeGreaterThan(60_000 + 10_000);
	});

	it("tells the gateway a sleep long enough to boot and reconnect in, within the 16-bit field", () => {
		check(sleepDuration(60)).toBe(105);
		check(sleepDuration(86_400)).toBe(65_535);
	});
});

describe("Sleepy MQTT-SN defaults for gateways that know clients by address", () => {
	const parse = (raw: Record<string, string>) => {
		const config = parseConfig({ protocol: "mqttsn", gateway: "udp://gw.local", clientId: "sensor-sn", buttonPin: "-1", ...raw }, { wifi: false });
		if (config.protocol !== "mqttsn") throw new Error("expected the mqttsn protocol");
		return config.mqttsn;
	};

	it("sleepy: a fixed local port, Tretry a fifth of the network deadline, a keep-alive over a whole cycle", () => {
		const sleepy = parse({ mode: "sleepy" });
		check(sleepy.localPort).toBe(SLEEPY_MQTTSN_PORT);
		check(SLEEPY_MQTTSN_PORT).toBe(1885);
		// networkDeadline 10 s: PINGREQ at 0 and 2 s, CONNECT at 4 s, 6 s, 8 s.
		check(sleepy.tRetry).toBe(2000);
		// sleepInterval 300 s + maxAwake 30 s, with the sleep duration's margins.
		check(sleepy.keepAlive).toBe(443);
		check(sleepy.keepAlive * 1.5 * 1000).toBeGreaterThan(300_000 + 30_000);
		const long = parse({ mode: "sleepy", sleepInterval: "86400", maxAwake: "60", networkDeadline: "30" });
		check([long.keepAlive, long.tRetry]).toEqual([65_535, 6000]);
		// Always-on keeps the specification's timers and any free port.
		const alwaysOn = parse({});
		check([alwaysOn.localPort, alwaysOn.tRetry, alwaysOn.keepAlive]).toEqual([0, 10_000, 60]);
	});

	it("sleepy: takes explicit values that work, refuses a Tretry near the deadline and a keep-alive shorter than a cycle", () => {
		check(parse({ mode: "sleepy", mqttsnPort: "0", tRetry: "3000", keepAlive: "331" })).toEqual({ ...parse({ mode: "sleepy" }), localPort: 0, tRetry: 3000, keepAlive: 331 });
		check(parse({ mode: "sleepy", keepAlive: "0" }).keepAlive).toBe(0);
		// The old defaults: Tretry equal to the 10 s network deadline, 60 s keep-alive against a 300 s sleep.
		expectConfigError(() => parse({ mode: "sleepy", tRetry: "10000" }), "tRetry");
		expectConfigError(() => parse({ mode: "sleepy", tRetry: "3334" }), "tRetry");
		expectConfigError(() => parse({ mode: "sleepy", keepAlive: "60" }), "keepAlive");
		expectConfigError(() => parse({ mode: "sleepy", keepAlive: "330" }), "keepAlive");
		// QoS -1 never connects: neither applies.
		check(parse({ mode: "sleepy", qos: "-1", telemetryTopic: "t1", tRetry: "10000", keepAlive: "60" }).tRetry).toBe(10_000);
	});
});

describe("Sleepy wake cycle (MQTT-SN QoS -1, publish without connection)", () => {
	const QOS_MINUS_ONE = { ...CONFIG, qos: "-1", predefinedTopics: "home/office/dht22=7" };

	it("sends the reading as one datagram to the predefined topic and sleeps, with no CONNECT and nothing received", async () => {
		for (let n = 0; n < 3; n++) {
			const power = new FakePower();
			const gateway = new MiniGateway();
			const board = new DeviceBoard({ power, dht22: { temperature: 21.5 + n, humidity: 40 } });
			board.gateway = gateway;
			startFirmware(board, QOS_MINUS_ONE, { wifi: false });
			for (let t = 0; t < 15_000 && power.sleeps.length === 0; t += 50) await run(board, 50, 5);
			check(board.events("sleep")[0]?.reason).toBe("done");
			check(gateway.received).toEqual([[sn.MsgType.PUBLISH]]);
			check(gateway.published).toEqual([{ topic: "#7", payload: gateway.published[0]?.payload }]);
			check(gateway.published[0]?.payload).toMatch(new RegExp(`^\\{"t":${21.5 + n},"h":40`));
			// The status topic has no predefined id: skipped, said once, nothing sent for it.
			check(board.events("warning").length).toBeGreaterThan(0);
		}
	});

	it("is refused unless the device is sleepy, the gateway configured and the telemetry topic predefined or short", () => {
		expectConfigError(() => parseConfig({ ...QOS_MINUS_ONE, mode: "always-on" }, { wifi: false }), "qos");
		const { gateway: _gateway, ...discovered } = QOS_MINUS_ONE;
		expectConfigError(() => parseConfig(discovered, { wifi: false }), "gateway");
		expectConfigError(() => parseConfig({ ...QOS_MINUS_ONE, predefinedTopics: "other=3" }, { wifi: false }), "predefinedTopics");
		check(parseConfig({ ...QOS_MINUS_ONE, predefinedTopics: undefined, telemetryTopic: "t1" }, { wifi: false }).protocol).toBe("mqttsn");
	});
});
