/**
 * A Board stream on Moddable: a TCP link (here), a TLS link for mqtts, or a WebSocket link
 * over either for ws and wss (tls-link.ts, ws-link.ts), and what they share.
 * ECMA-419 sockets refuse a write larger than the room they report (onWritable), so
 * writes queue here and drain as room appears (their count is `unwritten`); close() waits
 * for the queue unless told to discard it. Every failure reaches onClose as a typed error:
 * CONNECT_FAILED, CONNECTION_LOST, TLS_CERTIFICATE_REJECTED or TLS_HANDSHAKE_FAILED, with
 * what the platform said as its detail.
 */
import TCP from "embedded:io/socket/tcp";
import type { Board, Stream, StreamOptions } from "../../src/common/board";
import { ProtocolError, thrownText, type ProtocolErrorCode } from "common/errors";
// By module name, not path: the default ESP8266 image maps these to stubs.
import { openTlsLink } from "moddable/tls-link";
import { openWebSocketLink } from "moddable/ws-link";

/**
 * What a Board stream runs on, TCP or TLS alike: a connection that says how many bytes it
 * can take, delivers what arrived, and fails once with a typed error. Every entry from the
 * SDK's socket runs through `guarded`: nothing a peer sends, and nothing the TLS code
 * throws about it, may escape a socket callback, because there it aborts the VM.
 */
export interface LinkHandlers {
	/** Room for `count` bytes; the first call means connected (and, for TLS, handshake done). */
	onWritable(count: number): void;
	onData(bytes: Uint8Array): void;
	/** Called at most once, with a ProtocolError (or a ConfigError); the link is unusable afterwards. */
	onFailed(error: Error): void;
}

/** Where a TLS link goes, and what it trusts (tls-link.ts). */
export interface TlsLinkOptions {
	readonly address: string;
	readonly port: number;
	/** The name the certificate must carry: a DNS name, or an IPv4 literal (checked against its IP SAN). */
	readonly name: string;
	/** A DER certificate resource in the image: the one trust anchor when given, else the CA bundle the manifest includes. */
	readonly ca?: string;
	/** Our certificate, a DER resource, shown to a server that asks for one. */
	readonly cert?: string;
	/** Its private key, an RSA PKCS#8 DER resource (the SDK's TLS signs with RSA only): a secret, never in an error. */
	readonly key?: string;
}

/** Where a WebSocket link goes (ws-link.ts): over TCP, or over TLS when `tls` is there. */
export interface WebSocketLinkOptions {
	readonly address: string;
	readonly port: number;
	/** The host name, for the request's Host header. */
	readonly host: string;
	readonly path: string;
	readonly protocol: string;
	/** The largest message taken, in bytes. */
	readonly maxMessage: number;
	readonly tls?: TlsLinkOptions;
}

export interface Link {
	/** Sends `bytes` (at most the last room given); returns the room left. */
	write(bytes: Uint8Array): number;
	close(): void;
}

/** A typed error passes as it is (the protocol code above may throw one); anything else gets `code`. */
export function asProtocolError(error: unknown, code: ProtocolErrorCode, message: string): ProtocolError {
	if (error instanceof ProtocolError) return error;
	const detail = thrownText(error);
	return new ProtocolError(code, `${message}: ${detail}`, detail);
}

/**
 * Writes to an ECMA-419 TCP socket; returns the room left. When the system call fails (a
 * peer that reset the connection) the SDK's socket returns nothing instead of the room,
 * and on lin it never calls onError afterwards (tcp.c stops polling a socket in error):
 * that missing number is the only sign, so it is turned into a throw here.
 */
export function writeSocket(socket: TCP, bytes: ArrayBuffer | Uint8Array): number {
	const room: unknown = socket.write(bytes);
	if (typeof room !== "number") throw new Error("write failed (connection reset?)");
	return room;
}

/** Runs `body`, and hands anything it throws to `fail` instead of the VM. */
export function guarded(body: () => void, fail: (error: unknown) => void): void {
	try {
		body();
	} catch (error) {
		try {
			fail(error);
		} catch {
			// The failure path itself threw (a handler bug): the socket callback must still return.
		}
	}
}

/** A Link on Moddable's ECMA-419 TCP socket, read through its own reference (not `this`). */
export function openTcpLink(address: string, port: number, handlers: LinkHandlers): Link {
	const peer = `${address}:${port}`;
	let connected = false;
	let failed = false;
	let socket: TCP | undefined;
	const fail = (error: unknown) => {
		if (failed) return;
		failed = true;
		if (socket) socket.close();
		socket = void 0;
		handlers.onFailed(connected ? asProtocolError(error, "CONNECTION_LOST", `connection to ${peer} lost`) : asProtocolError(error, "CONNECT_FAILED", `cannot connect to ${peer}`));
	};
	try {
		socket = new TCP({
			address,
			port,
			nodelay: true,
			onReadable: (count) =>
				guarded(() => {
					const data = socket ? socket.read(count) : void 0;
					if (data instanceof ArrayBuffer) handlers.onData(new Uint8Array(data));
				}, fail),
			onWritable: (count) =>
				guarded(() => {
					connected = true;
					handlers.onWritable(count);
				}, fail),
			// ECMA-419 gives no reason here: what it means depends on how far the connection got.
			onError: () => guarded(() => fail(new Error(connected ? "socket error or closed by the peer" : "refused, unreachable or timed out")), fail),
		});
	} catch (error) {
		// The constructor throws for an address it cannot use or when no socket is left.
		fail(error);
	}
	return {
		write(bytes) {
			if (!socket) return 0;
			try {
				return writeSocket(socket, bytes);
			} catch (error) {
				// Reported after the caller's write returns, not inside it.
				void Promise.resolve().then(() => guarded(() => fail(error), () => void 0));
				return 0;
			}
		},
		close() {
			failed = true;
			if (socket) socket.close();
			socket = void 0;
		},
	};
}

/**
 * The board's `connectStream` (board.ts makes this function its own): the host name goes
 * through the board's resolver, `this`, so DNS is the board's alone and an image without
 * streams (no-stream.ts) still has it.
 */
export function connectStream(this: Board, options: StreamOptions): Stream {
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
		if (link) link.close();
		link = void 0;
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

	this.resolve(options.host, (address) => {
		if (done) return;
		if (address === void 0) return finish(new ProtocolError("CONNECT_FAILED", `cannot resolve ${options.host}`, "no address from DNS"));
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
