/**
 * A WebSocket Link (MQTT over WebSocket, MQTT 3.1.1 6): the SDK's ECMA-419 WebSocket
 * client (examples/io/tcp/websocketclient: RFC 6455 framing, a fresh random mask per
 * frame, pings answered, the close handshake, frames split across reads) over our own
 * guarded TCP or TLS link, so wss is verified by tls-link.ts exactly as mqtts is.
 *
 * The SDK's older modules/network/websocket client is not used: it masks with a zero key,
 * reads a frame only when all of it has arrived in one read, and rides the legacy socket
 * with the SDK's own certificate check, which let an impostor in (issue 13).
 *
 * Everything a peer sends reaches the SDK's client from our link's callbacks, which are
 * guarded (stream.ts); our own callbacks from the client are guarded too, so a throw, ours
 * or the SDK's, becomes one typed failure. The client gives no reason when it fails: the
 * reason is kept here from the layer that knew it (the link, the upgrade, a close frame).
 */
import WebSocketClient from "embedded:network/websocket/client";
import { ProtocolError } from "common/errors";
import { asProtocolError, guarded, openTcpLink, type Link, type LinkHandlers, type TlsLinkOptions, type WebSocketLinkOptions } from "./stream";
// By module name: an image without TLS maps it to a stub.
import { openTlsLink } from "moddable/tls-link";

/** This image speaks WebSocket (an image without maps moddable/ws-link to no-websocket.ts). */
export const websocketAvailable = true;

/** The upgrade response's size at most: a peer that sends an endless header cannot fill the heap. */
const MAX_UPGRADE_BYTES = 2048;
/** Room told at most: up to 65535 bytes the frame header (with its mask) is 8 bytes, what the client keeps back. */
const MAX_ROOM = 0xffff;
/** The opcode of a close frame (RFC 6455 5.5.1). */
const CLOSE = 8;

/**
 * The HTTP upgrade response as it arrives, up to its blank line, capped: the SDK's client
 * checks the status and the Upgrade/Connection headers but not the subprotocol, which
 * MQTT requires the server to select (MQTT-6.0.0-4).
 */
class UpgradeWatch {
	#text = "";
	#done = false;

	observe(bytes: Uint8Array): void {
		if (this.#done) return;
		for (let i = 0; i < bytes.length; i++) {
			this.#text += String.fromCharCode(bytes[i]);
			if (this.#text.endsWith("\r\n\r\n")) {
				this.#done = true;
				return;
			}
		}
		if (this.#text.length > MAX_UPGRADE_BYTES) throw new ProtocolError("WEBSOCKET_HANDSHAKE_FAILED", `the upgrade response is over ${MAX_UPGRADE_BYTES} bytes`, "response too long");
	}

	/** The value of the Sec-WebSocket-Protocol header, or undefined. */
	get subprotocol(): string | undefined {
		const lines = this.#text.split("\r\n");
		for (const line of lines) {
			const colon = line.indexOf(":");
			if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === "sec-websocket-protocol") return line.slice(colon + 1).trim();
		}
		return undefined;
	}
}

/** What the SDK's client hands its socket class, plus ours. */
interface LinkSocketOptions {
	readonly address: string;
	readonly port: number;
	readonly tls?: TlsLinkOptions;
	readonly watch: UpgradeWatch;
	/** The reason of a failure, told before the reasonless onError. */
	readonly failed: (error: Error) => void;
	readonly onReadable: (count: number) => void;
	readonly onWritable: (count: number) => void;
	readonly onError: () => void;
}

/**
 * Our Link in the shape of an ECMA-419 TCP socket, for the SDK's client: it pushes what
 * arrives into a buffer and says how much is there; the client reads it a byte at a time
 * (number format: the upgrade response, frame headers) or in pieces (buffer format).
 */
class LinkSocket {
	format: "number" | "buffer" = "buffer";
	#link: Link | undefined;
	#pending: Uint8Array = new Uint8Array(0);
	#offset = 0;

	constructor(options: LinkSocketOptions) {
		let opening = true;
		const handlers: LinkHandlers = {
			onWritable: (count) => options.onWritable(count),
			onData: (bytes) => {
				options.watch.observe(bytes);
				this.#push(bytes);
				options.onReadable(this.#pending.length - this.#offset);
			},
			onFailed: (error) => {
				options.failed(error);
				// A link that failed while opening reports once the client holds this socket.
				if (opening) void Promise.resolve().then(() => options.onError());
				else options.onError();
			},
		};
		this.#link = options.tls ? openTlsLink(options.tls, handlers) : openTcpLink(options.address, options.port, handlers);
		opening = false;
	}

	#push(bytes: Uint8Array): void {
		const left = this.#pending.length - this.#offset;
		if (left === 0) this.#pending = bytes;
		else {
			const joined = new Uint8Array(left + bytes.length);
			joined.set(this.#pending.subarray(this.#offset));
			joined.set(bytes, left);
			this.#pending = joined;
		}
		this.#offset = 0;
	}

	/** Number format: one byte. Buffer format: `count` bytes (all by default) as an ArrayBuffer, or as many as fit `into`. */
	read(into?: number | ArrayBuffer | Uint8Array): number | ArrayBuffer | undefined {
		const left = this.#pending.length - this.#offset;
		if (this.format === "number") return left > 0 ? this.#pending[this.#offset++] : undefined;
		if (into === undefined || typeof into === "number") {
			const count = Math.min(into ?? left, left);
			const bytes = this.#pending.slice(this.#offset, this.#offset + count);
			this.#offset += count;
			return bytes.buffer;
		}
		const target = into instanceof Uint8Array ? into : new Uint8Array(into);
		const count = Math.min(target.length, left);
		target.set(this.#pending.subarray(this.#offset, this.#offset + count));
		this.#offset += count;
		return count;
	}

	write(bytes: ArrayBuffer | Uint8Array): number {
		return this.#link ? this.#link.write(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)) : 0;
	}

	close(): void {
		this.#link?.close();
		this.#link = undefined;
	}
}

/** The address is known already (stream.ts resolved it): the client's DNS step answers at once. */
class Resolved {
	readonly #address: string;
	constructor(options: { readonly address: string }) {
		this.#address = options.address;
	}
	resolve(request: { readonly host: string; onResolved(host: string, address: string): void }): void {
		request.onResolved(request.host, this.#address);
	}
}

export function openWebSocketLink(options: WebSocketLinkOptions, handlers: LinkHandlers): Link {
	const peer = `${options.host}:${options.port}${options.path}`;
	const watch = new UpgradeWatch();
	let client: WebSocketClient | undefined;
	let upgraded = false;
	let failed = false;
	let reason: Error | undefined;
	/** Bytes of the message being received so far: a message may come in many frames and reads. */
	let message = 0;
	/**
	 * What arrived, handed on from a job of its own: the SDK's client parses from deep in
	 * the socket's callback, and the MQTT session then runs the application's whole
	 * on-connect work there; in the simulator, at mcconfig's default of 384 stack slots,
	 * that chain overflowed the XS stack (manifests/websocket.json also raises it to 1024,
	 * which wss with a client certificate needed). In order, and never after a failure.
	 */
	const arrived: Uint8Array[] = [];
	const deliver = () =>
		guarded(() => {
			while (arrived.length > 0 && !failed) handlers.onData(arrived.shift() as Uint8Array);
		}, fail);

	const fail = (error: unknown) => {
		if (failed) return;
		failed = true;
		client?.close();
		client = undefined;
		handlers.onFailed(asProtocolError(error, upgraded ? "CONNECTION_LOST" : "WEBSOCKET_HANDSHAKE_FAILED", upgraded ? `the WebSocket to ${peer} was lost` : `${peer} did not upgrade to WebSocket`));
	};
	const ended = () =>
		guarded(() => {
			fail(reason ?? (upgraded ? new ProtocolError("CONNECTION_LOST", `the WebSocket to ${peer} was lost`, "closed") : new ProtocolError("WEBSOCKET_HANDSHAKE_FAILED", `${peer} did not upgrade to WebSocket (another status, or a header missing)`, "refused")));
		}, fail);

	// What the client passes on to the classes it constructs (typed apart: the SDK's own
	// typings, which mcconfig compiles against, declare only `io` in them).
	const dns = { io: Resolved, address: options.address };
	const socket = { io: LinkSocket, tls: options.tls, watch, failed: (error: Error) => (reason ??= error) };
	try {
		client = new WebSocketClient({
			host: options.host,
			port: options.port,
			path: options.path,
			protocol: options.protocol,
			dns,
			socket,
			onWritable: (count) =>
				guarded(() => {
					if (!upgraded) {
						upgraded = true;
						const selected = watch.subprotocol;
						if (selected !== options.protocol)
							throw new ProtocolError("WEBSOCKET_HANDSHAKE_FAILED", `${peer} selected subprotocol ${selected ?? "none"}, not ${options.protocol} (MQTT-6.0.0-4)`, `subprotocol ${selected ?? "none"}`);
					}
					handlers.onWritable(Math.min(count, MAX_ROOM));
				}, fail),
			onReadable(count, frame) {
				guarded(() => {
					// MQTT-6.0.0-1: control packets travel in binary frames; any other data frame closes the connection.
					if (!frame.binary) throw new ProtocolError("PROTOCOL_VIOLATION", `${peer} sent a text WebSocket message (MQTT travels in binary frames)`, "text frame");
					message += count;
					if (message > options.maxMessage) throw new ProtocolError("PACKET_TOO_LARGE", `${peer} sent a WebSocket message over ${options.maxMessage} bytes (maxPacketSize)`, `over ${options.maxMessage}`);
					if (!frame.more) message = 0;
					const data = this.read();
					if (!(data instanceof ArrayBuffer) || data.byteLength === 0) return;
					if (arrived.push(new Uint8Array(data)) === 1) void Promise.resolve().then(deliver);
				}, fail);
			},
			onControl: (opcode, data) =>
				guarded(() => {
					if (opcode !== CLOSE) return;
					// RFC 6455 5.5.1: the close frame's first two bytes are its status code.
					const bytes = new Uint8Array(data);
					const code = bytes.length >= 2 ? (bytes[0] << 8) | bytes[1] : 1005;
					reason ??= new ProtocolError("CONNECTION_LOST", `${peer} closed the WebSocket (code ${code})`, `close ${code}`);
				}, fail),
			onClose: ended,
			onError: ended,
		});
	} catch (error) {
		fail(error);
	}

	return {
		write(bytes) {
			const active = client;
			if (!active || !upgraded) return 0;
			try {
				return Math.min(active.write(bytes), MAX_ROOM);
			} catch (error) {
				// Reported after the caller's write returns, not inside it.
				void Promise.resolve().then(() => guarded(() => fail(error), () => undefined));
				return 0;
			}
		},
		close() {
			const active = client;
			failed = true;
			client = undefined;
			if (!active) return;
			try {
				// A close frame, status 1000 (normal), then the socket: the client does not wait for the answer.
				if (upgraded) active.write(Uint8Array.of(0x03, 0xe8), { opcode: CLOSE });
			} catch {
				// No room for it: closing the socket is enough.
			}
			active.close();
		},
	};
}
