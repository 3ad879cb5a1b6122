/**
 * Types of tls-session.js: the part of the SDK's SSLSession (modules/crypt/ssl/session_419.js)
 * that tls-link.ts drives. Its methods throw (TLSError, or a plain Error from the
 * certificate code) on anything they refuse.
 */

/** The socket as the session sees it: it reads and writes through it and keeps the counts. */
export interface SessionSocket {
	readable: number;
	writable: number;
	read(into: Uint8Array): unknown;
	/** Returns the room left. */
	write(bytes: ArrayBuffer | Uint8Array): number;
}

export interface SessionOptions {
	/** Sent as SNI and checked against the certificate's subjectAltName. */
	serverName?: string;
	/** A DER trust anchor, registered besides the image's CA bundle. */
	certificate?: ArrayBuffer | HostBuffer;
	protocolVersion?: number;
	/** False turns off ssl_cert.js's chain check (tls-link.ts checks the chain itself). */
	verify?: boolean;
	/** False: no session resumption (a resumed session shows no certificate to check). */
	cache?: boolean;
	/** Our certificate chain (DER), sent when the server asks (ssl_cert.js findPreferredCert: the first is ours). */
	clientCertificates?: (ArrayBuffer | HostBuffer)[];
	/** The private key of the first, PKCS#8 DER; RSA, the only key the session signs CertificateVerify with. */
	clientKey?: ArrayBuffer | HostBuffer;
}

declare class SSLSession {
	constructor(options: SessionOptions);
	/** The options in force; `tls_server_name` is the name the certificate check uses. */
	options: { tls_server_name?: string };
	/** Set once an alert was received (a fatal one also throws). */
	alert?: { readonly level: number; readonly description: number };
	/** The handshake message to act on next, -1 while waiting for the peer's. */
	handshakeProcess: number;
	initiateHandshake(): void;
	/** One handshake step; true once finished (or stopped by an alert). */
	handshake(socket: SessionSocket): boolean;
	/** Application data, undefined when nothing complete is there, null when the peer closed. */
	read(socket: SessionSocket): Uint8Array | null | undefined;
	/** Returns the room left, less the session's own margin. */
	write(socket: SessionSocket, bytes: Uint8Array): number;
	/** Sends close_notify. */
	close(socket: SessionSocket): void;
}

export default SSLSession;
