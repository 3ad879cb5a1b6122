/** Free loopback ports for peers the tests start (the OS picks; nothing is hard-coded). */
import dgram from "node:dgram";
import net from "node:net";

export function freeTcpPort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const { port } = server.address() as net.AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

export function freeUdpPort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const socket = dgram.createSocket("udp4");
		socket.once("error", reject);
		socket.bind(0, "127.0.0.1", () => {
			const { port } = socket.address();
			socket.close(() => resolve(port));
		});
	});
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port`. */
export async function waitForTcp(port: number, timeoutMs = 10_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const open = await new Promise<boolean>((resolve) => {
			const socket = net.connect({ host: "127.0.0.1", port });
			socket.once("connect", () => (socket.destroy(), resolve(true)));
			socket.once("error", () => resolve(false));
		});
		if (open) return;
		if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}
