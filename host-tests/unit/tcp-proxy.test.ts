/**
 * The TCP fault proxy itself: it forwards both ways, stalls hold everything until lifted,
 * drips pace the bytes, and cuts close connections where the seed says, the same way on
 * every run.
 */
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { TcpProxy, type TcpFaults } from "../../testkit/peers/tcp-proxy";
import { waitFor } from "../../testkit/wait-for";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** An echo server and a proxy in front of it. */
async function echoBehindProxy(faults: TcpFaults & { seed: number }): Promise<TcpProxy> {
	const echo = net.createServer((socket) => {
		socket.on("error", () => undefined);
		socket.pipe(socket);
	});
	await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
	const proxy = await TcpProxy.start({ target: { host: "127.0.0.1", port: (echo.address() as net.AddressInfo).port }, ...faults });
	cleanups.push(async () => {
		await proxy.close();
		echo.close();
	});
	return proxy;
}

interface Client {
	readonly socket: net.Socket;
	received: number;
	closed: boolean;
}

async function connect(proxy: TcpProxy): Promise<Client> {
	const socket = net.connect({ host: "127.0.0.1", port: proxy.port });
	const client: Client = { socket, received: 0, closed: false };
	socket.on("data", (chunk: Buffer) => (client.received += chunk.length));
	socket.on("error", () => undefined);
	socket.once("close", () => (client.closed = true));
	// A refused connection may be reset before it ever reports being connected.
	await new Promise((resolve) => (socket.once("connect", resolve), socket.once("close", resolve)));
	cleanups.push(() => void socket.destroy());
	return client;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("TCP fault proxy", () => {
	it("forwards both ways untouched without faults", async () => {
		const proxy = await echoBehindProxy({ seed: 1 });
		const client = await connect(proxy);
		client.socket.write(Buffer.alloc(10_000, 7));
		await waitFor(() => client.received === 10_000, { what: "10,000 bytes echoed" });
		expect(proxy.counts).toEqual({ accepted: 1, cut: 0, toTarget: 10_000, toClient: 10_000 });
	});

	it("stalls: nothing moves while the socket stays open, and everything goes on once lifted", async () => {
		const proxy = await echoBehindProxy({ seed: 1, stall: true });
		const client = await connect(proxy);
		client.socket.write(Buffer.alloc(500, 1));
		await pause(150);
		expect(client.received).toBe(0);
		expect(client.closed).toBe(false);
		expect(proxy.open).toBe(1);
		proxy.faults.stall = false;
		proxy.pump();
		await waitFor(() => client.received === 500, { what: "held bytes echoed after the stall" });
	});

	it("slow-drips: at most the given bytes per tick each way", async () => {
		const proxy = await echoBehindProxy({ seed: 1, drip: { bytes: 10, everyMs: 10 } });
		const client = await connect(proxy);
		client.socket.write(Buffer.alloc(200, 1));
		await pause(60);
		// At 10 B per 10 ms it takes about 200 ms to get 200 B through; 60 ms gets nowhere near.
		expect(proxy.counts.toTarget).toBeGreaterThan(0);
		expect(proxy.counts.toTarget).toBeLessThan(200);
		await waitFor(() => client.received === 200, { what: "all 200 bytes, dripped" });
	});

	it("cuts each connection after a seeded number of bytes, the same for the same seed", async () => {
		const cutPoints = async (seed: number) => {
			const proxy = await echoBehindProxy({ seed, cutAfter: [10, 1000] });
			const points: number[] = [];
			for (let i = 0; i < 5; i++) {
				const before = proxy.counts.toTarget;
				const client = await connect(proxy);
				client.socket.write(Buffer.alloc(2000, 1));
				await waitFor(() => client.closed, { what: `connection ${i} cut` });
				points.push(proxy.counts.toTarget - before);
			}
			expect(proxy.counts.cut).toBe(5);
			return points;
		};
		const first = await cutPoints(9);
		expect(await cutPoints(9)).toEqual(first);
		expect(await cutPoints(10)).not.toEqual(first);
		for (const forwarded of first) {
			expect(forwarded).toBeGreaterThanOrEqual(10);
			expect(forwarded).toBeLessThanOrEqual(1000);
		}
	});

	it("cut() closes every open connection; refuse closes new ones at once", async () => {
		const proxy = await echoBehindProxy({ seed: 3 });
		const clients = [await connect(proxy), await connect(proxy)];
		await waitFor(() => proxy.open === 2, { what: "two connections through" });
		proxy.cut();
		await waitFor(() => clients.every((c) => c.closed), { what: "both cut" });
		proxy.faults.refuse = true;
		const refused = await connect(proxy);
		await waitFor(() => refused.closed, { what: "refused at once" });
		expect(proxy.counts.cut).toBe(3);
	});
});
