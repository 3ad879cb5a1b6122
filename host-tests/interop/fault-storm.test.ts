/**
 * A reconnect storm: 500 host-board MQTT clients in one process on one mosquitto, which is
 * killed and started again. Full-jitter backoff must spread the reconnects out (reported
 * as the peak connects per second) and every client must come back (none gives up).
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { HostBoard } from "../../boards/host/board";
import { MqttClient } from "../../src/mqtt/client";
import { Mosquitto } from "../../testkit/peers/mosquitto";
import { describeWithPeers } from "../../testkit/peers/require-peer";
import { letTimePass, waitFor } from "../../testkit/wait-for";

const DEVICES = 500;
const DOWN_MS = 2000;

describeWithPeers("Faults: a reconnect storm", ["mosquitto"], () => {
	let broker: Mosquitto;
	beforeAll(async () => {
		broker = await Mosquitto.start();
	});
	afterAll(async () => {
		await broker?.stop();
	});

	it(`brings ${DEVICES} devices back after the broker was gone ${DOWN_MS} ms, spread by jitter`, async () => {
		const board = new HostBoard({ log: () => undefined });
		const connectedAt: number[][] = Array.from({ length: DEVICES }, () => []);
		const clients = Array.from(
			{ length: DEVICES },
			(_, i) =>
				new MqttClient(board, {
					broker: { host: "127.0.0.1", port: broker.port },
					clientId: `storm-${i}`,
					cleanSession: true,
					keepAlive: 60,
					reconnectBase: 1000,
					reconnectCap: 8000,
					onConnect: () => connectedAt[i].push(board.now()),
				}),
		);
		try {
			for (const client of clients) client.start();
			await waitFor(() => connectedAt.every((at) => at.length === 1), { what: `${DEVICES} first connects`, deadline: 30_000 });

			await broker.kill();
			const lostAt = board.now();
			await waitFor(() => clients.every((c) => c.status !== "online"), { what: "every device noticed", deadline: 10_000 });
			await letTimePass(DOWN_MS); // the broker stays down: the outage under test
			await broker.restart();
			await waitFor(() => connectedAt.every((at) => at.length >= 2), { what: `${DEVICES} reconnects`, deadline: 60_000 });

			const back = connectedAt.map((at) => at[1] - lostAt).sort((a, b) => a - b);
			const perSecond = new Map<number, number>();
			for (const ms of back) perSecond.set(Math.floor(ms / 1000), (perSecond.get(Math.floor(ms / 1000)) ?? 0) + 1);
			const peak = Math.max(...perSecond.values());
			const allBackMs = back[back.length - 1];
			console.log(
				`reconnect storm: ${DEVICES} devices, broker down ${DOWN_MS} ms: all back ${(allBackMs / 1000).toFixed(1)} s after the loss; peak ${peak} connects/s; per second ${JSON.stringify(Object.fromEntries(perSecond))}; none gave up`,
			);
			expect(clients.every((c) => c.status === "online")).toBe(true);
			// Spread out: no single second takes the whole fleet.
			expect(peak).toBeLessThan(DEVICES);
			expect(perSecond.size).toBeGreaterThan(1);
		} finally {
			for (const client of clients) client.stop();
		}
	}, 120_000);
});
