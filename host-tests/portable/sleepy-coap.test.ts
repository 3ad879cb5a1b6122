/**
 * Sleepy wakes over CoAP on a virtual clock, each a fresh firmware sharing only the
 * retained bytes: a CON reading the collector never acknowledged is retained and POSTed
 * again by the next wake, within a cap; NON readings are never waited for nor kept.
 */
import { describe, it, check } from "./test-api";
import { startFirmware } from "../../src/app/firmware";
import { CoapServer } from "../../src/coap/server";
import { readUtf8 } from "../../src/common/utf8";
import { decodeCoapState, MAX_PENDING_READINGS } from "../../src/app/adapters/coap-state";
import { sleepyVocabulary } from "../../src/app/retained-vocabulary";
import { parseConfig } from "../../src/app/firmware";
import { DeviceBoard, FakePower, retainedIn } from "../../testkit/portable/device-board";
import { run } from "../../testkit/portable/coap-wire";

const CONFIG = { protocol: "coap", mode: "sleepy", collector: "coap://127.0.0.1:6000/readings", coapPort: "5683", sleepInterval: "60", maxAwake: "10", networkDeadline: "5", buttonPin: "-1", lampPin: "2" };

/** One wake; with `posts`, a collector is there and records what it was POSTed. */
async function wake(power: FakePower, temperature: number, posts: string[] | undefined, config: Record<string, string> = CONFIG): Promise<DeviceBoard> {
	const board = new DeviceBoard({ power, dht22: { temperature, humidity: 50 } });
	if (posts) {
		const collector = new CoapServer(board, { port: 6000 });
		collector.add("/readings", {
			post: (request) => {
				posts.push(readUtf8(request.payload));
				return {};
			},
		});
	}
	const sleeps = power.sleeps.length;
	startFirmware(board, config, { wifi: false });
	for (let t = 0; t < 20_000 && power.sleeps.length === sleeps; t += 50) await run(board, 50, 5);
	if (power.sleeps.length === sleeps) throw new Error("the firmware never went to sleep");
	return board;
}

/** The readings the next wake will POST again. */
function pending(power: FakePower, config: Record<string, string> = CONFIG): string[] {
	const kept = retainedIn(power);
	if (!("state" in kept)) return [];
	return [...decodeCoapState(kept.state.session, sleepyVocabulary(parseConfig(config, { wifi: false }))).pending];
}

const temperatures = (posts: string[]) => posts.map((p) => (JSON.parse(p) as { t: number }).t);

describe("Sleepy wake cycle (CoAP)", () => {
	it("CON: a reading the collector never acknowledged is retained, and the next wake delivers it first", async () => {
		const power = new FakePower();
		const posts: string[] = [];
		const first = await wake(power, 20, posts);
		check(first.events("sleep")[0].reason).toBe("done");
		check(pending(power)).toEqual([]);
		const lost = await wake(power, 21, undefined);
		check(lost.events("sleep")[0].reason).toBe("max-awake");
		check(pending(power).map((p) => (JSON.parse(p) as { t: number }).t)).toEqual([21]);
		const back = await wake(power, 22, posts);
		check(back.events("sleep")[0].reason).toBe("done");
		check(temperatures(posts)).toEqual([20, 21, 22]);
		check(pending(power)).toEqual([]);
		check(back.events("error")).toEqual([]);
	});

	it("CON: keeps at most the newest few readings while the collector stays away, and says so", async () => {
		const power = new FakePower();
		const posts: string[] = [];
		let dropped = 0;
		for (let n = 0; n < MAX_PENDING_READINGS + 2; n++) {
			const board = await wake(power, 10 + n, undefined);
			dropped += board.events("warning").filter((e) => String(e.message).startsWith("CoAP reading not delivered")).length;
			check(pending(power)).toHaveLength(Math.min(n + 1, MAX_PENDING_READINGS));
		}
		check(dropped).toBe(2);
		await wake(power, 30, posts);
		check(temperatures(posts)).toEqual([12, 13, 14, 15, 30]);
	});

	it("NON: nothing waited for and nothing retained", async () => {
		const power = new FakePower();
		const non = { ...CONFIG, coapType: "non" };
		const board = await wake(power, 20, undefined, non);
		check(board.events("sleep")[0].reason).toBe("done");
		check(pending(power, non)).toEqual([]);
		// With a collector there, the reading (a request without response) arrives, and nothing went wrong.
		const posts: string[] = [];
		const delivered = await wake(power, 23, posts, non);
		check(temperatures(posts)).toEqual([23]);
		check(delivered.events("error")).toEqual([]);
		check(pending(power, non)).toEqual([]);
	});
});
