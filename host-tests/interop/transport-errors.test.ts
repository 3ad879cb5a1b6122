/**
 * Transport failures on the host board reach the log typed, with Node's code as the
 * detail: a refused port is CONNECT_FAILED (ECONNREFUSED), a peer that resets an open
 * connection is CONNECTION_LOST (ECONNRESET), a peer that answers a ClientHello with
 * something that is not TLS is TLS_HANDSHAKE_FAILED. Each is followed by a reconnect, and
 * no event carries the broker password. The peers are plain TCP servers on 127.0.0.1.
 */
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { freeTcpPort } from "../../testkit/peers/ports";
import { FirmwareUnderTest } from "./harness";

const PASSWORD = "s3cret-transport-password";

/** A TCP server on a free port doing `onConnection` with every connection; closed after each test. */
async function scriptedPeer(onConnection: (socket: net.Socket) => void): Promise<{ port: number; connections: () => number }> {
	let connections = 0;
	const server = net.createServer((socket) => {
		connections++;
		socket.on("error", () => undefined);
		onConnection(socket);
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	servers.push(server);
	return { port: (server.address() as net.AddressInfo).port, connections: () => connections };
}

const servers: net.Server[] = [];
const devices: FirmwareUnderTest[] = [];

function firmware(broker: string): FirmwareUnderTest {
	const device = new FirmwareUnderTest({ broker, brokerUsername: "lamp", brokerPassword: PASSWORD, reconnectBase: 200, reconnectCap: 400 });
	devices.push(device);
	return device;
}

afterEach(async () => {
	for (const device of devices.splice(0)) await device.app.stop();
	for (const server of servers.splice(0)) server.close();
});

describe("Host board: typed transport errors", () => {
	it("a refused port is CONNECT_FAILED with ECONNREFUSED, then retried", async () => {
		const device = firmware(`mqtt://127.0.0.1:${await freeTcpPort()}`);
		const error = await device.waitFor("error");
		expect([error.code, error.detail]).toEqual(["CONNECT_FAILED", "ECONNREFUSED"]);
		expect(String(error.message)).toMatch(/^cannot connect to 127\.0\.0\.1:\d+/);
		await device.waitFor("error", 2);
		expect(JSON.stringify(device.events)).not.toContain(PASSWORD);
	});

	it("a reset after CONNECT is CONNECTION_LOST with ECONNRESET, then a new connection", async () => {
		const peer = await scriptedPeer((socket) => socket.once("data", () => socket.resetAndDestroy()));
		const device = firmware(`mqtt://127.0.0.1:${peer.port}`);
		const error = await device.waitFor("error");
		expect([error.code, error.detail]).toEqual(["CONNECTION_LOST", "ECONNRESET"]);
		await device.waitFor("error", 2);
		expect(peer.connections()).toBeGreaterThanOrEqual(2);
		expect(JSON.stringify(device.events)).not.toContain(PASSWORD);
	});

	it("an answer to the ClientHello that is not TLS is TLS_HANDSHAKE_FAILED, then retried", async () => {
		const peer = await scriptedPeer((socket) => socket.once("data", () => socket.end("HTTP/1.1 400 Bad Request\r\n\r\n")));
		const device = firmware(`mqtts://127.0.0.1:${peer.port}`);
		const error = await device.waitFor("error");
		expect(error.code).toBe("TLS_HANDSHAKE_FAILED");
		expect(String(error.detail)).toMatch(/^ERR_SSL_/);
		await device.waitFor("error", 2);
		expect(device.count("connected")).toBe(0);
		expect(JSON.stringify(device.events)).not.toContain(PASSWORD);
	});
});
