/**
 * What a Board stream runs on, TCP or TLS alike: a connection that says how many bytes it
 * can take, delivers what arrived, and fails once with a typed error. Every entry from the
 * SDK's socket runs through `guarded`: nothing a peer sends, and nothing the TLS code
 * throws about it, may escape a socket callback, because there it aborts the VM.
 */
import type TCP from "embedded:io/socket/tcp";
import { ProtocolError, type ProtocolErrorCode } from "common/errors";

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

/** The message of whatever was thrown, for a detail field. The SDK's messages carry no secrets. */
export function thrownText(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/** A typed error passes as it is (the protocol code above may throw one); anything else gets `code`. */
export function asProtocolError(error: unknown, code: ProtocolErrorCode, message: string): ProtocolError {
	return error instanceof ProtocolError ? error : new ProtocolError(code, `${message}: ${thrownText(error)}`, thrownText(error));
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
