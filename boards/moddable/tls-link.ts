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
 *
 * The certificate check is the firmware's own. The SDK's (ssl_cert.js) lets an impostor in
 * (issue 13), and its session does not hand out the peer's chain, so the bytes read during
 * the handshake are captured here, the SDK's check is turned off, and the chain is verified
 * with src/tls once the handshake is done, before anything is sent. Its signature primitive
 * is on the SDK's big-number crypto (modules/crypt: the digests in C, RSA and ECDSA in
 * JavaScript over XS BigInts), but not the SDK's PKCS1_5.verify, which parses the decrypted
 * block loosely (no check of the digest algorithm or of trailing bytes): the expected block
 * is built and compared whole instead. ECDSA's r and s are range-checked here, since the
 * SDK's verify does not (r = s = 0 must never verify). One module, not three: each module
 * costs bytecode of its own.
 */
/// <reference path="./sdk-crypt.d.ts" />
import TCP from "embedded:io/socket/tcp";
import Resource from "Resource";
import { Digest } from "crypt";
import RSA from "rsa";
import ECDSA from "ecdsa";
import Curve from "curve";
import ECPoint from "ecp";
import type { SignatureAlgorithm } from "../../src/common/board";
import { ConfigError, ProtocolError, thrownText } from "common/errors";
import { guarded, writeSocket, type Link, type LinkHandlers, type TlsLinkOptions } from "./stream";
import SSLSession, { type SessionOptions, type SessionSocket } from "./tls-session";
import { ipv4Octets } from "common/text";
import { CertificateCapture } from "tls/capture";
import { verifyChain } from "tls/verify";
import { ecdsaSignature, parsePublicKey, pkcs1v15Block } from "tls/keys";
import { epochMs } from "./board";

/** This image speaks TLS (the default ESP8266 image maps this module to boards/esp8266/no-tls.ts). */
export const tlsAvailable = true;

/** A `const enum`: each use compiles to its number. */
const enum Tls {
	/** TLS 1.2, the newest version the SDK's TLS speaks. */
	Version = 0x303,
	/** Room kept for a record's header, IV, MAC and padding when telling the stream how much fits. */
	RecordOverhead = 96,
	/** Handshake steps run per socket callback at most; each one makes progress or stops the loop. */
	MaxSteps = 32,
}

/**
 * Alerts a server sends when it refuses our certificate, or wanted one (RFC 5246 7.2.2):
 * bad_certificate 42, unsupported_certificate 43, certificate_revoked 44,
 * certificate_expired 45, certificate_unknown 46, unknown_ca 48, access_denied 49, and
 * TLS 1.3's certificate_required 116. The SDK throws any but close_notify as "alert: level, N".
 * (A TLS 1.2 server given no certificate answers handshake_failure 40: TLS_HANDSHAKE_FAILED.)
 */
const CLIENT_CERTIFICATE_ALERTS = [42, 43, 44, 45, 46, 48, 49, 116];

/** A resource's bytes in RAM (the session keeps and compares them), or a ConfigError naming `key`, never its value. */
function resourceBytes(name: string, key: string, expected: string): ArrayBuffer {
	if (!Resource.exists(name)) throw new ConfigError(key, expected);
	return new Resource(name).slice(0);
}

/** An unsigned big-endian integer. BigInt.fromArrayBuffer wants a whole ArrayBuffer. */
const big = (bytes: Uint8Array) => BigInt.fromArrayBuffer(bytes.slice().buffer) as unknown as bigint;

/** The certificate check's signature primitive (a SignatureVerifier); false for anything it cannot verify. */
function verifySignature(algorithm: SignatureAlgorithm, publicKeyInfo: Uint8Array, signed: Uint8Array, signature: Uint8Array): boolean {
	try {
		// The four SignatureAlgorithms name their digest: 256 or 384.
		const hash = algorithm.includes("256") ? "SHA256" : "SHA384";
		const key = parsePublicKey(publicKeyInfo);
		if (!key) return false;
		const hasher = new Digest(hash);
		// The native write reads any byte view in place (xsmcGetBufferReadable); the SDK's typings say ArrayBuffer.
		hasher.write(signed as unknown as ArrayBuffer);
		const digest = new Uint8Array(hasher.close());
		if (key.kind === "rsa") {
			if (!algorithm.endsWith("RSAEncryption")) return false;
			const length = key.modulus.length;
			const modulus = big(key.modulus);
			const exponent = big(key.exponent);
			// RFC 8017 8.2.2: the signature is exactly the modulus's length and below it; e = 1 would sign anything.
			if (signature.length !== length || exponent < 3n) return false;
			const s = big(signature);
			const block = pkcs1v15Block(hash, digest, length);
			return s < modulus && block !== void 0 && new RSA(exponent, modulus).process(s) === big(block);
		}
		if (!algorithm.startsWith("ecdsa")) return false;
		const curve = new Curve(key.curve === "P-256" ? "secp256r1" : "secp384r1");
		const size = curve.orderSize;
		const rs = ecdsaSignature(signature);
		if (!rs || key.point.length !== 1 + 2 * size || key.point[0] !== 4) return false; // uncompressed points only
		const r = big(rs.r);
		const s = big(rs.s);
		if (r <= 0n || r >= curve.n || s <= 0n || s >= curve.n) return false;
		// r then s, each left-padded with zeros to the order's size.
		if (rs.r.length > size || rs.s.length > size) return false;
		const raw = new Uint8Array(2 * size);
		raw.set(rs.r, size - rs.r.length);
		raw.set(rs.s, 2 * size - rs.s.length);
		const point = new ECPoint(big(key.point.subarray(1, 1 + size)), big(key.point.subarray(1 + size)));
		// FIPS 186-4 6.4: a digest longer than the order is cut to its left-most bits (bytes, for these curves).
		const e = digest.length > size ? digest.slice(0, size) : digest;
		return new ECDSA(point, curve).verify(e.slice().buffer, raw.buffer, false);
	} catch {
		return false; // the SDK's modules throw on inputs they cannot use
	}
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
	const capture = new CertificateCapture();
	const view: SessionSocket = {
		readable: 0,
		writable: 0,
		read: (into) => {
			const result = socket ? socket.read(into) : void 0;
			// The session reads exactly what it needs; until the handshake is done the bytes are
			// plaintext records, and the certificate check keeps the chain from them.
			if (phase !== Phase.Connected && !capture.done) capture.push(into);
			return result;
		},
		write: (bytes) => (socket ? writeSocket(socket, bytes) : 0),
	};

	/** Where the connection got to decides what a throw means. */
	const typed = (error: unknown): Error => {
		if (error instanceof ProtocolError || error instanceof ConfigError) return error;
		// What the platform said is the error's detail (logged with it), not repeated in the message.
		const text = thrownText(error);
		if (phase === Phase.Connected) return new ProtocolError("CONNECTION_LOST", `TLS to ${peer} lost`, text);
		if (phase === Phase.Connecting) return new ProtocolError("CONNECT_FAILED", `cannot connect to ${peer}`, text);
		// What the SDK throws about the server's certificate, read in modules/crypt/ssl:
		// "certificate: auth err" (ssl_handshake.js: no trusted chain, or the name does not match),
		// "date validation failed" (ssl_cert.js register(): an expired or not yet valid server
		// certificate or trust anchor), "Cert: unsupported algorithm" (ssl_cert.js _verify()), and
		// "invalid buffer" (Bin.comp on the missing Authority Key Identifier of a CA certificate).
		// Everything else in the handshake (alerts, ciphers, key exchange, closed socket) is a
		// handshake failure.
		if (text.startsWith("certificate: ") || text.startsWith("Cert: ") || text.includes("date validation failed") || text.includes("invalid buffer"))
			return new ProtocolError("TLS_CERTIFICATE_REJECTED", `certificate of ${options.name} refused`, text);
		if (text.startsWith("alert: ") && CLIENT_CERTIFICATE_ALERTS.includes(Number(text.slice(text.lastIndexOf(", ") + 2))))
			return new ProtocolError("TLS_CLIENT_CERTIFICATE_REFUSED", `${peer} refused our certificate or wanted one`, text);
		return new ProtocolError("TLS_HANDSHAKE_FAILED", `TLS handshake with ${peer} failed`, text);
	};
	const fail = (error: unknown) => {
		if (failed) return;
		failed = true;
		if (socket) socket.close();
		socket = session = void 0;
		handlers.onFailed(typed(error));
	};

	/** Runs handshake steps while they make progress: each one sends, or consumes received bytes. */
	const handshake = (active: SSLSession) => {
		for (let step = 0; step < Tls.MaxSteps && phase === Phase.Handshake; step++) {
			const before = view.readable;
			const acting = active.handshakeProcess !== -1;
			if (active.handshake(view)) {
				// The session also stops on a close_notify alert, which it does not throw.
				const alert = active.alert;
				if (alert) {
					const detail = `alert ${alert.level}, ${alert.description}`;
					throw new ProtocolError("TLS_HANDSHAKE_FAILED", `TLS handshake with ${peer} ended by an alert`, detail);
				}
				// The firmware's own chain check, before a byte of application data leaves.
				if (capture.error) throw new ProtocolError("TLS_CERTIFICATE_REJECTED", capture.error);
				try {
					// The trust anchors: the configured CA resource, or every CA of the SDK's bundle built in.
					const ca = options.ca;
					const anchors: Uint8Array[] = [];
					if (ca) anchors.push(new Uint8Array(new Resource(ca)));
					else {
						// ca.ski lists the bundle (20 bytes per CA); the manifest includes the caN.der it wants.
						const count = Resource.exists("ca.ski") ? new Resource("ca.ski").byteLength / 20 : 0;
						for (let i = 0; i < count; i++) if (Resource.exists(`ca${i}.der`)) anchors.push(new Uint8Array(new Resource(`ca${i}.der`)));
					}
					verifyChain({ chain: capture.chain ?? [], anchors, host: options.name, now: epochMs(), verifySignature });
				} catch (error) {
					if (error instanceof ProtocolError) throw error;
					throw new ProtocolError("TLS_CERTIFICATE_REJECTED", `certificate check failed: ${thrownText(error)}`);
				}
				phase = Phase.Connected;
				handlers.onWritable(Math.max(0, view.writable - Tls.RecordOverhead));
				return;
			}
			if (!acting && view.readable === before) return;
		}
	};

	try {
		// verify false turns off ssl_cert.js's check (the firmware's replaces it); cache false
		// because a resumed session has no Certificate message to check.
		const secure: SessionOptions = { protocolVersion: Tls.Version, verify: false, cache: false };
		// An address literal is not sent as SNI (RFC 6066 3); the certificate check still matches it
		// against the certificate's IP SAN.
		// RFC 6066 3: SNI carries host names only, never an address literal.
		if (ipv4Octets(options.name) === void 0 && !options.name.includes(":")) secure.serverName = options.name;
		if (options.ca !== void 0 && !Resource.exists(options.ca)) throw new ConfigError("brokerCa", "a DER certificate resource in the image (my-ca.der)");
		// Our certificate and key, for a broker that asks (require_certificate, AWS IoT): the
		// session answers a CertificateRequest with them and signs CertificateVerify with the key.
		if (options.cert !== void 0 && options.key !== void 0) {
			secure.clientCertificates = [resourceBytes(options.cert, "brokerCert", "a DER certificate resource in the image (client.der)")];
			secure.clientKey = resourceBytes(options.key, "brokerKey", "an RSA PKCS#8 DER key resource in the image (client.pk8.der)");
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
					else if (count > Tls.RecordOverhead) handlers.onWritable(count - Tls.RecordOverhead);
				}, fail),
			onReadable: (count) =>
				guarded(() => {
					view.readable = count;
					if (session !== active) return;
					if (phase === Phase.Handshake) handshake(active);
					// Every complete record there is, now: nothing is left for a later timer.
					while (phase === Phase.Connected && view.readable > 0 && session === active) {
						const data = active.read(view);
						if (data === void 0) return;
						if (data === null) throw new ProtocolError("CONNECTION_LOST", `${peer} closed the TLS connection`, "close_notify");
						if (data.byteLength > 0) handlers.onData(data.slice());
					}
				}, fail),
			// ECMA-419 gives no reason here: what it means depends on how far the connection got.
			onError: () =>
				// In the handshake, typed() makes it TLS_HANDSHAKE_FAILED; once connected, CONNECTION_LOST.
				guarded(() => fail(new Error(phase === Phase.Connecting ? "refused, unreachable or timed out" : "closed by the peer or a socket error")), fail),
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
				return Math.max(0, view.writable - Tls.RecordOverhead);
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
			if (socket) socket.close();
			socket = session = void 0;
		},
	};
}
