/**
 * A TLS Link: the SDK's TLS session (ssl/session) driven over an ECMA-419 TCP socket.
 *
 * The SDK's TLSSocket (examples/io/tcp/tlssocket) is not used, for two reasons found in
 * the simulator: it calls its callbacks with the callbacks object as `this`, and what its
 * session throws (a refused certificate, "date validation failed", a fatal alert such as
 * "alert: 2, 70" from a TLS 1.3-only broker) escapes from the TCP socket's callbacks and
 * from a timer it sets to read on, which aborts the VM. Here the session is driven from
 * the socket's callbacks only, every record available is processed there, and every
 * entry is guarded: a throw closes the socket and becomes one typed error.
 */
import TCP from "embedded:io/socket/tcp";
import Resource from "Resource";
import { ConfigError, ProtocolError, thrownText } from "common/errors";
import { guarded, writeSocket, type Link, type LinkHandlers, type TlsLinkOptions } from "./stream";
import { TlsCheck } from "./tls-check";
import SSLSession, { type SessionOptions, type SessionSocket } from "./tls-session";
import { ipv4Octets } from "common/text";

/** This image speaks TLS (the default ESP8266 image maps this module to boards/esp8266/no-tls.ts). */
export const tlsAvailable = true;


/** TLS 1.2, the newest version the SDK's TLS speaks. */
const TLS_1_2 = 0x303;
/** Room kept for a record's header, IV, MAC and padding when telling the stream how much fits. */
const RECORD_OVERHEAD = 96;
/** Handshake steps run per socket callback at most; each one makes progress or stops the loop. */
const MAX_STEPS = 32;

/**
 * What the SDK throws about the server's certificate, read in modules/crypt/ssl:
 * "certificate: auth err" (ssl_handshake.js: no trusted chain, or the name does not match),
 * "date validation failed" (ssl_cert.js register(): an expired or not yet valid server
 * certificate or trust anchor), "Cert: unsupported algorithm" (ssl_cert.js _verify()), and
 * "invalid buffer" (Bin.comp on the missing Authority Key Identifier of a CA certificate).
 * Everything else in the handshake (alerts, ciphers, key exchange, closed socket) is a
 * handshake failure.
 */
function isCertificateFailure(text: string): boolean {
	return text.startsWith("certificate: ") || text.startsWith("Cert: ") || text.includes("date validation failed") || text.includes("invalid buffer");
}

/**
 * Alerts a server sends when it refuses our certificate, or wanted one (RFC 5246 7.2.2):
 * bad_certificate 42, unsupported_certificate 43, certificate_revoked 44,
 * certificate_expired 45, certificate_unknown 46, unknown_ca 48, access_denied 49, and
 * TLS 1.3's certificate_required 116. The SDK throws any but close_notify as "alert: level, N".
 * (A TLS 1.2 server given no certificate answers handshake_failure 40: TLS_HANDSHAKE_FAILED.)
 */
const CLIENT_CERTIFICATE_ALERTS = [42, 43, 44, 45, 46, 48, 49, 116];

function clientCertificateAlert(text: string): boolean {
	if (!text.startsWith("alert: ")) return false;
	return CLIENT_CERTIFICATE_ALERTS.includes(Number(text.slice(text.lastIndexOf(", ") + 2)));
}

/** A resource's bytes in RAM (the session keeps and compares them), or a ConfigError naming `key`, never its value. */
function resourceBytes(name: string, key: string, expected: string): ArrayBuffer {
	if (!Resource.exists(name)) throw new ConfigError(key, expected);
	return new Resource(name).slice(0);
}

/** RFC 6066 3: SNI carries host names only, never an address literal. */
export function isAddressLiteral(name: string): boolean {
	return ipv4Octets(name) !== void 0 || name.includes(":");
}

/** How far the connection got (a `const enum`: each use compiles to its number). */
const enum Phase {
	Setup,
	Connecting,
	Handshake,
	Connected,
}

export function openTlsLink(options: TlsLinkOptions, handlers: LinkHandlers): Link {
	const peer = `${options.address}:${options.port}`;
	let phase = Phase.Setup as Phase;
	let failed = false;
	let socket: TCP | undefined;
	let session: SSLSession | undefined;
	const check = new TlsCheck(options.name, options.ca);
	const view: SessionSocket = {
		readable: 0,
		writable: 0,
		read: (into) => {
			const result = socket?.read(into);
			// The session reads exactly what it needs; until the handshake is done the bytes are
			// plaintext records, and the certificate check keeps the chain from them.
			if (phase !== Phase.Connected) check.observe(into);
			return result;
		},
		write: (bytes) => (socket ? writeSocket(socket, bytes) : 0),
	};

	/** Where the connection got to decides what a throw means. */
	const typed = (error: unknown): Error => {
		if (error instanceof ProtocolError || error instanceof ConfigError) return error;
		const text = thrownText(error);
		if (phase === Phase.Connected) return new ProtocolError("CONNECTION_LOST", `the TLS connection to ${peer} was lost: ${text}`, text);
		if (phase === Phase.Connecting) return new ProtocolError("CONNECT_FAILED", `cannot connect to ${peer}: ${text}`, text);
		if (isCertificateFailure(text)) return new ProtocolError("TLS_CERTIFICATE_REJECTED", `the broker's certificate was refused (${options.name}): ${text}`, text);
		if (clientCertificateAlert(text)) return new ProtocolError("TLS_CLIENT_CERTIFICATE_REFUSED", `${peer} refused our client certificate, or wanted one (${text})`, text);
		return new ProtocolError("TLS_HANDSHAKE_FAILED", `the TLS handshake with ${peer} failed: ${text}`, text);
	};
	const fail = (error: unknown) => {
		if (failed) return;
		failed = true;
		socket?.close();
		socket = session = void 0;
		handlers.onFailed(typed(error));
	};

	/** Runs handshake steps while they make progress: each one sends, or consumes received bytes. */
	const handshake = (active: SSLSession) => {
		for (let step = 0; step < MAX_STEPS && phase === Phase.Handshake; step++) {
			const before = view.readable;
			const acting = active.handshakeProcess !== -1;
			if (active.handshake(view)) {
				// The session also stops on a close_notify alert, which it does not throw.
				const alert = active.alert;
				if (alert) throw new ProtocolError("TLS_HANDSHAKE_FAILED", `the TLS handshake with ${peer} ended with alert ${alert.level}, ${alert.description}`, `alert ${alert.level}, ${alert.description}`);
				// The firmware's own chain check, before a byte of application data leaves.
				const rejected = check.verify();
				if (rejected) throw rejected;
				phase = Phase.Connected;
				handlers.onWritable(Math.max(0, view.writable - RECORD_OVERHEAD));
				return;
			}
			if (!acting && view.readable === before) return;
		}
	};
	/** Every complete record there is, now: nothing is left for a later timer. */
	const receive = (active: SSLSession) => {
		while (view.readable > 0 && session === active) {
			const data = active.read(view);
			if (data === void 0) return;
			if (data === null) throw new ProtocolError("CONNECTION_LOST", `the broker closed the TLS connection to ${peer}`, "close_notify");
			if (data.byteLength > 0) handlers.onData(data.slice());
		}
	};

	try {
		const secure: SessionOptions = { protocolVersion: TLS_1_2, ...TlsCheck.sessionOptions };
		// An address literal is not sent as SNI (RFC 6066 3); TlsCheck still matches it
		// against the certificate's IP SAN.
		if (!isAddressLiteral(options.name)) secure.serverName = options.name;
		if (options.ca !== void 0 && !Resource.exists(options.ca))
			throw new ConfigError("brokerCa", "the name of a DER certificate resource in the image's data (for example my-ca.der)");
		// Our certificate and key, for a broker that asks (require_certificate, AWS IoT): the
		// session answers a CertificateRequest with them and signs CertificateVerify with the key.
		if (options.cert !== void 0 && options.key !== void 0) {
			secure.clientCertificates = [resourceBytes(options.cert, "brokerCert", "the name of a DER certificate resource in the image's data (for example client.der)")];
			secure.clientKey = resourceBytes(options.key, "brokerKey", "the name of an RSA PKCS#8 DER key resource in the image's data (for example client.pk8.der)");
		}
		const active = (session = new SSLSession(secure));
		active.initiateHandshake();
		phase = Phase.Connecting;
		socket = new TCP({
			address: options.address,
			port: options.port,
			nodelay: true,
			onWritable: (count) =>
				guarded(() => {
					view.writable = count;
					if (session !== active) return;
					if (phase === Phase.Connecting) phase = Phase.Handshake;
					if (phase === Phase.Handshake) handshake(active);
					else if (count > RECORD_OVERHEAD) handlers.onWritable(count - RECORD_OVERHEAD);
				}, fail),
			onReadable: (count) =>
				guarded(() => {
					view.readable = count;
					if (session !== active) return;
					if (phase === Phase.Handshake) handshake(active);
					if (phase === Phase.Connected) receive(active);
				}, fail),
			// ECMA-419 gives no reason here: what it means depends on how far the connection got.
			onError: () =>
				guarded(() => {
					if (phase === Phase.Handshake) fail(new ProtocolError("TLS_HANDSHAKE_FAILED", `the broker closed the connection during the TLS handshake (${peer})`, "closed by the peer or a socket error"));
					else fail(new Error(phase === Phase.Connected ? "closed by the peer or a socket error" : "refused, unreachable or timed out"));
				}, fail),
		});
	} catch (error) {
		// Before any byte: a missing or expired trust anchor, an unusable address, no socket left.
		if (phase === Phase.Setup) phase = Phase.Handshake;
		fail(error);
	}

	return {
		write(bytes) {
			const active = session;
			if (!active || phase !== Phase.Connected) return 0;
			try {
				active.write(view, bytes);
				return Math.max(0, view.writable - RECORD_OVERHEAD);
			} catch (error) {
				// Reported after the caller's write returns, not inside it.
				void Promise.resolve().then(() => guarded(() => fail(error), () => void 0));
				return 0;
			}
		},
		close() {
			const active = session;
			failed = true;
			if (active && phase === Phase.Connected)
				try {
					active.close(view);
				} catch {
					// No room for close_notify: closing the socket is enough.
				}
			socket?.close();
			socket = session = void 0;
		},
	};
}
