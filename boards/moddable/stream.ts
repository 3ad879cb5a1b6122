/**
 * A Board stream on Moddable's ECMA-419 TCP socket, or its TLS socket for mqtts.
 * ECMA-419 sockets refuse a write larger than the space the stack reports (onWritable),
 * so writes queue here and drain as space appears; close() waits for the queue.
 */
// mcconfig maps this specifier to the SDK's tlssocket.js for its tsc run, which hides the
// declaration its typings give under another name; referencing it keeps the types.
/// <reference path="../../node_modules/@moddable/typings/embedded_io/socket/tls.d.ts" />
import TCP from "embedded:io/socket/tcp";
import TLSSocket, { type Options as TLSOptions } from "embedded:io/socket/tcp/tls";
import type { Stream, StreamOptions } from "../../src/common/board";
import { resolveHost } from "./resolve";
import { TlsCheck } from "./tls-check";

interface Socket {
	write(bytes: Uint8Array): unknown;
	read(count: number): unknown;
	close(): unknown;
}

export function connectStream(options: StreamOptions): Stream {
	let socket: Socket | undefined;
	let connected = false;
	let closing = false;
	let done = false;
	let writable = 0;
	const queue: Uint8Array[] = [];

	const finish = (error?: Error) => {
		if (done) return;
		done = true;
		socket?.close();
		socket = undefined;
		options.onClose(error);
	};
	const drain = () => {
		while (socket && queue.length > 0 && writable > 0) {
			const head = queue[0];
			const part = head.length <= writable ? head : head.subarray(0, writable);
			socket.write(part);
			writable -= part.length;
			if (part === head) queue.shift();
			else queue[0] = head.subarray(part.length);
		}
		if (closing && queue.length === 0) finish();
	};

	resolveHost(options.host, (address) => {
		if (done) return;
		if (address === undefined) return finish(new Error(`cannot resolve ${options.host}`));
		const check = options.tls && new TlsCheck(options.tls, options.host);
		const callbacks = {
			onReadable(count: number) {
				// Through our own reference: the TLS socket calls this with another `this`.
				const data = socket?.read(count);
				if (data instanceof ArrayBuffer) options.onData(new Uint8Array(data));
			},
			onWritable(count: number) {
				writable = count;
				if (!connected) {
					const rejected = check?.verify();
					if (rejected) return finish(rejected);
					connected = true;
					options.onConnect();
				}
				drain();
			},
			onError() {
				finish(new Error(connected ? "connection lost" : "connection failed"));
			},
		};
		const tls = options.tls;
		try {
			if (tls) {
				const secure: TLSOptions = {
					address,
					port: options.port,
					host: tls.serverName ?? options.host,
					// Trust anchors (the brokerCa resource, or the CA bundle) and the socket class
					// the TLS socket runs over come from the firmware's own certificate check.
					...check?.socketOptions,
					...callbacks,
				} as TLSOptions;
				socket = new TLSSocket(secure) as unknown as Socket;
			} else socket = new TCP({ address, port: options.port, nodelay: true, ...callbacks }) as unknown as Socket;
		} catch (error) {
			finish(error instanceof Error ? error : new Error("socket failed"));
		}
	});

	return {
		write(bytes) {
			if (done || closing) return;
			queue.push(bytes);
			if (connected) drain();
		},
		close() {
			closing = true;
			if (!connected || queue.length === 0) finish();
		},
	};
}
