/**
 * Requests on a bare Endpoint with a handler of their own: what the hosts' client and the
 * endpoint tests do. The device only submits prepared exchanges (client.ts), so these take
 * no flash there.
 */
import { exchangeOf, type Endpoint, type Content, type Peer, type RequestOptions, type ResponseHandler } from "../../src/coap/endpoint";

/** Sends a request to `peer` (or queues it behind NSTART); returns its token. */
export function sendRequest(endpoint: Endpoint, peer: Peer, content: Content, now: number, handler: ResponseHandler, options: RequestOptions = {}): Uint8Array {
	return endpoint.submit(exchangeOf(peer, content, options.confirmable ?? true, options.observe ?? false, handler), now, options.token);
}
