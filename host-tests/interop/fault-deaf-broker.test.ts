/**
 * A broker that stops reading while it still sends (issue 14): a real mosquitto behind the
 * TCP proxy, which stops reading the firmware's socket so TCP flow control backs the
 * firmware's writes up into its own buffers, while another client's PUBLISHes still reach
 * it. Before, "data keeps arriving" kept the keep-alive happy and the write backlog grew
 * without bound. Now the link ends within 1.5x keep-alive with a typed error, the backlog
 * stays under its cap, and the client is back once the broker reads again.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { HostBoard } from "../../boards/host/board";
import type { Stream, StreamOptions } from "../../src/common/board";
import type { ProtocolError } from "../../src/common/errors";
import { MqttClient, type MqttClientOptions } from "../../src/mqtt/client";
import { mqtt5 } from "../../src/mqtt/v5/session";
import { Mosquitto } from "../../testkit/peers/mosquitto";
import { describeWithPeers } from "../../testkit/peers/require-peer";
import { TcpProxy } from "../../testkit/peers/tcp-proxy";
import { waitFor } from "../../testkit/wait-for";

const KEEP_ALIVE_S = 2;
const MAX_PACKET = 40_000;
/** Timers on a loaded CI machine fire late; this is slack for the event loop, not for the client. */
const SCHEDULING_SLACK_MS = 400;

/** The host board, noting the largest backlog any of its streams held. */
class BacklogBoard extends HostBoard {
	most = 0;
	override connectStream(options: StreamOptions): Stream {
		const stream = super.connectStream(options);
		return {
			write: (bytes) => {
				stream.write(bytes);
				this.most = Math.max(this.most, stream.unwritten);
			},
			get unwritten() {
				return stream.unwritten;
			},
			close: (discard) => stream.close(discard),
		};
	}
}

describeWithPeers("Faults: a broker that stops reading", ["mosquitto"], () => {
	let broker: Mosquitto;
	let proxy: TcpProxy;

	beforeAll(async () => {
		broker = await Mosquitto.start();
		proxy = await TcpProxy.start({ target: { host: "127.0.0.1", port: broker.port }, seed: 5 });
	});
	afterAll(async () => {
		await proxy?.close();
		await broker?.stop();
	});

	/**
	 * `flood`: the firmware writes megabytes, so its backlog passes the kernel's buffers and
	 * the cap (WRITE_STALLED); else a trickle the kernel absorbs, so only the unanswered
	 * PINGREQ can tell (KEEP_ALIVE_TIMEOUT).
	 */
	async function deafBroker(flood: boolean, version: Partial<MqttClientOptions> = {}): Promise<string> {
		const board = new BacklogBoard({ log: () => undefined });
		const disconnects: { at: number; code: string }[] = [];
		let connects = 0;
		let heard = 0;
		const deaf = new MqttClient(board, {
			broker: { host: "127.0.0.1", port: proxy.port },
			clientId: "deaf",
			cleanSession: true,
			...version,
			keepAlive: KEEP_ALIVE_S,
			maxPacketSize: MAX_PACKET,
			reconnectBase: 100,
			reconnectCap: 200,
			onConnect: () => connects++,
			onMessage: () => heard++,
			onDisconnect: (error) => disconnects.push({ at: board.now(), code: (error as ProtocolError | undefined)?.code ?? String(error) }),
		});
		// A second client straight to the broker: its messages reach the deaf link's client all along.
		const talker = new MqttClient(new HostBoard({ log: () => undefined }), { broker: { host: "127.0.0.1", port: broker.port }, clientId: "talker", cleanSession: true, keepAlive: 30 });
		deaf.start();
		talker.start();
		const talking = setInterval(() => void talker.publish("deaf/in", "still here").catch(() => undefined), 100);
		// Flooding fills the kernel's socket buffers (megabytes on loopback) well inside the keep-alive.
		const payload = new Uint8Array(flood ? 32_000 : 16);
		const writing = setInterval(() => {
			if (deaf.status === "online") void deaf.publish("deaf/out", payload).catch(() => undefined);
		}, flood ? 5 : 100);
		try {
			await waitFor(() => connects === 1 && talker.status === "online", { what: "both connected" });
			await deaf.subscribe([{ topic: "deaf/in", qos: 0 }]);
			await waitFor(() => heard > 0, { what: "the talker heard" });
			const stoppedAt = board.now();
			const heardBefore = heard;
			proxy.faults.deaf = true;
			await waitFor(() => disconnects.length >= 1, { what: "the deaf broker detected", deadline: 10_000 });
			const detectedMs = disconnects[0].at - stoppedAt;
			const heardWhileDeaf = heard - heardBefore;
			expect(detectedMs).toBeLessThanOrEqual(KEEP_ALIVE_S * 1500 + SCHEDULING_SLACK_MS);
			expect(heardWhileDeaf).toBeGreaterThan(0);
			// Never more than the cap (twice the largest packet) and the one write that crossed it.
			expect(board.most).toBeLessThanOrEqual(2 * MAX_PACKET + 32_100);

			clearInterval(writing);
			proxy.faults.deaf = false;
			proxy.cut();
			await waitFor(() => connects >= 2 && deaf.status === "online", { what: "back once the broker reads", deadline: 10_000 });
			await deaf.publish("deaf/out", "after", { qos: 1 });
			console.log(
				`deaf broker (${flood ? "flood" : "trickle"}): ${disconnects[0].code} after ${Math.round(detectedMs)} ms (limit ${KEEP_ALIVE_S * 1500} ms); ${heardWhileDeaf} messages heard meanwhile; largest backlog ${board.most} B; ${proxy.summary()}`,
			);
			return disconnects[0].code;
		} finally {
			clearInterval(writing);
			clearInterval(talking);
			deaf.stop();
			talker.stop();
		}
	}

	it(`ends a flooded link with WRITE_STALLED within 1.5x keep-alive (${KEEP_ALIVE_S} s), its backlog capped`, async () => {
		expect(await deafBroker(true)).toBe("WRITE_STALLED");
	});

	it(`ends a quiet link with KEEP_ALIVE_TIMEOUT within 1.5x keep-alive, though the broker's messages still arrive`, async () => {
		expect(await deafBroker(false)).toBe("KEEP_ALIVE_TIMEOUT");
	});

	it(`MQTT 5: ends a flooded link with WRITE_STALLED and a quiet one with KEEP_ALIVE_TIMEOUT, as over 3.1.1`, async () => {
		const v5 = { protocolVersion: 5, mqtt5 } as const;
		expect(await deafBroker(true, v5)).toBe("WRITE_STALLED");
		expect(await deafBroker(false, v5)).toBe("KEEP_ALIVE_TIMEOUT");
	});
});
