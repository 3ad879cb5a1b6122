/**
 * The firmware against aedes in-process: the lamp application end to end, QoS 1 and 2
 * both directions, persistent sessions, the will, and reconnection.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedBroker, type EmbeddedBroker } from "../../tools/launcher/broker";
import { HostBoard } from "../../boards/host/board";
import { MqttClient } from "../../src/mqtt/client";
import type { PublishPacket } from "../../src/mqtt/packet";
import { decodeUtf8 } from "../../src/common/utf8";
import { FirmwareUnderTest, Observer, retained } from "./harness";
import { letTimePass, waitFor } from "../../testkit/wait-for";

let broker: EmbeddedBroker;
beforeAll(async () => {
	broker = await startEmbeddedBroker(0);
});
afterAll(async () => {
	await broker.close();
});

describe("MQTT interop: aedes", () => {
	it("runs the lamp: retained state and status, on/toggle/off, junk ignored", async () => {
		const firmware = new FirmwareUnderTest({ broker: broker.url, lampTopic: "aedes/lamp", lampPin: 4, reconnectBase: 50 });
		await firmware.waitFor("connected");
		const before = await retained(broker.url, "aedes/lamp/#", 2);
		expect(before.get("aedes/lamp/status")).toBe("online");
		expect(before.get("aedes/lamp/state")).toBe("off");

		const observer = await Observer.connect(broker.url);
		await observer.subscribe("aedes/lamp/state");
		await observer.client.publishAsync("aedes/lamp", "on", { qos: 1 });
		await observer.waitFor("aedes/lamp/state", "on");
		expect(firmware.pin(4)).toBe(1);
		await observer.client.publishAsync("aedes/lamp", " TOGGLE ", { qos: 0 });
		await waitFor(() => firmware.pin(4) === 0, { what: "lamp off after toggle" });
		await observer.client.publishAsync("aedes/lamp", "dim to 50%", { qos: 1 });
		await firmware.waitFor("warning");
		expect(firmware.pin(4)).toBe(0);
		expect((await retained(broker.url, "aedes/lamp/state", 1)).get("aedes/lamp/state")).toBe("off");
		await observer.close();
		await firmware.app.stop();
	});

	it("stops cleanly: publishes offline itself and sends DISCONNECT, so the will does not fire", async () => {
		const observer = await Observer.connect(broker.url);
		await observer.subscribe("clean/lamp/status");
		const firmware = new FirmwareUnderTest({ broker: broker.url, lampTopic: "clean/lamp" });
		await observer.waitFor("clean/lamp/status", "online");
		await firmware.app.stop();
		await observer.waitFor("clean/lamp/status", "offline");
		await letTimePass(300); // the window in which a will would show after the clean stop, were it wrongly fired
		expect(observer.on("clean/lamp/status").map((r) => r.payload)).toEqual(["online", "offline"]);
		await observer.close();
	});

	it("fires the will when the connection breaks, reconnects with backoff and resubscribes", async () => {
		const observer = await Observer.connect(broker.url);
		await observer.subscribe("broken/lamp/status");
		const firmware = new FirmwareUnderTest({ broker: broker.url, lampTopic: "broken/lamp", clientId: "broken-1", reconnectBase: 50, reconnectCap: 200 });
		await observer.waitFor("broken/lamp/status", "online");
		// aedes keeps its connected clients here; its typings do not declare the map.
		const clients = (broker.aedes as unknown as { clients: Record<string, { conn: { destroy(): void } }> }).clients;
		const client = clients["broken-1"];
		client.conn.destroy();
		await observer.waitFor("broken/lamp/status", "offline");
		await firmware.waitFor("connected", 2);
		await waitFor(() => observer.on("broken/lamp/status").filter((r) => r.payload === "online").length === 2, { what: "online again" });
		await observer.client.publishAsync("broken/lamp", "on", { qos: 1 });
		await waitFor(() => firmware.pin(2) === 1, { what: "lamp switched after the reconnect" });
		await firmware.app.stop();
		await observer.close();
	});

	it("carries QoS 1 and QoS 2 both ways: QoS 2 exactly once", async () => {
		const board = new HostBoard({ log: () => undefined });
		const got: PublishPacket[] = [];
		let connected = false;
		const client = new MqttClient(board, {
			broker: { host: "127.0.0.1", port: broker.port },
			clientId: "qos-both",
			cleanSession: true,
			keepAlive: 30,
			inflightWindow: 10,
			// aedes has no in-flight limit: the 50 QoS 2 messages arrive before a PUBREL.
			maxAwaitingRelease: 100,
			onConnect: () => (connected = true),
			onMessage: (m) => got.push(m),
		});
		await Promise.all([client.subscribe([{ topic: "q/in/#", qos: 2 }]), client.start()]);
		await waitFor(() => connected, { what: "connected" });
		const observer = await Observer.connect(broker.url);
		await observer.subscribe("q/out/#", 2);
		const count = 100;
		await Promise.all(Array.from({ length: count }, (_, i) => observer.client.publishAsync(`q/in/${i % 2 ? 2 : 1}`, `in-${i}`, { qos: i % 2 ? 2 : 1 })));
		await Promise.all(Array.from({ length: count }, (_, i) => client.publish(`q/out/${i % 2 ? 2 : 1}`, `out-${i}`, { qos: i % 2 ? 2 : 1 })));
		await waitFor(() => got.length >= count && observer.received.length >= count, { what: "all messages" });
		await letTimePass(200); // the window in which a duplicate would show
		const inbound = got.map((m) => decodeUtf8(m.payload));
		expect(new Set(inbound).size).toBe(count);
		expect(inbound.filter((p) => Number(p.slice(3)) % 2 === 1)).toHaveLength(count / 2);
		const outbound = observer.received.map((r) => r.payload);
		expect(new Set(outbound).size).toBe(count);
		expect(outbound.filter((p) => Number(p.slice(4)) % 2 === 1)).toHaveLength(count / 2);
		client.stop();
		await observer.close();
	});

	it("resumes a persistent session: messages sent while away arrive on reconnect", async () => {
		const make = (onMessage: (m: PublishPacket) => void, onConnect: (present: boolean) => void) =>
			new MqttClient(new HostBoard({ log: () => undefined }), {
				broker: { host: "127.0.0.1", port: broker.port },
				clientId: "persistent-1",
				cleanSession: false,
				keepAlive: 30,
				onConnect,
				onMessage,
			});
		const presence: boolean[] = [];
		const first = make(() => undefined, (p) => presence.push(p));
		const subscribed = first.subscribe([{ topic: "persist/cmd", qos: 1 }]);
		first.start();
		await subscribed;
		first.stop();
		const observer = await Observer.connect(broker.url);
		for (const payload of ["a", "b", "c"]) await observer.client.publishAsync("persist/cmd", payload, { qos: 1 });
		const got: string[] = [];
		const second = make((m) => got.push(decodeUtf8(m.payload)), (p) => presence.push(p));
		second.start();
		await waitFor(() => got.length === 3, { what: "queued messages" });
		expect(got).toEqual(["a", "b", "c"]);
		expect(presence).toEqual([false, true]);
		second.stop();
		await observer.close();
	});
});
