/** A Link on Moddable's ECMA-419 TCP socket, read through its own reference (not `this`). */
import TCP from "embedded:io/socket/tcp";
import { ProtocolError } from "common/errors";
import { asProtocolError, guarded, writeSocket, type Link, type LinkHandlers } from "./link";

export function openTcpLink(address: string, port: number, handlers: LinkHandlers): Link {
	const peer = `${address}:${port}`;
	let connected = false;
	let failed = false;
	let socket: TCP | undefined;
	const fail = (error: unknown) => {
		if (failed) return;
		failed = true;
		socket?.close();
		socket = undefined;
		handlers.onFailed(asProtocolError(error, connected ? "CONNECTION_LOST" : "CONNECT_FAILED", connected ? `the connection to ${peer} was lost` : `cannot connect to ${peer}`));
	};
	try {
		socket = new TCP({
			address,
			port,
			nodelay: true,
			onReadable: (count) =>
				guarded(() => {
					const data = socket?.read(count);
					if (data instanceof ArrayBuffer) handlers.onData(new Uint8Array(data));
				}, fail),
			onWritable: (count) =>
				guarded(() => {
					connected = true;
					handlers.onWritable(count);
				}, fail),
			// ECMA-419 gives no reason here: what it means depends on how far the connection got.
			onError: () =>
				guarded(() => {
					fail(
						connected
							? new ProtocolError("CONNECTION_LOST", `the connection to ${peer} was lost`, "socket error or closed by the peer")
							: new ProtocolError("CONNECT_FAILED", `cannot connect to ${peer}`, "refused, unreachable or timed out"),
					);
				}, fail),
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
				void Promise.resolve().then(() => guarded(() => fail(error), () => undefined));
				return 0;
			}
		},
		close() {
			failed = true;
			socket?.close();
			socket = undefined;
		},
	};
}
