/**
 * Power cuts: the host firmware, a process per wake as a chip is, killed (SIGKILL) at
 * seeded random points of 200 sleepy wake cycles against aedes:
 *   - after its reading's PUBLISH reached the broker and before the PUBACK (the broker
 *     then either keeps the message or drops it with the connection);
 *   - in the middle of writing retained state: killed as the record with the reading is
 *     written, and the record torn the way an in-place RTC write is (the slot holds a
 *     prefix of the new bytes, the rest is the old ones).
 * Every reading the firmware reported handed over must reach the broker (duplicates
 * allowed at QoS 1, and counted); a torn record is never used (each is discarded, and
 * the wake goes on from the other slot).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleHostFirmware } from "../../testkit/host-firmware";
import type { PublishPacket } from "aedes";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startEmbeddedBroker, type EmbeddedBroker } from "../../tools/launcher/broker";
import { HostBoard } from "../../boards/host/board";
import { slotCapacity } from "../../src/power/retained-store";
import { seededRandom } from "../../testkit/portable/seeded-random";

const WAKES = Number(process.env.POWER_CUT_WAKES ?? 200);
const SEED = Number(process.env.POWER_CUT_SEED ?? 20261125);
const CLIENT_ID = "power-cut";
const TELEMETRY = "home/office/dht22";

type Cut = "none" | "after-publish-kept" | "after-publish-dropped" | "mid-write";

interface Wake {
	readonly index: number;
	readonly cut: Cut;
	/** The temperature this wake's simulated DHT22 reads: the reading's identity. */
	readonly temperature: number;
	handedOver: boolean;
	torn: boolean;
	readonly events: { event: string; [key: string]: unknown }[];
}

let broker: EmbeddedBroker;
let folder: string;
let firmware: string;
/** What the current wake wants done when its telemetry PUBLISH reaches the broker. */
let onTelemetry: ((packet: PublishPacket, accept: (error: Error | null) => void) => void) | undefined;
const delivered: number[] = [];

beforeAll(async () => {
	folder = mkdtempSync(join(tmpdir(), "power-cut-"));
	firmware = await bundleHostFirmware("power-cut");
	broker = await startEmbeddedBroker(0);
	broker.aedes.authorizePublish = (client, packet, callback) => {
		if (client?.id === CLIENT_ID && packet.topic === TELEMETRY && onTelemetry) onTelemetry(packet, callback);
		else callback(null);
	};
	broker.aedes.subscribe(
		TELEMETRY,
		(packet, callback) => {
			delivered.push((JSON.parse(packet.payload.toString()) as { t: number }).t);
			callback();
		},
		() => undefined,
	);
}, 60_000);

afterAll(async () => {
	await broker?.close();
	rmSync(folder, { recursive: true, force: true });
});

/** Runs one wake; `cut` decides whether and where the process dies. */
async function runWake(index: number, cut: Cut, random: () => number): Promise<Wake> {
	const retained = join(folder, "retained.bin");
	const temperature = Math.round((-20 + index * 0.1) * 10) / 10;
	const wake: Wake = { index, cut, temperature, handedOver: false, torn: false, events: [] };
	const before = existsSync(retained) ? new Uint8Array(readFileSync(retained)) : undefined;
	const child = spawn(
		process.execPath,
		[firmware, "--broker", broker.url, "--retained", retained, "--dht22", `temperature=${temperature},humidity=50`, "--set", "mode=sleepy", "--set", `clientId=${CLIENT_ID}`, "--set", "sleepInterval=60", "--set", "buttonPin=-1", "--set", "qos=1"],
		{ stdio: ["ignore", "pipe", "pipe"] },
	);
	const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
	const kill = () => child.kill("SIGKILL");
	let killed = false;
	let buffered = "";
	child.stdout.on("data", (chunk: Buffer) => {
		buffered += chunk.toString();
		for (let newline = buffered.indexOf("\n"); newline >= 0; newline = buffered.indexOf("\n")) {
			const line = buffered.slice(0, newline);
			buffered = buffered.slice(newline + 1);
			const event = JSON.parse(line) as Wake["events"][number];
			// Lines written before a kill still arrive after it, and they happened.
			wake.events.push(event);
			if (event.event === "reading") {
				if (cut === "mid-write" && !killed) {
					// The cut came while this reading's record was being written: it was
					// never reported handed over, and the record is torn below.
					killed = true;
					kill();
				} else wake.handedOver = true;
			}
		}
	});
	onTelemetry =
		cut === "after-publish-kept" || cut === "after-publish-dropped"
			? (_packet, accept) => {
					onTelemetry = undefined;
					killed = true;
					kill();
					void exited.then(() => accept(cut === "after-publish-kept" ? null : new Error("power cut before the broker stored it")));
				}
			: undefined;
	const timeout = setTimeout(kill, 20_000);
	await exited;
	clearTimeout(timeout);
	onTelemetry = undefined;
	if (cut === "mid-write" && killed) wake.torn = tear(retained, before, random);
	return wake;
}

/**
 * Tears the record written last: its slot gets a prefix of the new record and keeps the
 * old bytes after it, as RTC memory does when power fails mid-write. True if the record
 * came out different from the one written (a cut that changed nothing is no tear).
 */
function tear(path: string, before: Uint8Array | undefined, random: () => number): boolean {
	const after = new Uint8Array(readFileSync(path));
	const old = new Uint8Array(after.length);
	if (before) old.set(before.subarray(0, after.length));
	// The slot size the firmware uses: half of the host board's retained capacity.
	const half = slotCapacity(new HostBoard({ retainedPath: path }).power?.retainedCapacity ?? 0);
	const slot = after.subarray(0, half).some((byte, i) => byte !== old[i]) ? 0 : 1;
	const start = slot * half;
	// The record: header (5, its body length at 3), body, CRC-32 (4); see src/power/retained-store.ts.
	const recordEnd = start + 5 + ((after[start + 3] << 8) | after[start + 4]) + 4;
	const cutAt = start + 1 + Math.floor(random() * (recordEnd - start - 1));
	const torn = old.slice();
	torn.set(after.subarray(start, cutAt), start);
	writeFileSync(path, torn);
	return torn.subarray(start, recordEnd).some((byte, i) => byte !== after[start + i]);
}

it(`loses no reading and never uses torn state over ${WAKES} wakes with power cuts (seed ${SEED})`, async () => {
	const random = seededRandom(SEED);
	const cuts: Cut[] = [];
	for (let i = 0; i < WAKES; i++) {
		const r = random();
		cuts.push(r < 0.4 ? "none" : r < 0.55 ? "after-publish-kept" : r < 0.7 ? "after-publish-dropped" : "mid-write");
	}
	const wakes: Wake[] = [];
	for (let i = 0; i < WAKES; i++) wakes.push(await runWake(i, cuts[i], random));
	// Clean wakes at the end deliver whatever the cuts left unacknowledged.
	for (let i = 0; i < 3; i++) wakes.push(await runWake(WAKES + i, "none", random));

	const handedOver = wakes.filter((w) => w.handedOver).map((w) => w.temperature);
	const received = new Set(delivered);
	const lost = handedOver.filter((t) => !received.has(t));
	const duplicates = delivered.length - received.size;
	const torn = wakes.filter((w) => w.torn);
	const count = (cut: Cut) => wakes.filter((w) => w.cut === cut).length;
	console.log(
		`power cuts (seed ${SEED}): ${wakes.length} wakes; kills after PUBLISH ${count("after-publish-kept")} kept + ${count("after-publish-dropped")} dropped, ` +
			`mid-write ${count("mid-write")} (${torn.length} records torn); readings handed over ${handedOver.length}, received ${received.size}, lost ${lost.length}, duplicates ${duplicates}`,
	);
	// On a failure, what happened from each lost reading's wake on, to replay with the seed.
	const story = lost.map((t) => {
		const from = wakes.find((w) => w.temperature === t)?.index ?? 0;
		return wakes.slice(from, from + 4).map((w) => `${w.index}:${w.cut}${w.torn ? "(torn)" : ""}[${w.events.map((e) => e.event).join(",")}]`).join(" ");
	});
	expect(lost, story.join("\n")).toEqual([]);
	expect(torn.length).toBeGreaterThan(WAKES / 10);
	for (const wake of torn) {
		// The next wake discarded the torn slot and went on from the other one.
		const next = wakes[wake.index + 1];
		expect(next.events.filter((e) => e.event === "retained-discarded").length, `wake ${next.index} after the torn wake ${wake.index}`).toBe(1);
		const booted = next.events.find((e) => e.event === "wake");
		expect(booted?.discarded, `wake ${next.index} counts the discard`).toBeGreaterThanOrEqual(1);
	}
	// Every wake without a cut ended in deep sleep.
	for (const wake of wakes.filter((w) => w.cut === "none")) expect(wake.events.some((e) => e.event === "deep-sleep"), `wake ${wake.index}`).toBe(true);
}, 600_000);
