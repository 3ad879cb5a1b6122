/**
 * Runs an Endpoint over a board's UDP socket by the datagram driver
 * (common/datagram-driver.ts), which sends what it transmits and keeps one timer at its
 * next deadline; this file hands received requests to the server side. Client and server
 * both run on one of these. CoAP has no connection, so nothing is retried here.
 */
import type { Board } from "../common/board";
import { DatagramDriver } from "../common/datagram-driver";
import { Endpoint, type EndpointOptions, type IncomingRequest } from "./endpoint";
import * as m from "./message";

export interface TransportOptions extends EndpointOptions {
	/** Local port; 0 or absent for any free one. */
	readonly port?: number;
	readonly address?: string;
	/** Requests for a server; without it every request is answered 4.04. */
	onRequest?(request: IncomingRequest): void;
	onReady?(): void;
}

export class Transport extends DatagramDriver<Endpoint> {
	private readonly options: TransportOptions;
	private _whenReady: (() => void)[] = [];

	constructor(board: Board, options: TransportOptions) {
		super(board, new Endpoint(options), options);
		this.options = options;
		this.open();
	}

	get endpoint(): Endpoint {
		return this.session;
	}

	get now(): number {
		return this.board.now();
	}

	/** Runs `action` once the socket is bound (at once if it is). */
	whenReady(action: () => void): void {
		if (this.ready) action();
		else this._whenReady.push(action);
	}

	close(): void {
		this.halt();
	}

	protected bound(): void {
		this.options.onReady?.();
		const waiting = this._whenReady.splice(0);
		for (let i = 0; i < waiting.length; i++) waiting[i]();
		this.service();
	}

	/** Passes requests on; a client serves nothing, and answering spares the peer its retransmissions. */
	protected dispatch(): void {
		const endpoint = this.session;
		const onRequest = this.options.onRequest;
		for (let request = endpoint.pollRequest(); request; request = endpoint.pollRequest()) {
			if (onRequest) onRequest(request);
			else endpoint.respond(request, { code: m.NOT_FOUND, options: [], payload: m.EMPTY_BYTES }, this.board.now());
		}
	}

	/** Never bound (the port is taken): the endpoint stays silent, as before it had a socket. */
	protected bindFailed(): void {}

	/** Nothing connects, so nothing is retried. */
	protected retry(): void {}
}
