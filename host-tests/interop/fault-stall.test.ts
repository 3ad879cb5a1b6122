/**
 * A broker that stops answering (a hung process, a dead NAT entry: the socket stays
 * open, nothing comes back), made with the seeded TCP proxy in front of a real
 * mosquitto. The firmware's client must notice within 1.5x its keep-alive, then
 * reconnect with backoff, and be back once the broker answers again. Over MQTT 3.1.1 and 5.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { HostBoard } from "../../boards/host/board";
import { MqttClient } from "../../src/mqtt/client";
import { mqtt5 } from "../../src/mqtt/v5/session";
import type { ProtocolError } from "../../src/common/errors";
import { Mosquitto } from "../../testkit/peers/mosquitto";
import { describeWithPeers } from "../../testkit/peers/require-peer";
import { TcpProxy } from "../../testkit/peers/tcp-proxy";
import { waitFor } from "../../testkit/wait-for";

const KEEP_ALIVE_S = 2;
/** Timers on a loaded CI machine fire late; this is slack for the event loop, not for the client. */
const SCHEDULING_SLACK_MS = 400;

describeWithPeers("Faults: a stalled broker", ["mosquitto"], () => {
	let broker: Mosquitto;
	let proxy: TcpProxy;

	beforeAll(async () => {
		broker = await Mosquitto.start();
		proxy = await TcpProxy.start({ target: { host: "127.0.0.1", port: broker.port }, seed: 11 });
	});
	afterAll(async () => {
		await proxy?.close();
		await broker?.stop();
	});

	for (const [name, version] of [["3.1.1", {}], ["5", { protocolVersion: 5, mqtt5 }]] as const) {
		it(`MQTT ${name}: is detected within 1.5x keep-alive (${KEEP_ALIVE_S} s), then reconnects with growing backoff`, async () => {
			const board = new HostBoard({ log: () => undefined });
			const disconnects: { at: number; code: string }[] = [];
			let connects = 0;
			const client = new MqttClient(board, {
				broker: { host: "127.0.0.1", port: proxy.port },
				clientId: "stall",
				cleanSession: true,
				...version,
				keepAlive: KEEP_ALIVE_S,
				connectTimeout: 300,
				reconnectBase: 100,
				reconnectCap: 1000,
				// The top of each backoff window, so the growth is visible; jitter is the storm test's business.
				random: () => 0.999,
				onConnect: () => connects++,
				onDisconnect: (error) => disconnects.push({ at: board.now(), code: (error as ProtocolError | undefined)?.code ?? String(error) }),
			});
			client.start();
			await waitFor(() => connects === 1, { what: "first connect" });
			// Some traffic proves the link before it dies.
			await client.publish("stall/t", "before", { qos: 1 });

			const stalledAt = board.now();
			proxy.faults.stall = true;
			await waitFor(() => disconnects.length >= 1, { what: "the stall detected", deadline: 10_000 });
			const detectedMs = disconnects[0].at - stalledAt;
			expect(disconnects[0].code).toBe("KEEP_ALIVE_TIMEOUT");
			expect(detectedMs).toBeLessThanOrEqual(KEEP_ALIVE_S * 1500 + SCHEDULING_SLACK_MS);

			// Still stalled: every attempt times out waiting for CONNACK, and the waits between attempts grow.
			const attemptsBefore = proxy.counts.accepted;
			await waitFor(() => disconnects.length >= 5, { what: "four more failed attempts", deadline: 15_000 });
			const gaps = disconnects.slice(1, 5).map((d, i) => d.at - disconnects[i].at);
			expect(disconnects.slice(1).every((d) => d.code === "CONNECT_TIMEOUT")).toBe(true);
			expect(gaps[3]).toBeGreaterThan(gaps[0]);
			expect(proxy.counts.accepted - attemptsBefore).toBeGreaterThanOrEqual(4);

			proxy.faults.stall = false;
			proxy.cut();
			await waitFor(() => connects === 2, { what: "back once the broker answers", deadline: 10_000 });
			await client.publish("stall/t", "after", { qos: 1 });
			client.stop();
			console.log(`stalled broker: detected after ${Math.round(detectedMs)} ms (limit ${KEEP_ALIVE_S * 1500} ms); gaps between failed attempts ${gaps.map(Math.round).join(", ")} ms; ${proxy.summary()}`);
		});
	}
});
