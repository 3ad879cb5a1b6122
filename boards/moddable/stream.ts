/**
 * A Board stream on Moddable: a TCP link, a TLS link for mqtts, or a WebSocket link over
 * either for ws and wss (tcp-link.ts, tls-link.ts, ws-link.ts).
 * ECMA-419 sockets refuse a write larger than the room they report (onWritable), so
 * writes queue here and drain as room appears (their count is `unwritten`); close() waits
 * for the queue unless told to discard it. Every failure reaches onClose as a typed error:
 * CONNECT_FAILED, CONNECTION_LOST, TLS_CERTIFICATE_REJECTED or TLS_HANDSHAKE_FAILED, with
 * what the platform said as its detail.
 */
import type { Stream, StreamOptions } from "../../src/common/board";
import { ProtocolError } from "common/errors";
import type { Link, LinkHandlers } from "./link";
import { resolveHost } from "./resolve";
import { openTcpLink } from "./tcp-link";
// By module name, not path: the default ESP8266 image maps these to stubs.
import { openTlsLink } from "moddable/tls-link";
import { openWebSocketLink } from "moddable/ws-link";

export function connectStream(options: StreamOptions): Stream {
	let link: Link | undefined;
	let connected = false;
	let closing = false;
	let done = false;
	let writable = 0;
	/** Bytes in `queue`: what a peer that stopped reading leaves behind (Stream.unwritten). */
	let unwritten = 0;
	const queue: Uint8Array[] = [];

	const finish = (error?: Error) => {
		if (done) return;
		done = true;
		link?.close();
		link = undefined;
		options.onClose(error);
	};
	const drain = () => {
		while (link && queue.length > 0 && writable > 0) {
			const head = queue[0];
			const part = head.length <= writable ? head : head.subarray(0, writable);
			writable = link.write(part);
			unwritten -= part.length;
			if (part === head) queue.shift();
			else queue[0] = head.subarray(part.length);
		}
		if (closing && queue.length === 0) finish();
	};
	const handlers: LinkHandlers = {
		onWritable(count) {
			if (done) return;
			writable = count;
			if (!connected) {
				connected = true;
				options.onConnect();
			}
			drain();
		},
		onData(bytes) {
			if (!done) options.onData(bytes);
		},
		onFailed: (error) => finish(error),
	};

	resolveHost(options.host, (address) => {
		if (done) return;
		if (address === undefined) return finish(new ProtocolError("CONNECT_FAILED", `cannot resolve ${options.host}`, "no address from DNS"));
		const { port, tls, websocket } = options;
		const secure = tls && { address, port, name: tls.serverName ?? options.host, ca: tls.ca, cert: tls.cert, key: tls.key };
		let opened: Link;
		try {
			if (websocket) opened = openWebSocketLink({ address, port, host: options.host, ...websocket, tls: secure }, handlers);
			else opened = secure ? openTlsLink(secure, handlers) : openTcpLink(address, port, handlers);
		} catch (error) {
			// An image without the link asked for (a stub's ConfigError): told as this stream's end.
			return finish(error instanceof Error ? error : new ProtocolError("CONNECT_FAILED", `cannot open a link to ${options.host}`, String(error)));
		}
		// A link that failed while opening has reported it already.
		if (done) opened.close();
		else link = opened;
	});

	return {
		write(bytes) {
			if (done || closing) return;
			queue.push(bytes);
			unwritten += bytes.length;
			if (connected) drain();
		},
		get unwritten() {
			return unwritten;
		},
		close(discard) {
			closing = true;
			if (discard) {
				queue.length = 0;
				unwritten = 0;
			}
			if (!connected || queue.length === 0) finish();
		},
	};
}
