/**
 * TLS on the host board: Node's options with verification on, and Node's failures as the
 * firmware's typed errors, shared by the plain TLS stream and WebSocket over TLS.
 */
import net from "node:net";
import tls from "node:tls";
import type { TlsOptions } from "../../src/common/board";
import { ConfigError, ProtocolError } from "../../src/common/errors";

/** Node TLS options with verification on; Node refuses options that are present but undefined. */
export function tlsOptions(host: string, port: number, secure: TlsOptions): tls.ConnectionOptions {
	const name = secure.serverName ?? host;
	const options: tls.ConnectionOptions = { host, port, rejectUnauthorized: true };
	if (secure.ca !== undefined) options.ca = secure.ca;
	// Our certificate and its key, for a broker that asks for one (mosquitto's require_certificate).
	if (secure.cert !== undefined) options.cert = secure.cert;
	if (secure.key !== undefined) options.key = secure.key;
	// With a certificate to show, TLS 1.2 (what the devices speak): the server then judges it
	// inside the handshake, so a refusal is its alert. Under TLS 1.3 the client is done first,
	// sends CONNECT, and the broker's reset can beat its alert: a refusal looked like CONNECTION_LOST.
	if (secure.cert !== undefined) options.maxVersion = "TLSv1.2";
	// SNI must not carry an IP address (RFC 6066 3); the identity check still applies.
	if (!net.isIP(name)) options.servername = name;
	if (secure.serverName !== undefined) options.checkServerIdentity = (_host, cert) => tls.checkServerIdentity(name, cert);
	return options;
}

/**
 * Whether Node can use the client certificate and key: a ConfigError naming the key if
 * not. Node's reason is left out, so no byte of the key can reach a log through it.
 */
export function checkClientCertificate(secure: TlsOptions | undefined): ConfigError | undefined {
	if (secure?.cert === undefined && secure?.key === undefined) return undefined;
	try {
		tls.createSecureContext({ cert: secure.cert, key: secure.key });
		return undefined;
	} catch {
		return new ConfigError("brokerKey", "a PEM private key (a file on the host) that matches brokerCert, a PEM certificate");
	}
}

/**
 * Node's certificate verification failures (OpenSSL's X509_V_ERR_* names, and the host
 * name check's own code) as the firmware's typed error, so the application can tell "the
 * broker is not who it claims" from "the broker is down". Node's reason stays in the text.
 */
const CERTIFICATE_FAILURES = new Set([
	"CERT_HAS_EXPIRED",
	"CERT_NOT_YET_VALID",
	"DEPTH_ZERO_SELF_SIGNED_CERT",
	"SELF_SIGNED_CERT_IN_CHAIN",
	"UNABLE_TO_GET_ISSUER_CERT",
	"UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
	"UNABLE_TO_VERIFY_LEAF_SIGNATURE",
	"CERT_SIGNATURE_FAILURE",
	"CERT_REVOKED",
	"CERT_UNTRUSTED",
	"ERR_TLS_CERT_ALTNAME_INVALID",
]);

/**
 * The alerts a server sends when it refuses the client's certificate or got none (RFC 8446
 * 6.2, RFC 5246 7.2.2), as OpenSSL names them on the receiving side. Under TLS 1.3 the
 * client has finished its handshake by then, so these can come while "connected".
 */
const CLIENT_CERTIFICATE_ALERTS = new Set([
	"ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED",
	"ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE",
	"ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE",
	"ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED",
	"ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED",
	"ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN",
	"ERR_SSL_TLSV1_ALERT_UNKNOWN_CA",
	"ERR_SSL_TLSV1_ALERT_ACCESS_DENIED",
]);

/** Node's error code, or its class name when it has none. */
export function nodeCode(error: Error): string {
	return (error as NodeJS.ErrnoException).code ?? error.name;
}

/** A certificate failure in either direction, whatever the phase; undefined for anything else. */
export function certificateError(error: Error, peer: string): ProtocolError | undefined {
	const code = nodeCode(error);
	if (CERTIFICATE_FAILURES.has(code)) return new ProtocolError("TLS_CERTIFICATE_REJECTED", `the broker's certificate was refused (${code}): ${error.message}`, code);
	if (CLIENT_CERTIFICATE_ALERTS.has(code)) return new ProtocolError("TLS_CLIENT_CERTIFICATE_REFUSED", `${peer} refused our client certificate, or wanted one (${code})`, code);
	return undefined;
}

export type TransportPhase = "connecting" | "handshake" | "connected";

/**
 * Whether a TLS 1.3 server accepted the handshake. Under TLS 1.3 the client is done before
 * the server has judged the client's certificate (RFC 8446 4.4.2: it comes with the
 * client's Finished). A server that refuses sends an alert and closes, but our first write
 * (CONNECT, the upgrade request) is on its way already, and the reset that closing over it
 * makes can beat the alert (seen against mosquitto's require_certificate about one run in
 * three). A server that accepted sends its session tickets at once (OpenSSL does) or
 * answers: a reset before either is the handshake refused, not a connection lost.
 */
export class Tls13Verdict {
	#tls13 = false;
	#accepted = false;

	constructor(socket: tls.TLSSocket) {
		socket.once("secureConnect", () => (this.#tls13 = socket.getProtocol() === "TLSv1.3"));
		socket.once("session", () => this.accept());
	}

	/** The server answered (data, a WebSocket upgrade): it took the handshake. */
	accept(): void {
		this.#accepted = true;
	}

	/** A reset or broken pipe from a TLS 1.3 server that never accepted: TLS_HANDSHAKE_FAILED, else undefined. */
	refused(error: Error, peer: string): ProtocolError | undefined {
		const code = nodeCode(error);
		if (!this.#tls13 || this.#accepted || (code !== "ECONNRESET" && code !== "EPIPE")) return undefined;
		return new ProtocolError("TLS_HANDSHAKE_FAILED", `${peer} closed the connection as the TLS 1.3 handshake ended, before accepting it (does it require a client certificate? brokerCert)`, code);
	}
}

/**
 * A Node socket error as the firmware's typed error, Node's code (ECONNRESET,
 * ECONNREFUSED, CERT_HAS_EXPIRED...) as its detail. Node's messages name only the
 * address and the system call, never a credential, so they stay in the text.
 */
export function transportError(error: Error, phase: TransportPhase, peer: string): ProtocolError {
	const certificate = certificateError(error, peer);
	if (certificate) return certificate;
	const code = nodeCode(error);
	switch (phase) {
		case "connecting":
			return new ProtocolError("CONNECT_FAILED", `cannot connect to ${peer}: ${error.message}`, code);
		case "handshake":
			return new ProtocolError("TLS_HANDSHAKE_FAILED", `the TLS handshake with ${peer} failed: ${error.message}`, code);
		case "connected":
			return new ProtocolError("CONNECTION_LOST", `the connection to ${peer} was lost: ${error.message}`, code);
	}
}
