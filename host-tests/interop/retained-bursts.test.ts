/**
 * Issue 14 against a real mosquitto: 5,000 toggles arrive in bursts, faster than the
 * state messages they cause can be acknowledged. Retained state coalesces (one in flight,
 * the latest waiting), so the queue never fills and the state mosquitto retains, read back
 * with mosquitto_sub, is the lamp's.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import mqtt from "mqtt";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Mosquitto } from "../../testkit/peers/mosquitto";
import { describeWithPeers, findExecutable } from "../../testkit/peers/require-peer";
import { letTimePass, waitFor } from "../../testkit/wait-for";
import { FirmwareUnderTest } from "./harness";

const run = promisify(execFile);
const TOGGLES = 5000;

describeWithPeers("Retained state in bursts: mosquitto", ["mosquitto", "mosquitto_sub"], () => {
	let broker: Mosquitto;
	beforeAll(async () => {
		broker = await Mosquitto.start();
	});
	afterAll(async () => {
		await broker?.stop();
	});

	it(`${TOGGLES} toggles in bursts: the retained state equals the lamp`, { timeout: 120_000 }, async () => {
		const firmware = new FirmwareUnderTest({ broker: broker.url, lampPin: 6, clientId: "burst-lamp", dht22Pin: "-1", buttonPin: "-1" });
		await firmware.waitFor("connected");
		const sender = await mqtt.connectAsync(broker.url, { clientId: "burst-sender" });
		let sent = 0;
		for (let burst = 0; sent < TOGGLES; burst++) {
			// Bursts of 1 to 400, pauses of 0 to 40 ms: sometimes the state catches up, mostly not.
			const size = Math.min(TOGGLES - sent, 1 + ((burst * 131) % 400));
			await Promise.all(Array.from({ length: size }, () => sender.publishAsync("home/office/lamp", "toggle", { qos: 1 })));
			sent += size;
			await letTimePass((burst * 7) % 41);
		}
		await sender.endAsync();
		// Every toggle arrived (in order, QoS 1 on one connection), so the lamp is off after an even count.
		await waitFor(() => firmware.count("lamp") === TOGGLES, { what: `${TOGGLES} lamp changes`, deadline: 60_000 });
		expect(firmware.pin(6)).toBe(0);
		const readBack = async () => {
			const sub = await run(findExecutable("mosquitto_sub") as string, ["-h", "127.0.0.1", "-p", String(broker.port), "-t", "home/office/lamp/state", "-C", "1", "-W", "5"]);
			return sub.stdout.trim();
		};
		// The last state message may still be on its way: read until it is there, 5 s at most.
		await waitFor(async () => (await readBack()) === "off", { what: "mosquitto retaining the lamp's state, off", deadline: 5000, every: 100 });
		expect(firmware.events.filter((e) => e.event === "error" && e.fields.code === "QUEUE_FULL")).toEqual([]);
		await firmware.app.stop();
	});
});
