/**
 * The firmware against a real mosquitto, spawned on free ports with its own config:
 * plain and TLS (CA made at test time), the lamp switched with mosquitto's own CLI,
 * QoS 2 exactly once, and `npm start` end to end including a clean stop and a kill.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { HostBoard } from "../../boards/host/board";
import { MqttClient } from "../../src/mqtt/client";
import { decodeUtf8 } from "../../src/common/utf8";
import type { PublishPacket } from "../../src/mqtt/packet";
import { makeCertificates, type Certificates } from "../../testkit/peers/certs";
import { Mosquitto } from "../../testkit/peers/mosquitto";
import { describeWithPeers, findExecutable } from "../../testkit/peers/require-peer";
import { startFirmware as spawnFirmware, type FirmwareEvent } from "../../tools/launcher/firmware";
import { FirmwareUnderTest, launchStart, Observer, retained } from "./harness";
import { letTimePass, waitFor } from "../../testkit/wait-for";

const run = promisify(execFile);

describeWithPeers("MQTT interop: mosquitto", ["mosquitto", "mosquitto_pub", "mosquitto_sub", "openssl"], () => {
	let broker: Mosquitto;
	let certs: Certificates;
	const pub = (...args: string[]) => run(findExecutable("mosquitto_pub") as string, ["-h", "127.0.0.1", "-p", String(broker.port), ...args]);

	beforeAll(async () => {
		certs = makeCertificates();
		broker = await Mosquitto.start({ tls: certs });
	});
	afterAll(async () => {
		await broker?.stop();
	});

	it("switches the lamp on mosquitto_pub, with state and status retained", async () => {
		const firmware = new FirmwareUnderTest({ broker: broker.url, lampPin: 5 });
		await firmware.waitFor("connected");
		await pub("-t", "home/office/lamp", "-m", "on");
		await waitFor(() => firmware.pin(5) === 1, { what: "lamp on" });
		const sub = await run(findExecutable("mosquitto_sub") as string, ["-h", "127.0.0.1", "-p", String(broker.port), "-t", "home/office/lamp/+", "-v", "-C", "2", "-W", "5"]);
		expect(sub.stdout.split("\n").filter(Boolean).sort()).toEqual(["home/office/lamp/state on", "home/office/lamp/status online"]);
		await pub("-t", "home/office/lamp", "-m", "OFF", "-q", "2");
		await waitFor(() => firmware.pin(5) === 0, { what: "lamp off" });
		await firmware.app.stop();
		const after = await retained(broker.url, "home/office/lamp/+", 2);
		expect(after.get("home/office/lamp/status")).toBe("offline");
		expect(after.get("home/office/lamp/state")).toBe("off");
	});

	it("delivers 200 QoS 2 messages exactly once in each direction", async () => {
		const got: PublishPacket[] = [];
		let online = false;
		const client = new MqttClient(new HostBoard({ log: () => undefined }), {
			broker: { host: "127.0.0.1", port: broker.port },
			clientId: "exactly-once",
			cleanSession: true,
			keepAlive: 30,
			inflightWindow: 20,
			maxQueued: 200,
			// The harness's mosquitto has no in-flight limit: all 200 QoS 2 arrive before a PUBREL.
			maxAwaitingRelease: 200,
			onConnect: () => (online = true),
			onMessage: (m) => got.push(m),
		});
		const subscribed = client.subscribe([{ topic: "once/in", qos: 2 }]);
		client.start();
		await waitFor(() => online, { what: "connected" });
		const observer = await Observer.connect(broker.url);
		await observer.subscribe("once/out", 2);
		await subscribed; // SUBACK: from here the broker delivers once/in to the client
		await Promise.all(Array.from({ length: 200 }, (_, i) => observer.client.publishAsync("once/in", String(i), { qos: 2 })));
		await Promise.all(Array.from({ length: 200 }, (_, i) => client.publish("once/out", String(i), { qos: 2 })));
		await waitFor(() => got.length >= 200 && observer.received.length >= 200, { what: `200 each way (in ${got.length}, out ${observer.received.length})` });
		await letTimePass(300); // the window in which a duplicate would show
		expect(got.map((m) => decodeUtf8(m.payload)).sort()).toEqual(Array.from({ length: 200 }, (_, i) => String(i)).sort());
		expect(observer.received.map((r) => r.payload).sort()).toEqual(Array.from({ length: 200 }, (_, i) => String(i)).sort());
		client.stop();
		await observer.close();
	});

	it("runs over TLS (mqtts) with the right CA, never printing the broker password", async () => {
		const password = "correct-horse-battery-staple";
		const firmware = new FirmwareUnderTest({
			broker: `mqtts://localhost:${broker.tlsPort}`,
			brokerCa: certs.ca,
			brokerUsername: "lamp",
			brokerPassword: password,
			lampTopic: "tls/lamp",
		});
		await firmware.waitFor("connected");
		const observer = await Observer.connect(broker.url);
		await observer.subscribe("tls/lamp/state");
		await observer.client.publishAsync("tls/lamp", "on", { qos: 1 });
		await observer.waitFor("tls/lamp/state", "on");
		await firmware.app.stop();
		await observer.close();
		expect(JSON.stringify(firmware.events)).not.toContain(password);
	});

	it("refuses a server certificate from another CA, and one for another host name", async () => {
		for (const [config, reason] of [
			[{ brokerCa: certs.otherCa }, /certificate/i],
			[{ brokerCa: certs.ca, broker: `mqtts://127.0.0.1:${broker.tlsPort}` }, /IP: 127\.0\.0\.1 is not in the cert's list/],
		] as const) {
			const firmware = new FirmwareUnderTest({ broker: `mqtts://localhost:${broker.tlsPort}`, lampTopic: "refused/lamp", reconnectBase: 5000, ...config });
			const error = await firmware.waitFor("error");
			expect(String(error.message)).toMatch(reason);
			expect(firmware.count("connected")).toBe(0);
			await firmware.app.stop();
		}
	});

	it("npm start: switched by mosquitto_pub, a clean stop publishes offline, a killed firmware leaves its will", async () => {
		const { events, child: launcher, exited } = launchStart(["--broker", broker.url, "--set", "lampTopic=start/lamp"]);
		await waitFor(() => events.find((e) => e.event === "connected"), { what: "the launcher's firmware connected", deadline: 20_000 });
		const ready = events.find((e) => e.event === "ready") as FirmwareEvent & { commands: { switch: string } };
		expect(ready.commands.switch).toBe(`mosquitto_pub -h 127.0.0.1 -p ${broker.port} -q 1 -t start/lamp -m on`);

		const observer = await Observer.connect(broker.url);
		await observer.subscribe("start/lamp/#");
		await pub("-t", "start/lamp", "-m", "on");
		await waitFor(() => events.find((e) => e.event === "lamp" && e.state === "on"), { what: "lamp event" });
		await observer.waitFor("start/lamp/state", "on");
		launcher.kill("SIGTERM");
		expect(await exited).toBe(0);
		await observer.waitFor("start/lamp/status", "offline");

		// A killed firmware cannot say goodbye: the broker publishes its will.
		const killed = spawnFirmware(["--broker", broker.url, "--set", "lampTopic=killed/lamp"], () => undefined);
		await observer.subscribe("killed/lamp/status");
		await observer.waitFor("killed/lamp/status", "online");
		killed.child.kill("SIGKILL");
		await killed.exited;
		await observer.waitFor("killed/lamp/status", "offline");
		await observer.close();
	});
});
