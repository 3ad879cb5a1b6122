/**
 * Drives an Endpoint over a board's UDP socket and clock: sends what it transmits,
 * keeps one timer at its next deadline, and hands received requests to the server
 * side. Client and server both run on one of these.
 */
import type { Board, Datagram } from "../common/board";
import { DeadlineTimer } from "../common/deadline-timer";
import { Endpoint, type EndpointOptions, type IncomingRequest } from "./endpoint";
import { EMPTY_BYTES, NOT_FOUND } from "./message";

export interface TransportOptions extends EndpointOptions {
	/** Local port; 0 or absent for any free one. */
	readonly port?: number;
	readonly address?: string;
	/** Requests for a server; without it every request is answered 4.04. */
	onRequest?(request: IncomingRequest): void;
	onReady?(): void;
}

export class Transport {
	readonly endpoint: Endpoint;
	readonly #board: Board;
	readonly #deadline: DeadlineTimer;
	readonly #datagram: Datagram;
	readonly #onRequest?: (request: IncomingRequest) => void;
	#ready = false;
	#closed = false;
	#whenReady: (() => void)[] = [];

	constructor(board: Board, options: TransportOptions) {
		this.#board = board;
		this.endpoint = new Endpoint(options);
		this.#onRequest = options.onRequest;
		this.#deadline = new DeadlineTimer(board, () => {
			this.endpoint.tick(board.now());
			this.service();
		});
		this.#datagram = board.openDatagram({
			port: options.port,
			address: options.address,
			onMessage: (bytes, address, port) => {
				if (this.#closed) return;
				this.endpoint.received(bytes, { address, port }, board.now());
				this.service();
			},
			onReady: () => {
				this.#ready = true;
				options.onReady?.();
				for (const run of this.#whenReady.splice(0)) run();
				this.service();
			},
		});
	}

	get port(): number {
		return this.#datagram.port;
	}

	get now(): number {
		return this.#board.now();
	}

	/** Runs `action` once the socket is bound (at once if it is). */
	whenReady(action: () => void): void {
		if (this.#ready) action();
		else this.#whenReady.push(action);
	}

	/** Sends what the endpoint wants sent, passes requests on, and re-arms the timer. */
	service(): void {
		const endpoint = this.endpoint;
		if (this.#ready && !this.#closed) for (let out = endpoint.pollTransmit(); out; out = endpoint.pollTransmit()) this.#datagram.send(out.bytes, out.address, out.port);
		for (let request = endpoint.pollRequest(); request; request = endpoint.pollRequest()) {
			if (this.#onRequest) this.#onRequest(request);
			// A client serves nothing; answering spares the peer its retransmissions.
			else endpoint.respond(request, { code: NOT_FOUND, options: [], payload: EMPTY_BYTES }, this.#board.now());
		}
		if (this.#ready && !this.#closed) for (let out = endpoint.pollTransmit(); out; out = endpoint.pollTransmit()) this.#datagram.send(out.bytes, out.address, out.port);
		if (!this.#closed) this.#deadline.arm(endpoint.nextTimeout());
	}

	close(): void {
		if (this.#closed) return;
		this.#closed = true;
		this.#deadline.clear();
		this.#datagram.close();
	}
}
