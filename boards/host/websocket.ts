/**
 * A Board stream carried as WebSocket messages on the host board (MQTT over WebSocket,
 * MQTT 3.1.1 6): the `ws` package speaks RFC 6455 (masking every frame it sends with a
 * fresh random key, answering pings, the close handshake), over a TCP or TLS socket made
 * here with the same options and phases as a plain stream, so failures are typed alike.
 */
import net from "node:net";
import tls from "node:tls";
import WebSocket from "ws";
import type { Stream, StreamOptions, WebSocketOptions } from "../../src/common/board";
import { ProtocolError } from "../../src/common/errors";
import { certificateError, nodeCode, Tls13Verdict, tlsOptions, transportError, type TransportPhase } from "./tls";

/** How long the TCP connection, TLS and the HTTP upgrade may take together before the attempt is given up. */
export const UPGRADE_TIMEOUT_MS = 10_000;

/** Where the connection got to: "upgrade" once the socket (and TLS) is up and the HTTP upgrade is under way. */
type Phase = TransportPhase | "upgrade";

export function connectWebSocket(options: StreamOptions, websocket: WebSocketOptions): Stream {
	const { host, port } = options;
	const secure = options.tls;
	const peer = `${host}:${port}`;
	let phase: Phase = "connecting";
	let failure: Error | undefined;
	let verdict: Tls13Verdict | undefined;
	const fail = (error: Error) => (failure ??= error);

	const url = `${secure ? "wss" : "ws"}://${host}:${port}${websocket.path}`;
	const socket = new WebSocket(url, websocket.protocol, {
		maxPayload: websocket.maxMessage,
		perMessageDeflate: false,
		followRedirects: false,
		handshakeTimeout: UPGRADE_TIMEOUT_MS,
		// The socket under the upgrade is ours: TLS verified as for mqtts, and its phases seen.
		createConnection: () => {
			const raw = secure ? tls.connect(tlsOptions(host, port, secure)) : net.connect({ host, port });
			raw.setNoDelay(true);
			raw.once("connect", () => (phase = secure ? "handshake" : "upgrade"));
			if (raw instanceof tls.TLSSocket) {
				verdict = new Tls13Verdict(raw);
				raw.once("secureConnect", () => (phase = "upgrade"));
			}
			return raw;
		},
	});
	socket.binaryType = "nodebuffer";
	socket.once("open", () => {
		phase = "connected";
		verdict?.accept();
		options.onConnect();
	});
	socket.on("message", (data: Buffer, isBinary: boolean) => {
		if (failure) return;
		// MQTT-6.0.0-1: control packets travel in binary frames; any other data frame closes the connection.
		if (!isBinary) {
			fail(new ProtocolError("PROTOCOL_VIOLATION", `${peer} sent a text WebSocket message (MQTT travels in binary frames)`, "text frame"));
			return socket.close(1003);
		}
		options.onData(new Uint8Array(data.buffer, data.byteOffset, data.length));
	});
	socket.on("error", (error) => fail((phase === "upgrade" ? verdict?.refused(error, peer) : undefined) ?? webSocketError(error, phase, peer, websocket)));
	socket.once("close", (code: number) => {
		// A close frame other than normal (1000) or none at all (1005, 1006): its code is the detail.
		if (phase === "connected" && code !== 1000 && code !== 1005 && code !== 1006) fail(new ProtocolError("CONNECTION_LOST", `${peer} closed the WebSocket with code ${code}`, `close ${code}`));
		options.onClose(failure);
	});
	return {
		write: (bytes) => {
			if (socket.readyState === WebSocket.OPEN) socket.send(bytes, { binary: true });
		},
		// What ws still holds, framed or not, plus what Node has not handed to the kernel.
		get unwritten() {
			return socket.bufferedAmount;
		},
		close: (discard) => (discard ? socket.terminate() : socket.close(1000)),
	};
}

/**
 * What went wrong, by where the connection got to: certificates first (in either direction,
 * in any phase), then the WebSocket layer's own errors, then the HTTP upgrade, then the socket.
 */
function webSocketError(error: Error, phase: Phase, peer: string, websocket: WebSocketOptions): ProtocolError {
	const certificate = certificateError(error, peer);
	if (certificate) return certificate;
	const code = nodeCode(error);
	if (code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH")
		return new ProtocolError("PACKET_TOO_LARGE", `${peer} sent a WebSocket message over ${websocket.maxMessage} bytes (maxPacketSize)`, code);
	if (code.startsWith("WS_ERR_")) return new ProtocolError("MALFORMED_PACKET", `${peer} broke the WebSocket framing: ${error.message}`, code);
	if (phase === "upgrade") return new ProtocolError("WEBSOCKET_HANDSHAKE_FAILED", `${peer} did not upgrade ${websocket.path} to WebSocket (${websocket.protocol}): ${error.message}`, error.message);
	// ws reports its own upgrade timeout without a code, whatever the phase.
	if (phase === "connecting" && code === "Error") return new ProtocolError("CONNECT_FAILED", `cannot connect to ${peer}: ${error.message}`, error.message);
	return transportError(error, phase, peer);
}

/** A stream that never connected: `error` reaches onClose once the caller has the stream in hand. */
export function deadStream(options: StreamOptions, error: Error): Stream {
	let closed = false;
	queueMicrotask(() => {
		if (!closed) options.onClose(error);
		closed = true;
	});
	return {
		write: () => undefined,
		unwritten: 0,
		close: () => {
			closed = true;
		},
	};
}
