/**
 * A UDP proxy that makes a loopback link as bad as a radio: it drops, duplicates,
 * reorders and delays datagrams, in both directions, from a seeded PRNG so that a
 * failing run can be replayed. Put it between a UDP client and its server:
 *
 *   const proxy = await UdpProxy.start({ target: { address: "127.0.0.1", port: serverPort },
 *                                        seed: 7, loss: 0.3, duplicate: 0.1, reorder: 0.1 });
 *   // point the client at 127.0.0.1:proxy.port
 *   console.log(proxy.summary());
 *   await proxy.close();
 *
 * Each client address gets its own socket towards the target, so the server sees one
 * source per client as it would through a NAT. Each direction draws from its own PRNG
 * stream, four numbers per datagram whatever happens to it, so the n-th datagram in a
 * direction always meets the same fate for a given seed. `faults` may be changed while
 * running (say `loss: 1` to cut the link); `counts` says what was done.
 */
import dgram from "node:dgram";
import { seededRandom } from "../portable/seeded-random";

export interface UdpFaults {
	/** Probability that a datagram is dropped (0 to 1). */
	loss?: number;
	/** Probability that a datagram is delivered twice. */
	duplicate?: number;
	/** Probability that a datagram is held back and sent after the next one in its direction. */
	reorder?: number;
	/** A delay in ms drawn uniformly from [min, max] for every datagram (reorders too, when it varies). */
	delay?: readonly [number, number];
}

export interface UdpProxyOptions extends UdpFaults {
	readonly target: { readonly address: string; readonly port: number };
	readonly seed: number;
	/** Port to listen on, on 127.0.0.1 (default: any free one). */
	readonly port?: number;
	/** How long a held-back datagram waits for a later one before it goes anyway (default 20 ms). */
	readonly holdMs?: number;
}

/** What happened to the datagrams going one way. */
export interface DirectionCounts {
	received: number;
	/** Sent on, duplicates included. */
	forwarded: number;
	dropped: number;
	duplicated: number;
	reordered: number;
	delayed: number;
}

type Direction = "toTarget" | "toClient";

export class UdpProxy {
	readonly port: number;
	faults: UdpFaults;
	readonly counts: Record<Direction, DirectionCounts> = { toTarget: emptyCounts(), toClient: emptyCounts() };
	readonly #options: UdpProxyOptions;
	readonly #listener: dgram.Socket;
	readonly #upstream = new Map<string, dgram.Socket>();
	readonly #random: Record<Direction, () => number>;
	readonly #held: Record<Direction, { send: () => void; timer: ReturnType<typeof setTimeout> } | undefined> = { toTarget: undefined, toClient: undefined };
	readonly #timers = new Set<ReturnType<typeof setTimeout>>();
	#closed = false;

	private constructor(options: UdpProxyOptions, listener: dgram.Socket) {
		this.#options = options;
		this.#listener = listener;
		this.port = listener.address().port;
		this.faults = { loss: options.loss, duplicate: options.duplicate, reorder: options.reorder, delay: options.delay };
		this.#random = { toTarget: seededRandom(options.seed * 2 + 1), toClient: seededRandom(options.seed * 2 + 2) };
		listener.on("message", (message, client) => this.#fromClient(message, client));
	}

	static async start(options: UdpProxyOptions): Promise<UdpProxy> {
		const listener = await bound(options.port ?? 0);
		return new UdpProxy(options, listener);
	}

	/** One line for test output: per direction, received / forwarded / dropped / duplicated / reordered. */
	summary(): string {
		const line = (c: DirectionCounts) =>
			`${c.received} in, ${c.forwarded} out, ${c.dropped} dropped, ${c.duplicated} duplicated, ${c.reordered} reordered, ${c.delayed} delayed`;
		return `to target: ${line(this.counts.toTarget)}; to client: ${line(this.counts.toClient)}`;
	}

	async close(): Promise<void> {
		this.#closed = true;
		for (const timer of this.#timers) clearTimeout(timer);
		for (const held of Object.values(this.#held)) if (held) clearTimeout(held.timer);
		const sockets = [this.#listener, ...this.#upstream.values()];
		await Promise.all(sockets.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
	}

	#fromClient(message: Buffer, client: dgram.RemoteInfo): void {
		const key = `${client.address}:${client.port}`;
		let upstream = this.#upstream.get(key);
		if (!upstream) {
			const socket = dgram.createSocket("udp4");
			socket.bind(0, "127.0.0.1");
			socket.on("message", (reply) => this.#pass("toClient", () => this.#listener.send(reply, client.port, client.address)));
			socket.on("error", () => undefined);
			this.#upstream.set(key, socket);
			upstream = socket;
		}
		const socket = upstream;
		const { address, port } = this.#options.target;
		this.#pass("toTarget", () => socket.send(message, port, address));
	}

	/** Decides a datagram's fate: four draws, always, so later fates do not depend on this one's. */
	#pass(direction: Direction, send: () => void): void {
		if (this.#closed) return;
		const random = this.#random[direction];
		const [lose, twice, hold, wait] = [random(), random(), random(), random()];
		const counts = this.counts[direction];
		const faults = this.faults;
		counts.received++;
		if (lose < (faults.loss ?? 0)) {
			counts.dropped++;
			return;
		}
		const copies = twice < (faults.duplicate ?? 0) ? 2 : 1;
		if (copies === 2) counts.duplicated++;
		const reorder = hold < (faults.reorder ?? 0);
		const [min, max] = faults.delay ?? [0, 0];
		const delay = min + wait * (max - min);
		const emit = () => {
			for (let i = 0; i < copies; i++) {
				counts.forwarded++;
				this.#emit(direction, reorder && i === 0, send);
			}
		};
		if (delay <= 0) return emit();
		counts.delayed++;
		const timer = setTimeout(() => {
			this.#timers.delete(timer);
			if (!this.#closed) emit();
		}, delay);
		this.#timers.add(timer);
	}

	/** Sends, swapping with a datagram held back before; or holds this one back. */
	#emit(direction: Direction, holdBack: boolean, send: () => void): void {
		const held = this.#held[direction];
		if (held) {
			clearTimeout(held.timer);
			this.#held[direction] = undefined;
			send();
			held.send();
			return;
		}
		if (!holdBack) {
			send();
			return;
		}
		this.counts[direction].reordered++;
		const timer = setTimeout(() => {
			this.#held[direction] = undefined;
			if (!this.#closed) send();
		}, this.#options.holdMs ?? 20);
		this.#held[direction] = { send, timer };
	}
}

function emptyCounts(): DirectionCounts {
	return { received: 0, forwarded: 0, dropped: 0, duplicated: 0, reordered: 0, delayed: 0 };
}

function bound(port: number): Promise<dgram.Socket> {
	return new Promise((resolve, reject) => {
		const socket = dgram.createSocket("udp4");
		socket.once("error", reject);
		socket.bind(port, "127.0.0.1", () => {
			socket.off("error", reject);
			socket.on("error", () => undefined);
			resolve(socket);
		});
	});
}
