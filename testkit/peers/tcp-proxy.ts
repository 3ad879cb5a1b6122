/**
 * A TCP proxy that makes a broker connection fail the ways real ones do: it cuts
 * connections (at once, or after a seeded number of bytes), stalls them (sockets stay
 * open, nothing moves: a hung broker or a dead NAT entry) and slow-drips them. Put it
 * between a client and its server:
 *
 *   const proxy = await TcpProxy.start({ target: { host: "127.0.0.1", port: broker.port }, seed: 7 });
 *   // point the client at 127.0.0.1:proxy.port
 *   proxy.faults.stall = true;   // from now on nothing moves either way
 *   proxy.cut();                 // every open connection closed
 *
 * `faults` may be changed while running and applies to open connections too; lifting a
 * stall or a drip lets what was held back go on. The cut points come from a seeded PRNG
 * (one number per connection), so a failing run can be replayed; `counts` says what was done.
 */
import net from "node:net";
import { seededRandom } from "../portable/seeded-random";

export interface TcpFaults {
	/** Hold every byte in both directions; the sockets stay open. */
	stall?: boolean;
	/** Stop reading from the client: its writes back up into its own socket buffers, as to a broker that stopped reading; the target's bytes still reach it. */
	deaf?: boolean;
	/** Forward at most `bytes` per direction every `everyMs`. */
	drip?: { readonly bytes: number; readonly everyMs: number };
	/** Close each new connection once it has forwarded a number of bytes (both ways together) drawn from [min, max]. */
	cutAfter?: readonly [number, number];
	/** Close new connections as soon as they are accepted. */
	refuse?: boolean;
}

export interface TcpProxyOptions extends TcpFaults {
	readonly target: { readonly host: string; readonly port: number };
	readonly seed: number;
}

export interface TcpCounts {
	accepted: number;
	/** Connections the proxy closed on purpose (cut, cutAfter, refuse). */
	cut: number;
	toTarget: number;
	toClient: number;
}

type Direction = "toTarget" | "toClient";

/** One proxied connection: a client socket, its upstream socket and what each side has not yet been given. */
class Link {
	readonly held: Record<Direction, Buffer[]> = { toTarget: [], toClient: [] };
	forwarded = 0;
	closed = false;
	constructor(
		readonly client: net.Socket,
		readonly upstream: net.Socket,
		readonly cutAt: number,
	) {}
}

export class TcpProxy {
	readonly port: number;
	readonly faults: TcpFaults;
	/** Where new connections go: changed, the next ones reach another server (a failover); open ones stay. */
	target: { readonly host: string; readonly port: number };
	readonly counts: TcpCounts = { accepted: 0, cut: 0, toTarget: 0, toClient: 0 };
	readonly #options: TcpProxyOptions;
	readonly #server: net.Server;
	readonly #links = new Set<Link>();
	readonly #random: () => number;
	readonly #drip: ReturnType<typeof setInterval>;

	private constructor(options: TcpProxyOptions, server: net.Server) {
		this.#options = options;
		this.#server = server;
		this.port = (server.address() as net.AddressInfo).port;
		this.target = options.target;
		this.faults = { stall: options.stall, deaf: options.deaf, drip: options.drip, cutAfter: options.cutAfter, refuse: options.refuse };
		this.#random = seededRandom(options.seed);
		server.on("connection", (client) => this.#accept(client));
		// One clock for every drip, so changing `faults.drip` needs no re-arming.
		this.#drip = setInterval(() => this.#pumpAll(), options.drip?.everyMs ?? 10);
	}

	static start(options: TcpProxyOptions): Promise<TcpProxy> {
		return new Promise((resolve, reject) => {
			const server = net.createServer();
			server.once("error", reject);
			server.listen(0, "127.0.0.1", () => resolve(new TcpProxy(options, server)));
		});
	}

	/** Connections open now. */
	get open(): number {
		return this.#links.size;
	}

	/** Closes every open connection (new ones are still accepted). */
	cut(): void {
		for (const link of this.#links) this.#close(link, true);
	}

	/** Lets whatever a stall or drip held back go on now. */
	pump(): void {
		this.#pumpAll();
	}

	summary(): string {
		const c = this.counts;
		return `tcp proxy seed ${this.#options.seed}: ${c.accepted} accepted, ${c.cut} cut, ${c.toTarget} B to target, ${c.toClient} B to client`;
	}

	async close(): Promise<void> {
		clearInterval(this.#drip);
		for (const link of this.#links) this.#close(link, false);
		await new Promise((resolve) => this.#server.close(resolve));
	}

	#accept(client: net.Socket): void {
		this.counts.accepted++;
		// Drawn for every connection whatever the faults, so the n-th connection's cut point depends only on the seed.
		const draw = this.#random();
		if (this.faults.refuse) {
			this.counts.cut++;
			client.resetAndDestroy();
			return;
		}
		const cutAfter = this.faults.cutAfter;
		const cutAt = cutAfter ? Math.floor(cutAfter[0] + draw * (cutAfter[1] - cutAfter[0] + 1)) : Infinity;
		const upstream = net.connect({ host: this.target.host, port: this.target.port });
		const link = new Link(client, upstream, cutAt);
		this.#links.add(link);
		client.setNoDelay(true);
		upstream.setNoDelay(true);
		client.on("data", (chunk: Buffer) => this.#hold(link, "toTarget", chunk));
		upstream.on("data", (chunk: Buffer) => this.#hold(link, "toClient", chunk));
		for (const socket of [client, upstream]) {
			socket.on("error", () => undefined);
			socket.once("close", () => this.#close(link, false));
		}
	}

	#hold(link: Link, direction: Direction, chunk: Buffer): void {
		link.held[direction].push(chunk);
		if (!this.faults.drip) this.#pump(link);
	}

	#pumpAll(): void {
		for (const link of this.#links) {
			if (this.faults.deaf) link.client.pause();
			else if (link.client.isPaused()) link.client.resume();
			this.#pump(link);
		}
	}

	#pump(link: Link): void {
		if (this.faults.stall || link.closed) return;
		for (const direction of ["toTarget", "toClient"] as const) {
			let budget = this.faults.drip?.bytes ?? Infinity;
			const queue = link.held[direction];
			while (queue.length > 0 && budget > 0 && !link.closed) {
				const room = Math.min(budget, link.cutAt - link.forwarded);
				const chunk = queue[0];
				const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
				if (part.length < chunk.length) queue[0] = chunk.subarray(part.length);
				else queue.shift();
				if (part.length > 0) (direction === "toTarget" ? link.upstream : link.client).write(part);
				budget -= part.length;
				link.forwarded += part.length;
				this.counts[direction] += part.length;
				if (link.forwarded >= link.cutAt) this.#close(link, true);
			}
		}
	}

	#close(link: Link, onPurpose: boolean): void {
		if (link.closed) return;
		link.closed = true;
		this.#links.delete(link);
		if (onPurpose) this.counts.cut++;
		// What was forwarded goes out first, then the socket is gone.
		link.client.destroySoon();
		link.upstream.destroySoon();
	}
}
