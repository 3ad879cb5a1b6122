/**
 * What a CoAP Transport (client.ts) is made with: its socket, its server side and its
 * DTLS settings. Types only: the module leaves nothing in the image but its name.
 *
 * With `dtls` (coaps://, RFC 7252 9.1) the transport runs a DtlsLayer wrapped round the
 * endpoint: the endpoint's datagrams travel as DTLS application data. The layer comes from
 * the settings' `layer` (dtls/layer.ts's dtlsLayer), never from an import here: an image
 * without DTLS (the ESP8266's manifest_coap.json) has CoAP and none of src/dtls.
 */
import type { DatagramSession } from "../common/session";
import type { SessionState } from "../dtls/connection";
import type { DtlsEvent, DtlsLayer, DtlsOptions } from "../dtls/layer";
import type { PskLookup } from "../dtls/server-handshake";
import type { EndpointOptions, IncomingRequest } from "./endpoint";

/** Wraps a DTLS layer round a datagram session: dtls/layer.ts's dtlsLayer, from an image that includes DTLS. */
export type DtlsFactory = (inner: DatagramSession, options: DtlsOptions) => DtlsLayer;

/** coaps with pre-shared keys: a client's identity and key, a server's lookup, or both. */
export interface TransportDtls {
	/** The DTLS implementation (injected: protocols/table.ts passes dtls/layer.ts's dtlsLayer). */
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
