/**
 * What a CoAP server serves: resources at paths, each answering the methods it has.
 * A handler gets the request's parts already read and returns a representation; the
 * server (server.ts) does the protocol around it: status codes for what is missing,
 * block-wise transfer, Observe, discovery.
 */
import type { Peer } from "./endpoint";

export interface ResourceRequest {
	readonly method: number;
	readonly peer: Peer;
	/** "/lamp". */
	readonly path: string;
	/** The Uri-Query arguments, "key=value" each. */
	readonly query: readonly string[];
	/** The whole body, Block1 blocks joined. */
	readonly payload: Uint8Array;
	readonly contentFormat?: number;
	/** The Content-Format asked for (Accept, 5.10.4): a representation in another is answered 4.06. */
	readonly accept?: number;
}

export interface Representation {
	/** 2.05 for GET, 2.04 for PUT/POST unless said otherwise. */
	readonly code?: number;
	readonly payload?: Uint8Array | string;
	readonly contentFormat?: number;
	/** Seconds (Max-Age); absent for the default of 60. */
	readonly maxAge?: number;
}

/** A promise for a slow answer: a CON request is then acknowledged first and answered separately (5.2.2). */
export type Handler = (request: ResourceRequest) => Representation | PromiseLike<Representation>;

export interface Resource {
	/** RFC 6690 attributes for /.well-known/core: rt, if, ct, sz... (obs is added for observable ones). */
	readonly attributes?: Readonly<Record<string, string>>;
	/** GET may be observed (RFC 7641); call `CoapServer.changed(path)` on every change. */
	readonly observable?: boolean;
	/** Content-Formats a PUT or POST may carry; others get 4.15. Absent: any. */
	readonly accepts?: readonly number[];
	readonly get?: Handler;
	readonly put?: Handler;
	readonly post?: Handler;
	readonly delete?: Handler;
}
