/**
 * A TCP proxy on loopback that holds every chunk for half the added round-trip time in
 * each direction, so a wake cycle pays for its round trips as it would over a real
 * link (and so packets written in one burst still arrive in one burst). Order is kept:
 * each direction is a queue released by one timer per chunk.
 */
import net from "node:net";

export class TcpLatencyProxy {
	readonly #server: net.Server;
	readonly #sockets = new Set<net.Socket>();

	private constructor(server: net.Server) {
		this.#server = server;
	}

	get port(): number {
		return (this.#server.address() as net.AddressInfo).port;
	}

	static async start(target: number, roundTripMs: number): Promise<TcpLatencyProxy> {
		const oneWay = roundTripMs / 2;
		const server = net.createServer({ noDelay: true });
		const proxy = new TcpLatencyProxy(server);
		server.on("connection", (client) => {
			// The proxy's own connect to the target is not delayed: the client already paid
			// the TCP handshake's round trip to the proxy.
			const upstream = net.connect({ host: "127.0.0.1", port: target, noDelay: true });
			for (const socket of [client, upstream]) {
				proxy.#sockets.add(socket);
				socket.on("close", () => proxy.#sockets.delete(socket));
				socket.on("error", () => undefined);
			}
			relay(client, upstream, oneWay);
			relay(upstream, client, oneWay);
		});
		await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
		return proxy;
	}

	async close(): Promise<void> {
		for (const socket of this.#sockets) socket.destroy();
		await new Promise<void>((resolve) => this.#server.close(() => resolve()));
	}
}

function relay(from: net.Socket, to: net.Socket, delayMs: number): void {
	from.on("data", (chunk) => setTimeout(() => to.destroyed || to.write(chunk), delayMs));
	// A close travels as late as the data before it.
	from.on("end", () => setTimeout(() => to.end(), delayMs));
	from.on("close", () => setTimeout(() => to.destroy(), delayMs));
}
