/**
 * The firmware's own Wi-Fi join (app/network-join.ts) on a virtual clock, with a scripted
 * station: sleepy wakes bounded by networkDeadline, fast reconnect from the retained
 * access point and channel with a fall back to a full join, always-on retrying.
 */
import { describe, it, check } from "./test-api";
import type { JoinHint, JoinResult, Network, StaticAddress } from "../../src/common/board";
import { startFirmware } from "../../src/app/firmware";
import { parseConfig } from "../../src/app/firmware";
import { expectConfigError } from "./errors";
import { FAST_JOIN_MS, joinThenStart, joinWithin } from "../../src/app/network-join";
import { decodeJoinHint, encodeJoinHint, JOIN_HINT_BYTES, reserveJoinHint } from "../../src/app/network-join";
import { sntpRequest, sntpSeconds } from "../../src/common/sntp";
import { DeviceBoard, FakePower, retainedIn, run, SLEEPY_CONFIG } from "../../testkit/portable/device-board";
import { FakeBoard } from "../../testkit/portable/fake-board";
import { MiniBroker } from "../../testkit/portable/mini-broker";

const AP_1: JoinHint = { bssid: Uint8Array.of(0x18, 0x64, 0x72, 0x47, 0xd4, 0x32), channel: 6 };
const AP_2: JoinHint = { bssid: Uint8Array.of(0x02, 0x00, 0x00, 0x00, 0x00, 0x02), channel: 11 };

/** How the scripted station answers one attempt: after `ms`, or never. */
type Answer = { readonly ms: number; readonly result: JoinResult } | "never";

class FakeNetwork implements Network {
	readonly attempts: { at: number; hint: JoinHint | undefined; address: StaticAddress | undefined }[] = [];
	cancels = 0;
	#pending: (() => void) | undefined;

	constructor(
		readonly board: FakeBoard,
		readonly answer: (hint: JoinHint | undefined, attempt: number) => Answer,
	) {}

	join(hint: JoinHint | undefined, done: (result: JoinResult) => void, address?: StaticAddress): void {
		this.attempts.push({ at: this.board.now(), hint, address });
		const answer = this.answer(hint, this.attempts.length);
		if (answer === "never") return;
		let live = true;
		this.#pending = () => (live = false);
		this.board.setTimer(() => live && done(answer.result), answer.ms);
	}

	cancel(): void {
		this.cancels++;
		this.#pending?.();
	}
}

class WifiBoard extends DeviceBoard {
	network: FakeNetwork | undefined;
}

const joined = (hint?: JoinHint): Answer => ({ ms: 300, result: { joined: true, hint } });
const refused: Answer = { ms: 200, result: { joined: false, reason: "authentication" } };

const SECRET_SSID = "Kitchen-Net-7731";
const SECRET_PASSWORD = "hunter2-very-secret";
const CONFIG = { ...SLEEPY_CONFIG, ssid: SECRET_SSID, password: SECRET_PASSWORD };

/** One sleepy wake on a board whose station answers as `answer` says; runs until deep sleep. */
async function wake(power: FakePower, broker: MiniBroker | undefined, answer: FakeNetwork["answer"], extra: Readonly<Record<string, string>> = {}): Promise<WifiBoard> {
	const board = new WifiBoard({ power, dht22: { temperature: 21.4, humidity: 48.2 } });
	board.broker = broker;
	board.network = new FakeNetwork(board, answer);
	const sleeps = power.sleeps.length;
	startFirmware(board, { ...CONFIG, ...extra }, { wifi: true });
	for (let t = 0; t < 15_000 && power.sleeps.length === sleeps; t += 50) await run(board, 50, 5);
	if (power.sleeps.length === sleeps) throw new Error("the firmware never went to sleep");
	return board;
}

describe("Wi-Fi join, sleepy", () => {
	it("a refused passphrase ends the wake at networkDeadline: no-network, the network left, the reading kept", async () => {
		const power = new FakePower();
		const broker = new MiniBroker();
		const board = await wake(power, broker, () => refused);
		const sleep = board.events("sleep")[0];
		check(sleep.reason).toBe("no-network");
		check(sleep.awakeMs as number).toBeGreaterThanOrEqual(5000);
		check(sleep.awakeMs as number).toBeLessThan(5100);
		check(board.events("wifi").filter((e) => e.state === "gave-up")).toHaveLength(1);
		check(board.events("wifi").filter((e) => e.state === "retry")[0]?.reason).toBe("authentication");
		check(board.network?.cancels as number).toBeGreaterThan(0);
		// Never near the broker without a network, and the reading waits in retained memory.
		check(board.streams).toHaveLength(0);
		const state = retainedIn(power);
		check("state" in state && state.state.protocol).toBe("mqtt");
		// The next wake, with Wi-Fi back, delivers it.
		await wake(power, broker, () => joined(AP_1));
		// The kept reading and this wake's own.
		check(broker.published.filter((p) => p.topic === "home/office/dht22")).toHaveLength(2);
	});

	it("a station that never answers is stopped at the deadline too", async () => {
		const board = new FakeBoard();
		const network = new FakeNetwork(board, () => "never");
		let up: boolean | undefined;
		void joinWithin(board, network, undefined, 4000).then((result) => (up = result));
		await run(board, 3990);
		check(up).toBe(undefined);
		await run(board, 20);
		check(up).toBe(false);
		check(network.cancels).toBeGreaterThan(0);
		check(board.events("wifi").map((e) => e.state)).toEqual(["gave-up"]);
	});

	it("keeps the access point and channel, and the next wake reconnects straight to them", async () => {
		const power = new FakePower();
		const broker = new MiniBroker();
		const first = await wake(power, broker, () => joined(AP_1));
		check(first.network?.attempts.map((a) => a.hint)).toEqual([undefined]);
		check(first.events("sleep")[0].reason).toBe("done");
		const second = await wake(power, broker, (hint) => (hint ? joined(AP_1) : "never"));
		check(second.network?.attempts).toHaveLength(1);
		check(second.network?.attempts[0].hint?.channel).toBe(6);
		check([...(second.network?.attempts[0].hint?.bssid ?? [])]).toEqual([...AP_1.bssid]);
		check(second.events("wifi")[0]).toEqual({ state: "joined", fast: true, ms: 300 });
		check(second.events("sleep")[0].reason).toBe("done");
		// The wake's own record is intact beside the hint.
		const state = retainedIn(new FakePower(power.retained?.subarray(0, power.retainedCapacity - JOIN_HINT_BYTES), "timer", power.retainedCapacity - JOIN_HINT_BYTES));
		check("state" in state && state.state.bootCount).toBe(2);
	});

	it("falls back to a full join when the fast one fails, and keeps the new access point", async () => {
		const power = new FakePower();
		const broker = new MiniBroker();
		await wake(power, broker, () => joined(AP_1));
		// The access point moved: the hinted attempt is refused, the full scan finds AP_2.
		const second = await wake(power, broker, (hint) => (hint ? { ms: 150, result: { joined: false, reason: "disconnected" } } : joined(AP_2)));
		check(second.network?.attempts.map((a) => a.hint?.channel)).toEqual([6, undefined]);
		check(second.events("wifi").map((e) => e.state)).toEqual(["fast-failed", "joined"]);
		check(second.events("sleep")[0].reason).toBe("done");
		const third = await wake(power, broker, (hint) => (hint ? joined(hint) : "never"));
		check(third.network?.attempts[0].hint?.channel).toBe(11);
		// A hinted attempt that hangs is given FAST_JOIN_MS, then the full join has the rest of the deadline.
		const fourth = await wake(power, broker, (hint) => (hint ? "never" : joined(AP_2)));
		const [fast, full] = fourth.network?.attempts ?? [];
		check(full.at - fast.at).toBe(FAST_JOIN_MS);
		check(fourth.events("sleep")[0].reason).toBe("done");
	});

	it("never puts the network's name or passphrase in a log", async () => {
		const power = new FakePower();
		const boards = [await wake(power, undefined, () => refused), await wake(power, new MiniBroker(), () => joined(AP_1))];
		for (const board of boards) {
			const text = JSON.stringify(board.logs);
			check(text.includes(SECRET_SSID)).toBe(false);
			check(text.includes(SECRET_PASSWORD)).toBe(false);
		}
	});
});

const STATIC = { staticIp: "192.168.1.50", gatewayIp: "192.168.1.1" };
const STATIC_ADDRESS: StaticAddress = { ip: "192.168.1.50", gateway: "192.168.1.1", netmask: "255.255.255.0", dns: "192.168.1.1" };

describe("Wi-Fi join, static address", () => {
	it("sleepy: every attempt, the fast one and the full one after it, takes the configured address", async () => {
		const power = new FakePower();
		const broker = new MiniBroker();
		const first = await wake(power, broker, () => joined(AP_1), STATIC);
		check(first.network?.attempts.map((a) => a.address)).toEqual([STATIC_ADDRESS]);
		const second = await wake(power, broker, (hint) => (hint ? "never" : joined(AP_1)), { ...STATIC, netmask: "255.255.0.0", dns: "9.9.9.9" });
		const changed = { ...STATIC_ADDRESS, netmask: "255.255.0.0", dns: "9.9.9.9" };
		check(second.network?.attempts.map((a) => [a.hint?.channel, a.address])).toEqual([
			[6, changed],
			[undefined, changed],
		]);
		check(second.events("sleep")[0].reason).toBe("done");
	});

	it("without staticIp no address goes to the network (DHCP), in either mode", async () => {
		const power = new FakePower();
		const wakes = [await wake(power, new MiniBroker(), (hint) => (hint ? refused : joined(AP_1)))];
		wakes.push(await wake(power, new MiniBroker(), (hint) => (hint ? refused : joined(AP_1))));
		// The second wake's fast attempt, refused, then its full one.
		check(wakes.map((w) => w.network?.attempts.length)).toEqual([1, 2]);
		const always = new WifiBoard({ dht22: { temperature: 21.4, humidity: 48.2 } });
		always.broker = new MiniBroker();
		always.network = new FakeNetwork(always, () => joined(AP_1));
		const app = startFirmware(always, { ...CONFIG, mode: "always-on" }, { wifi: true });
		await run(always, 1000, 50);
		for (const attempt of [...wakes.flatMap((w) => w.network?.attempts ?? []), ...always.network.attempts]) check(attempt.address).toBe(undefined);
		check(always.network.attempts.length).toBe(1);
		const stopping = app.stop();
		await run(always, 2000, 50);
		await stopping;
	});

	it("always-on: every retry takes the configured address", async () => {
		const board = new WifiBoard({ dht22: { temperature: 21.4, humidity: 48.2 } });
		board.broker = new MiniBroker();
		board.network = new FakeNetwork(board, (_hint, n) => (n <= 2 ? refused : joined(AP_1)));
		const app = startFirmware(board, { ...CONFIG, ...STATIC, mode: "always-on" }, { wifi: true });
		await run(board, 10_000, 100);
		check(board.network.attempts.map((a) => a.address)).toEqual([STATIC_ADDRESS, STATIC_ADDRESS, STATIC_ADDRESS]);
		check(board.events("connected")).toHaveLength(1);
		const stopping = app.stop();
		await run(board, 2000, 50);
		await stopping;
	});

	it("a bad static address stops the firmware before any join, naming the key", () => {
		const board = new WifiBoard({});
		board.network = new FakeNetwork(board, () => joined(AP_1));
		expectConfigError(() => startFirmware(board, { ...CONFIG, staticIp: "192.168.1.50" }, { wifi: true }), "gatewayIp");
		check(board.network.attempts).toHaveLength(0);
	});
});

describe("Wi-Fi join, always-on", () => {
	it("retries with backoff until joined, and only then starts the protocol", async () => {
		const board = new WifiBoard({ dht22: { temperature: 21.4, humidity: 48.2 } });
		board.broker = new MiniBroker();
		board.network = new FakeNetwork(board, (_hint, n) => (n <= 3 ? refused : n === 4 ? "never" : joined(AP_1)));
		const app = startFirmware(board, { ...CONFIG, mode: "always-on" }, { wifi: true });
		await run(board, 20_000, 100);
		check(board.streams).toHaveLength(0);
		// Full jitter below min(60 s, 1 s x 2^n): four waits of at most 1 + 2 + 4 + 8 s, and the 30 s timeout.
		await run(board, 60_000, 250);
		check(board.network.attempts.length).toBe(5);
		const retries = board.events("wifi").filter((e) => e.state === "retry");
		check(retries.map((e) => e.reason)).toEqual(["authentication", "authentication", "authentication", "timeout"]);
		check(board.events("wifi").filter((e) => e.state === "joined")).toHaveLength(1);
		check(board.events("connected")).toHaveLength(1);
		check(board.streams.length).toBeGreaterThan(0);
		const stopping = app.stop();
		await run(board, 2000, 50);
		await stopping;
	});

	it("stop() during the retries ends them", async () => {
		const board = new FakeBoard();
		const network = new FakeNetwork(board, () => refused);
		let started = 0;
		const app = joinThenStart(board, network, () => {
			started++;
			return { stop: async () => undefined };
		});
		await run(board, 5000, 50);
		const attempts = network.attempts.length;
		await app.stop();
		await run(board, 300_000, 500);
		check(network.attempts.length).toBe(attempts);
		check(started).toBe(0);
	});
});

describe("Join hint record", () => {
	it("round-trips, and refuses blank, torn or impossible bytes", () => {
		const bytes = encodeJoinHint(AP_1);
		check(bytes.length).toBe(JOIN_HINT_BYTES);
		const back = decodeJoinHint(bytes);
		check(back?.channel).toBe(6);
		check([...(back?.bssid ?? [])]).toEqual([...AP_1.bssid]);
		check(decodeJoinHint(new Uint8Array(JOIN_HINT_BYTES))).toBe(undefined);
		check(decodeJoinHint(new Uint8Array(JOIN_HINT_BYTES).fill(0xff))).toBe(undefined);
		for (let bit = 0; bit < 7 * 8; bit++) {
			const torn = bytes.slice();
			torn[bit >> 3] ^= 1 << (bit & 7);
			const decoded = decodeJoinHint(torn);
			// One check byte: every single-bit flip of the first 7 bytes is caught.
			check(decoded).toBe(undefined);
		}
	});

	it("shares retained memory with the wake's record without either touching the other", () => {
		const power = new FakePower(undefined, "reset", 64);
		const split = reserveJoinHint(power);
		check(split.power.retainedCapacity).toBe(64 - JOIN_HINT_BYTES);
		split.power.writeRetained(new Uint8Array(56).fill(7));
		split.hints.write(AP_2);
		split.power.writeRetained(new Uint8Array(56).fill(9));
		const again = reserveJoinHint(power);
		check(again.hints.read()?.channel).toBe(11);
		check([...(again.power.readRetained() ?? [])]).toEqual(new Array(56).fill(9));
		again.hints.write(undefined);
		check(reserveJoinHint(power).hints.read()).toBe(undefined);
		check([...(reserveJoinHint(power).power.readRetained() ?? [])]).toEqual(new Array(56).fill(9));
	});
});

describe("Join hint beside chained sleeps", () => {
	it("passes the chip's sleep limit and the radio choice through to the board", () => {
		const power = new FakePower(undefined, "reset", 64, 3_600_000);
		const { power: record } = reserveJoinHint(power);
		check(record.maxSleepMs).toBe(3_600_000);
		record.deepSleep(1000, undefined, "off");
		check(power.sleeps).toEqual([{ ms: 1000, wake: undefined, radio: "off" }]);
	});

	it("a leg wake of a chained sleep starts no join (the radio may be off; a join costs the battery)", async () => {
		// sleepInterval 60 s on a chip that times 30 s at most: one leg, then the real wake.
		const power = new FakePower(undefined, "reset", undefined, 30_000);
		const broker = new MiniBroker();
		const first = await wake(power, broker, () => joined(AP_1));
		check(first.network?.attempts).toHaveLength(1);
		check(power.sleeps[0]).toEqual({ ms: 30_000, wake: undefined, radio: "off" });
		const leg = await wake(power, broker, () => joined(AP_1));
		check(leg.events("sleep-leg")).toHaveLength(1);
		check(leg.network?.attempts).toHaveLength(0);
		const real = await wake(power, broker, () => joined(AP_1));
		check(real.events("sleep-leg")).toHaveLength(0);
		check(real.network?.attempts).toHaveLength(1);
	});
});

describe("SNTP", () => {
	it("asks as a version 4 client and reads a server's transmit time", () => {
		const request = sntpRequest();
		check(request.length).toBe(48);
		check(request[0]).toBe(0x23);
		const reply = new Uint8Array(48);
		reply[0] = 0x24; // version 4, server
		reply[1] = 2;
		new DataView(reply.buffer).setUint32(40, 1_764_000_000 + 2_208_988_800);
		check(sntpSeconds(reply)).toBe(1_764_000_000);
		const kiss = reply.slice();
		kiss[1] = 0;
		check(sntpSeconds(kiss)).toBe(undefined);
		check(sntpSeconds(request)).toBe(undefined);
		check(sntpSeconds(reply.subarray(0, 40))).toBe(undefined);
	});
});

describe("An image without TLS", () => {
	it("refuses an mqtts:// broker at start, naming the key", () => {
		const raw = { ssid: "x", broker: "mqtts://broker.example", clientId: "c" };
		expectConfigError(() => parseConfig(raw, { wifi: true, tls: false }), "broker");
		check(parseConfig(raw, { wifi: true }).protocol).toBe("mqtt");
		check(parseConfig({ ...raw, broker: "mqtt://broker.example" }, { wifi: true, tls: false }).protocol).toBe("mqtt");
	});
});
