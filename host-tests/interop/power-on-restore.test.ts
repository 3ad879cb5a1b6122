/**
 * powerOn=restore on the host board across a process restart: the firmware (a child
 * process, as a device is a machine of its own) keeps its retained memory in a file
 * (--retained); killed with the lamp on and started again, it comes back on and says so
 * on the state topic of a real mosquitto; its health report counts the second boot.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Mosquitto } from "../../testkit/peers/mosquitto";
import { describeWithPeers } from "../../testkit/peers/require-peer";
import { waitFor } from "../../testkit/wait-for";
import { startFirmware, type FirmwareEvent } from "../../tools/launcher/firmware";
import { Observer } from "./harness";

const STATE = "home/office/lamp/state";

describeWithPeers("Power-on restore: host process restart", ["mosquitto"], () => {
	let broker: Mosquitto;
	let dir: string;

	beforeAll(async () => {
		broker = await Mosquitto.start();
		dir = mkdtempSync(join(tmpdir(), "lampnode-power-on-"));
	});
	afterAll(async () => {
		await broker?.stop();
		rmSync(dir, { recursive: true, force: true });
	});

	it("comes back on after a kill, and publishes it", async () => {
		const args = ["--broker", broker.url, "--retained", join(dir, "lamp.retained"), "--set", "powerOn=restore", "--set", "clientId=restore-1", "--set", "dht22Pin=-1"];
		const observer = await Observer.connect(broker.url);
		await observer.subscribe(STATE);
		await observer.subscribe("home/office/lamp/health");
		const events: FirmwareEvent[] = [];
		const first = startFirmware(args, (event) => events.push(event));
		await waitFor(() => events.find((e) => e.event === "connected"), { what: "first run connected" });
		await observer.waitFor(STATE, "off");
		await observer.client.publishAsync("home/office/lamp", "on", { qos: 1 });
		await waitFor(() => events.find((e) => e.event === "lamp" && e.state === "on"), { what: "lamp on" });
		await observer.waitFor(STATE, "on");
		first.child.kill("SIGKILL");
		await first.exited;
		// Forget what the broker kept, so only the restarted firmware can say "on" again.
		await observer.client.publishAsync(STATE, "", { qos: 1, retain: true });
		const seen = observer.on(STATE).length;
		const second = startFirmware(args, () => undefined);
		try {
			const again = await waitFor(() => observer.on(STATE).slice(seen).find((r) => r.payload !== ""), { what: "the restarted firmware's state" });
			expect(again.payload).toBe("on");
			// The file counts boots too: the health report says this is the second, after a restart.
			const health = await waitFor(() => observer.on("home/office/lamp/health").find((r) => (JSON.parse(r.payload) as { boot?: number }).boot === 2), { what: "the second boot's health report" });
			expect((JSON.parse(health.payload) as { reset: string }).reset).toBe("reset");
		} finally {
			await second.stop();
			await observer.close();
		}
	});
});
