/**
 * `coap://host[:port]/path?query` and `coaps://` (RFC 7252 6.1, 6.2 and 6.4): the host and port to send to,
 * and the Uri-Host (for a host name), Uri-Path and Uri-Query options of the request. Percent-encoded octets are
 * decoded into the option values; IPv6 literals are not supported (the boards speak IPv4).
 */
import { ProtocolError } from "../common/errors";
import { encodeUtf8 } from "../common/utf8";
import type { CoapOption } from "./message";
import * as o from "./types";
import { ipv4Octets, splitUrl } from "../common/text";

export const COAP_PORT = 5683;
/** coaps:// (DTLS) by default (RFC 7252 6.2). */
export const COAPS_PORT = 5684;

export interface CoapUri {
	readonly host: string;
	readonly port: number;
	/** Uri-Path then Uri-Query options, in order. */
	readonly options: readonly CoapOption[];
	/** "/a/b?x=1" as given, for logs. */
	readonly pathAndQuery: string;
	/** coaps://: the transport must run DTLS. */
	readonly secure: boolean;
}

/** Throws ProtocolError INVALID_URI for anything else than a coap:// or coaps:// URI. */
export function parseCoapUri(uri: string): CoapUri {
	const parts = splitUrl(uri);
	const expected = "coap[s]://host[:port][/path][?query]";
	const secure = parts !== void 0 && parts.scheme === "coaps";
	// No fragment (RFC 7252 6.4 step 4).
	if (!parts || (parts.scheme !== "coap" && !secure) || parts.rest.includes("#")) throw new ProtocolError("INVALID_URI", "expected " + expected);
	const mark = parts.rest.indexOf("?");
	const path = mark < 0 ? parts.rest : parts.rest.slice(0, mark);
	const query = mark < 0 ? void 0 : parts.rest.slice(mark + 1);
	const port = parts.port ? Number(parts.port) : secure ? COAPS_PORT : COAP_PORT;
	if (port < 1 || port > 65535) throw new ProtocolError("INVALID_URI", "expected " + expected + ", port 1-65535");
	const options: CoapOption[] = [];
	const host = parts.host;
	// 6.4 step 5: a host name goes in Uri-Host, lowercase (a server may serve several); an IPv4 literal is the datagram's own address.
	if (!ipv4Octets(host)) options.push({ number: o.Option.URI_HOST, value: encodeUtf8(host.toLowerCase()) });
	// 6.4 step 8: a path of "" or "/" has no Uri-Path option.
	if (path.length > 1) push(options, o.Option.URI_PATH, path.slice(1).split("/"));
	if (query) push(options, o.Option.URI_QUERY, query.split("&"));
	return { host, port, options, pathAndQuery: path + (query ? "?" + query : ""), secure };
}

/**
 * One option `number` per part, each percent-decoded (6.4 steps 8 and 9). Uri-Path and
 * Uri-Query are string options, UTF-8 (5.10.1): an escape that is cut off, not hex, or
 * not UTF-8 is refused here rather than sent for the server to refuse.
 */
function push(options: CoapOption[], number: number, parts: string[]): void {
	for (let i = 0; i < parts.length; i++) {
		let part = parts[i];
		if (part.indexOf("%") >= 0)
			try {
				part = decodeURIComponent(part);
			} catch {
				throw new ProtocolError("INVALID_URI", "bad % escape in " + parts[i]);
			}
		options.push({ number, value: encodeUtf8(part) });
	}
}
