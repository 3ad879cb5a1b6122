/**
 * The socket under a CoAP client or server: an Endpoint (endpoint.ts) run over a board's
 * UDP socket by the datagram driver, optionally through DTLS.
 */
import type { Board } from "../common/board";
import type { DatagramSession } from "../common/session";
import { DatagramDriver } from "../datagram/driver";
import type { DtlsLayer } from "../dtls/layer";
import { Endpoint, type Peer } from "./endpoint";
import type { TransportDtls, TransportOptions } from "./types";

/**
 * Runs an Endpoint over a board's UDP socket by the datagram driver
 * (datagram/driver.ts), which sends what it transmits and keeps one timer at its
 * next deadline, and hands received requests to the server side. Client and server both
 * run on one of these. CoAP has no connection, so nothing is retried here. Over DTLS
* (types.ts) a client's failed handshake fails its requests with the handshake's typed error.
 */
export class Transport extends DatagramDriver<DatagramSession> {
	declare readonly endpoint: Endpoint;
	/** Present for coaps only (absent, not undefined: an undefined field still takes a slot). */
	declare readonly dtls?: DtlsLayer;

	constructor(board: Board, options: TransportOptions) {
		const endpoint = new Endpoint(options);
		const settings = options.dtls;
		const dtls = settings ? settings.layer(endpoint, settings, board) : void 0;
		super(board, dtls ?? endpoint, options);
		this.endpoint = endpoint;
		if (dtls) this.dtls = dtls;
		this.open();
	}

	/** Sends `bytes` now (once bound; over DTLS once the handshake is done), datagrams the endpoint keeps nothing of. */
	sendNow(peer: Peer, bytes: Uint8Array): void {
		if (!this.dtls && this.sendBound(bytes, peer.address, peer.port)) return;
		// Unbound, it waits in the endpoint's queue; over DTLS it may start a handshake, whose retransmissions need the timer.
		this.endpoint.send(peer, bytes);
		this.transmit();
	}

	/** Closes the socket; over DTLS, after a close_notify to every peer. */
	close(): void {
		const dtls = this.dtls;
		this.halt(dtls && (() => dtls.closeAll()));
	}

	protected bound(): void {
		// The endpoint keeps the options (a field of their own here would cost a slot).
		const onReady = (this.endpoint.options as TransportOptions).onReady;
		if (onReady) onReady();
		this.service();
	}

	/** Passes DTLS events on (requests went to the server as they arrived, endpoint.ts). */
	protected dispatch(): void {
		const dtls = this.dtls;
		if (!dtls) return;
		const settings = (this.endpoint.options as TransportOptions).dtls as TransportDtls;
		for (let event = dtls.pollEvent(); event; event = dtls.pollEvent()) {
			// A client's requests cannot go anywhere once its handshake failed: they end with its error.
			if (event.kind === "closed" && event.error && !settings.lookup) this.endpoint.failAll(event.error);
			if (settings.onEvent) settings.onEvent(event);
		}
	}

	/** Never bound (the port is taken): the endpoint stays silent, as before it had a socket, and the owner is told. */
	protected bindFailed(error: Error): void {
		const onError = (this.endpoint.options as TransportOptions).onError;
		if (onError) onError(error);
	}

	/** Nothing connects, so nothing is retried. */
	protected retry(): void {}
}
