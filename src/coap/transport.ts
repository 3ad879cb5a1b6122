/**
 * Runs an Endpoint over a board's UDP socket by the datagram driver
 * (common/datagram-driver.ts), which sends what it transmits and keeps one timer at its
 * next deadline; this file hands received requests to the server side. Client and server
 * both run on one of these. CoAP has no connection, so nothing is retried here.
 *
 * With `dtls` (coaps://, RFC 7252 9.1) the driver runs a DtlsLayer wrapped round the
 * endpoint instead: the endpoint's datagrams travel as DTLS application data, and a
 * client's failed handshake fails its requests with the handshake's typed error. The
 * layer comes from the settings' `layer` (dtls/layer.ts's dtlsLayer), never from an import
 * here: an image without DTLS (the ESP8266's default) has CoAP and none of src/dtls.
 */
import type { Board } from "../common/board";
import { DatagramDriver } from "../common/datagram-driver";
import { ProtocolError } from "../common/errors";
import type { DatagramSession } from "../common/session";
import type { SessionState } from "../dtls/connection";
import type { DtlsEvent, DtlsLayer, DtlsOptions } from "../dtls/layer";
import type { PskLookup } from "../dtls/server-handshake";
import { Endpoint, type EndpointOptions, type IncomingRequest } from "./endpoint";
import * as m from "./message";

/** Wraps a DTLS layer round a datagram session: dtls/layer.ts's dtlsLayer, from an image that includes DTLS. */
export type DtlsFactory = (inner: DatagramSession, options: DtlsOptions) => DtlsLayer;

/** coaps with pre-shared keys: a client's identity and key, a server's lookup, or both. */
export interface TransportDtls {
	/** The DTLS implementation (injected: uplinks/table.ts passes dtls/layer.ts's dtlsLayer). */
	readonly layer: DtlsFactory;
	/** Ours, as a client (RFC 4279's psk_identity). */
	readonly identity?: Uint8Array;
	readonly psk?: Uint8Array;
	/** As a server: the key of a client's identity, undefined for one it does not know. */
	readonly lookup?: PskLookup;
	/** A session kept from an earlier run (deep sleep), offered to the first handshake. */
	readonly resume?: SessionState;
	/** ms before an unfinished handshake gives up (default 30 s). */
	readonly handshakeTimeout?: number;
	/** Peers with a connection at once (default 4). */
	readonly maxConnections?: number;
	/** A connection came up or went down. */
	onEvent?(event: DtlsEvent): void;
}

export interface TransportOptions extends EndpointOptions {
	/** Local port; 0 or absent for any free one. */
	readonly port?: number;
	readonly address?: string;
	/** Requests for a server; without it every request is answered 4.04. */
	onRequest?(request: IncomingRequest): void;
	onReady?(): void;
	readonly dtls?: TransportDtls;
}

export class Transport extends DatagramDriver<DatagramSession> {
	declare private readonly options: TransportOptions;
	declare private readonly _endpoint: Endpoint;
	/** Present for coaps. */
	declare readonly dtls: DtlsLayer | undefined;
	declare private readonly _whenReady: (() => void)[];

	constructor(board: Board, options: TransportOptions) {
		const endpoint = new Endpoint(options);
		const dtls = options.dtls && secure(board, endpoint, options.dtls);
		super(board, dtls ?? endpoint, options);
		this._whenReady = [];
		this._endpoint = endpoint;
		this.dtls = dtls;
		this.options = options;
		this.open();
	}

	get endpoint(): Endpoint {
		return this._endpoint;
	}

	get now(): number {
		return this.board.now();
	}

	/** Runs `action` once the socket is bound (at once if it is). */
	whenReady(action: () => void): void {
		if (this.ready) action();
		else this._whenReady.push(action);
	}

	/** Closes the socket; over DTLS, after a close_notify to every peer. */
	close(): void {
		const dtls = this.dtls;
		this.halt(dtls && (() => dtls.closeAll()));
	}

	protected bound(): void {
		if (this.options.onReady) this.options.onReady();
		const waiting = this._whenReady.splice(0);
		for (let i = 0; i < waiting.length; i++) waiting[i]();
		this.service();
	}

	/** Passes requests on; a client serves nothing, and answering spares the peer its retransmissions. */
	protected dispatch(): void {
		const endpoint = this._endpoint;
		const onRequest = this.options.onRequest;
		for (let request = endpoint.pollRequest(); request; request = endpoint.pollRequest()) {
			if (onRequest) onRequest(request);
			else endpoint.respond(request, { code: m.Code.NOT_FOUND, options: [], payload: m.EMPTY_BYTES }, this.board.now());
		}
		const dtls = this.dtls;
		if (!dtls) return;
		const settings = this.options.dtls as TransportDtls;
		for (let event = dtls.pollEvent(); event; event = dtls.pollEvent()) {
			// A client's requests cannot go anywhere once its handshake failed: they end with its error.
			if (event.kind === "closed" && event.error && !settings.lookup) endpoint.failAll(event.error);
			if (settings.onEvent) settings.onEvent(event);
		}
	}

	/** Never bound (the port is taken): the endpoint stays silent, as before it had a socket. */
	protected bindFailed(): void {}

	/** Nothing connects, so nothing is retried. */
	protected retry(): void {}
}

function secure(board: Board, endpoint: Endpoint, settings: TransportDtls): DtlsLayer {
	const crypto = board.crypto;
	if (!crypto) throw new ProtocolError("TLS_HANDSHAKE_FAILED", "coaps: the " + board.name + " board has no crypto primitives");
	const { identity, psk } = settings;
	return settings.layer(endpoint, {
		crypto,
		randomBytes: (count) => board.randomBytes(count),
		now: () => board.now(),
		client: identity && psk ? { identity, psk } : void 0,
		lookup: settings.lookup,
		resume: settings.resume,
		handshakeTimeout: settings.handshakeTimeout,
		maxConnections: settings.maxConnections,
	});
}
