/**
 * Sleepy wakes over coaps on a virtual clock: each wake a fresh firmware sharing only the
 * retained bytes with the next, and one collector (a CoAP server with the key) that stays
 * up. The first wake runs the full handshake and retains the session; the next resumes it
 * (the abbreviated handshake, no cookie); a collector that forgot the
 * session gets a full handshake instead, and the reading still arrives.
 */
import { describe, it, check } from "./test-api";
import { startFirmware } from "../../src/app/firmware";
import { CoapServer } from "../../src/coap/server";
import { encodeUtf8, readUtf8 } from "../../src/common/utf8";
import { CoapClient } from "../../src/coap/client";
import { ProtocolError } from "../../src/common/errors";
import { FakeBoard } from "../../testkit/portable/fake-board";
import { decodeCoapState } from "../../src/app/adapters/coap-state";
import { sleepyVocabulary } from "../../src/app/retained-vocabulary";
import { parseConfig } from "../../src/app/firmware";
import { dtlsLayer, type DtlsEvent } from "../../src/dtls/layer";
import { DeviceBoard, FakePower, retainedIn } from "../../testkit/portable/device-board";
import { run } from "../../testkit/portable/coap-wire";

const KEY_HEX = "000102030405060708090a0b0c0d0e0f";
const KEY = new Uint8Array(16).map((_, i) => i);
const CONFIG = { protocol: "coap", mode: "sleepy", collector: "coaps://127.0.0.1:6000/readings", coapPskIdentity: "sensor", coapPsk: KEY_HEX, coapPort: "5684", sleepInterval: "60", maxAwake: "20", networkDeadline: "5", buttonPin: "-1", lampPin: "2" };

function collector(board: DeviceBoard, posts: string[], events: DtlsEvent[]): CoapServer {
	const server = new CoapServer(board, {
		port: 6000,
		dtls: { layer: dtlsLayer, lookup: (identity) => (readUtf8(identity) === "sensor" ? KEY : undefined), onEvent: (event) => events.push(event) },
	});
	server.add("/readings", {
		post: (request) => {
			posts.push(readUtf8(request.payload));
			return {};
		},
	});
	return server;
}

/** One wake on `board`, until the firmware sleeps. */
async function wake(board: DeviceBoard, power: FakePower): Promise<void> {
	const sleeps = power.sleeps.length;
	startFirmware(board, CONFIG, { wifi: false });
	for (let t = 0; t < 30_000 && power.sleeps.length === sleeps; t += 50) await run(board, 50, 5);
	if (power.sleeps.length === sleeps) throw new Error("the firmware never went to sleep");
}

function retainedSession(power: FakePower): Uint8Array | undefined {
	const kept = retainedIn(power);
	if (!("state" in kept)) return undefined;
	return decodeCoapState(kept.state.session, sleepyVocabulary(parseConfig(CONFIG, { wifi: false }))).session?.sessionId;
}

describe("Sleepy wake cycle (coaps)", () => {
	it("retains the DTLS session and resumes it on the next wake", async () => {
		const power = new FakePower();
		const board = new DeviceBoard({ power, dht22: { temperature: 20, humidity: 50 } });
		const posts: string[] = [];
		const events: DtlsEvent[] = [];
		collector(board, posts, events);
		await wake(board, power);
		check(posts).toHaveLength(1);
		check(retainedSession(power)?.length).toBe(32);
		await wake(board, power);
		check(posts).toHaveLength(2);
		check(events.filter((e) => e.kind === "established").map((e) => e.resumed)).toEqual([false, true]);
		check(board.logs.filter((l) => l.event === "error")).toEqual([]);
		check(JSON.stringify(board.logs)).not.toContain(KEY_HEX);
	});

	it("a collector that forgot the session answers with a full handshake, and the reading arrives", async () => {
		const power = new FakePower();
		const first = new DeviceBoard({ power, dht22: { temperature: 20, humidity: 50 } });
		const posts: string[] = [];
		const events: DtlsEvent[] = [];
		collector(first, posts, events);
		await wake(first, power);
		const restarted = new DeviceBoard({ power, dht22: { temperature: 21, humidity: 50 } });
		collector(restarted, posts, events);
		await wake(restarted, power);
		check(posts.map((p) => (JSON.parse(p) as { t: number }).t)).toEqual([20, 21]);
		check(events.filter((e) => e.kind === "established").map((e) => e.resumed)).toEqual([false, false]);
	});

	it("a coaps client on a board without crypto primitives is refused at once, naming the board and no key", () => {
		let thrown: unknown;
		try {
			new CoapClient(new FakeBoard(), { dtls: { layer: dtlsLayer, identity: encodeUtf8("sensor"), psk: KEY } });
		} catch (error) {
			thrown = error;
		}
		check(thrown instanceof ProtocolError && thrown.code).toBe("TLS_HANDSHAKE_FAILED");
		check((thrown as Error).message).toBe("coaps: the fake board has no crypto primitives");
	});
});
