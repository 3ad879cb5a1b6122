/**
 * The UDP fault proxy itself: it forwards both ways, its faults follow the seed (the same
 * seed gives the same fates), and each fault does what it says.
 */
import dgram from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import { UdpProxy, type UdpProxyOptions } from "../../testkit/peers/udp-proxy";
import { waitFor } from "../../testkit/wait-for";

/** An echo server, a proxy in front of it and a client socket; returns what the client got back. */
async function run(faults: Omit<UdpProxyOptions, "target">, datagrams: number, settleMs = 150) {
	const echo = dgram.createSocket("udp4");
	await new Promise<void>((resolve) => echo.bind(0, "127.0.0.1", resolve));
	echo.on("message", (message, remote) => echo.send(message, remote.port, remote.address));
	const proxy = await UdpProxy.start({ target: { address: "127.0.0.1", port: echo.address().port }, ...faults });
	const client = dgram.createSocket("udp4");
	const echoed: number[] = [];
	client.on("message", (message) => echoed.push(message.readUInt16BE(0)));
	await new Promise<void>((resolve) => client.bind(0, "127.0.0.1", resolve));
	for (let i = 0; i < datagrams; i++) {
		const bytes = Buffer.alloc(2);
		bytes.writeUInt16BE(i);
		client.send(bytes, proxy.port, "127.0.0.1");
		// Paced, so the order the proxy sees is the order sent.
		await new Promise((resolve) => setTimeout(resolve, 2));
	}
	await new Promise((resolve) => setTimeout(resolve, settleMs));
	cleanups.push(async () => {
		client.close();
		echo.close();
		await proxy.close();
	});
	return { proxy, echoed };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe("UDP fault proxy", () => {
	it("forwards both ways untouched without faults", async () => {
		const { proxy, echoed } = await run({ seed: 1 }, 20);
		expect(echoed).toEqual(Array.from({ length: 20 }, (_, i) => i));
		expect(proxy.counts.toTarget).toEqual({ received: 20, forwarded: 20, dropped: 0, duplicated: 0, reordered: 0, delayed: 0 });
		expect(proxy.counts.toClient.forwarded).toBe(20);
	});

	it("drops, duplicates and reorders as the seed decides, the same way on every run", async () => {
		const faults = { seed: 42, loss: 0.3, duplicate: 0.1, reorder: 0.1 };
		const first = await run(faults, 200);
		const second = await run(faults, 200);
		expect(second.proxy.counts).toEqual(first.proxy.counts);
		const up = first.proxy.counts.toTarget;
		expect(up.dropped).toBeGreaterThan(30);
		expect(up.dropped).toBeLessThan(90);
		expect(up.duplicated).toBeGreaterThan(5);
		expect(up.reordered).toBeGreaterThan(5);
		expect(up.forwarded).toBe(up.received - up.dropped + up.duplicated);
		// Something arrived out of order, something twice, and the rest made it through.
		expect(first.echoed.some((n, i) => i > 0 && n < first.echoed[i - 1])).toBe(true);
		expect(new Set(first.echoed).size).toBeLessThan(first.echoed.length);
		const other = await run({ ...faults, seed: 43 }, 200);
		expect(other.proxy.counts).not.toEqual(first.proxy.counts);
	});

	it("cuts the link when its faults are changed to loss 1", async () => {
		const { proxy, echoed } = await run({ seed: 3 }, 5);
		proxy.faults = { loss: 1 };
		const client = dgram.createSocket("udp4");
		await new Promise<void>((resolve) => client.bind(0, "127.0.0.1", resolve));
		client.send(Buffer.from([0, 99]), proxy.port, "127.0.0.1");
		await waitFor(() => proxy.counts.toTarget.received === 6, { what: "the sixth datagram at the proxy" });
		expect(proxy.counts.toTarget.dropped).toBe(1);
		expect(echoed).toHaveLength(5);
		client.close();
	});

	it("delays every datagram within the range it is given", async () => {
		const { proxy, echoed } = await run({ seed: 5, delay: [5, 15] }, 10, 200);
		expect(proxy.counts.toTarget.delayed).toBe(10);
		expect(proxy.counts.toClient.delayed).toBe(10);
		expect([...echoed].sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i));
	});
});
