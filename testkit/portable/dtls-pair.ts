/**
 * Two DtlsLayers wired to each other in memory, for the portable DTLS suites: a client
 * at 10.0.0.1:1000 and a server at 10.0.0.2:5684, each over a Probe inner session (what
 * it is handed, what it is asked to send), on one fake clock, with a datagram filter
 * (loss, tampering) between them. Soft crypto and a seeded random source: runs in XS.
 */
import type { Addressed, DatagramSession, Peer } from "../../src/common/session";
import { DtlsLayer, type DtlsOptions } from "../../src/dtls/layer";
import { seededRandom } from "./seeded-random";
import { softCrypto } from "./soft-crypto";

/** An inner session that keeps what arrives and sends what it is given. */
export class Probe implements DatagramSession {
	readonly arrived: { bytes: Uint8Array; peer: Peer }[] = [];
	readonly outbox: Addressed[] = [];
	received(bytes: Uint8Array, peer: Peer): void {
		this.arrived.push({ bytes: bytes.slice(), peer });
	}
	pollTransmit(): Addressed | undefined {
		return this.outbox.shift();
	}
	tick(): void {}
	nextTimeout(): number | undefined {
		return undefined;
	}
}

export const CLIENT: Peer = { address: "10.0.0.1", port: 1000 };
export const SERVER: Peer = { address: "10.0.0.2", port: 5684 };

export const IDENTITY = new Uint8Array([0x6c, 0x61, 0x6d, 0x70]); // "lamp"
export const PSK = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);

export interface Wire {
	readonly from: Peer;
	readonly to: Peer;
	readonly bytes: Uint8Array;
}

export function randomSource(seed: number): (count: number) => Uint8Array {
	const random = seededRandom(seed);
	return (count) => {
		const bytes = new Uint8Array(count);
		for (let i = 0; i < count; i++) bytes[i] = Math.floor(random() * 256);
		return bytes;
	};
}

export class Pair {
	now = 0;
	readonly clientProbe = new Probe();
	readonly serverProbe = new Probe();
	readonly client: DtlsLayer;
	readonly server: DtlsLayer;
	/** Every datagram that crossed, in order (after the filter). */
	readonly wire: Wire[] = [];
	/** Returns the datagram to deliver, or undefined to lose it. */
	filter: (wire: Wire) => Uint8Array | undefined = (wire) => wire.bytes;

	/** Where the client sends from. */
	clientAt: Peer = CLIENT;

	constructor(client: Partial<DtlsOptions> = {}, server: Partial<DtlsOptions> = {}) {
		const clock = () => this.now;
		this.client = new DtlsLayer(this.clientProbe, { crypto: softCrypto, randomBytes: randomSource(1), now: clock, client: { identity: IDENTITY, psk: PSK }, ...client });
		this.server = new DtlsLayer(this.serverProbe, { crypto: softCrypto, randomBytes: randomSource(2), now: clock, lookup: (identity) => (same(identity, IDENTITY) ? PSK : undefined), ...server });
	}

	/** Moves datagrams both ways until none is left; returns how many crossed. */
	pump(): number {
		let moved = 0;
		for (let busy = true; busy; ) {
			busy = false;
			for (let out = this.client.pollTransmit(); out; out = this.client.pollTransmit()) {
				busy = true;
				moved++;
				this.deliver({ from: this.clientAt, to: out, bytes: out.bytes }, this.server);
			}
			for (let out = this.server.pollTransmit(); out; out = this.server.pollTransmit()) {
				busy = true;
				moved++;
				this.deliver({ from: SERVER, to: out, bytes: out.bytes }, this.client);
			}
		}
		return moved;
	}

	/** Runs the clock to the next deadline of either side (and pumps), until `done` or `limit` ms. */
	runUntil(done: () => boolean, limit = 120000): void {
		const end = this.now + limit;
		this.pump();
		while (!done() && this.now < end) {
			const next = Math.min(this.client.nextTimeout() ?? Infinity, this.server.nextTimeout() ?? Infinity);
			if (next === Infinity) break;
			this.now = Math.max(this.now, next);
			this.client.tick(this.now);
			this.server.tick(this.now);
			this.pump();
		}
	}

	private deliver(wire: Wire, to: DtlsLayer): void {
		const bytes = this.filter(wire);
		if (!bytes) return;
		this.wire.push({ from: wire.from, to: wire.to, bytes });
		to.received(bytes, wire.from, this.now);
	}
}

export function same(a: Uint8Array, b: Uint8Array): boolean {
	return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

export function events(layer: DtlsLayer): { kind: string; code?: string; detail?: string; resumed?: boolean }[] {
	const list: { kind: string; code?: string; detail?: string; resumed?: boolean }[] = [];
	for (let event = layer.pollEvent(); event; event = layer.pollEvent()) list.push({ kind: event.kind, code: event.error?.code, detail: event.error?.detail, resumed: event.resumed });
	return list;
}
