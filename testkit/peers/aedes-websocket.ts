/**
 * aedes serving MQTT over WebSocket in-process (Debian's mosquitto is built without
 * websockets): a `ws` server on a free loopback port that selects the "mqtt" subprotocol
 * (MQTT-6.0.0-4) and hands each upgraded connection to aedes as a stream, over TLS when
 * given certificates, plus a plain TCP listener on the same broker for an observer.
 */
import { Aedes } from "aedes";
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer, createWebSocketStream, type WebSocket } from "ws";
import type { Certificates } from "./certs";

export interface AedesWebSocketOptions {
	/** Serve wss:// with the server certificate of these (for localhost). */
	readonly tls?: Certificates;
	/** The one path upgraded; any other is answered 400 by ws. */
	readonly path?: string;
	/** With `tls`: ask every client for a certificate from this CA (PEM) and refuse those without one. */
	readonly clientCa?: string;
	/** The WebSocket port (default: a free one), for a broker started by hand for the simulator. */
	readonly port?: number;
	/** Select no subprotocol (a server that does not speak MQTT over WebSocket properly). */
	readonly noSubprotocol?: boolean;
}

export interface AedesWebSocket {
	readonly aedes: Aedes;
	/** ws://127.0.0.1:port/mqtt, or wss://localhost:port/mqtt with TLS. */
	readonly url: string;
	/** mqtt://127.0.0.1:port: the same broker over TCP, for an observer. */
	readonly tcpUrl: string;
	/** The WebSocket connections open now (server side). */
	readonly sockets: ReadonlySet<WebSocket>;
	/** Sends `bytes` as one binary message to every connected client, beside aedes (a broker's framing at fault). */
	sendRaw(bytes: Uint8Array, binary?: boolean): void;
	/** The broker drops every WebSocket connection: a TCP close with no close frame. */
	dropAll(): void;
	close(): Promise<void>;
}

function listen(server: net.Server | http.Server, port = 0): Promise<number> {
	return new Promise((resolve, reject) => {
		server.once("error", reject);
		server.listen(port, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port));
	});
}

export async function startAedesOverWebSocket(options: AedesWebSocketOptions = {}): Promise<AedesWebSocket> {
	const aedes = await Aedes.createBroker();
	const path = options.path ?? "/mqtt";
	const certs = options.tls;
	const clientAuth = options.clientCa === undefined ? {} : { requestCert: true, rejectUnauthorized: true, ca: options.clientCa };
	const web = certs ? https.createServer({ cert: readFileSync(certs.certFile), key: readFileSync(certs.keyFile), ...clientAuth }) : http.createServer();
	const sockets = new Set<WebSocket>();
	const wss = new WebSocketServer({
		server: web,
		path,
		handleProtocols: (offered) => (options.noSubprotocol ? false : offered.has("mqtt") ? "mqtt" : false),
	});
	wss.on("connection", (socket) => {
		sockets.add(socket);
		socket.once("close", () => sockets.delete(socket));
		aedes.handle(createWebSocketStream(socket) as Duplex as never);
	});
	const tcp = net.createServer((socket) => aedes.handle(socket as never));
	const port = await listen(web, options.port);
	const tcpPort = await listen(tcp);
	return {
		aedes,
		url: `${certs ? "wss://localhost" : "ws://127.0.0.1"}:${port}${path}`,
		tcpUrl: `mqtt://127.0.0.1:${tcpPort}`,
		sockets,
		sendRaw: (bytes, binary = true) => {
			for (const socket of sockets) socket.send(bytes, { binary });
		},
		dropAll: () => {
			for (const socket of sockets) socket.terminate();
		},
		close: () =>
			new Promise<void>((resolve) => {
				for (const socket of sockets) socket.terminate();
				wss.close();
				tcp.close();
				web.close(() => aedes.close(() => resolve()));
				web.unref();
				tcp.unref();
			}),
	};
}
