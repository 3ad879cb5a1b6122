/**
 * A Board datagram endpoint on Moddable's ECMA-419 UDP socket. Nothing here may throw
 * into a socket callback or a timer (that aborts the VM): a datagram that cannot be sent
 * or handled is lost, as UDP loses datagrams anyway, and the protocols above retransmit.
 */
import UDP from "embedded:io/socket/udp";
import Timer from "timer";
import type { Datagram, DatagramOptions } from "../../src/common/board";
// A module name, not a path: Moddable names src/common/* "common/*" (type-only imports above are erased).
import { ProtocolError } from "common/errors";
import { thrownText } from "./link";

export function openDatagram(options: DatagramOptions): Datagram {
	let socket: UDP;
	try {
		socket = new UDP({
			port: options.port ?? 0,
			...(options.address === undefined ? {} : { address: options.address }),
			onReadable(packets: number) {
				try {
					while (packets-- > 0) {
						// The socket's own reference, not `this`: callers of callbacks differ on it.
						const packet = socket.read();
						options.onMessage(new Uint8Array(packet), packet.address, packet.port);
					}
				} catch {
					// A datagram the firmware could not take: dropped (the session counts what it refuses).
				}
			},
		});
	} catch (error) {
		// The port is taken (a fixed mqttsnPort, say), or no socket is left: reported typed
		// and later, as Node reports it, so the client retries with backoff.
		const port = options.port ?? 0;
		const detail = thrownText(error);
		Timer.set(() => options.onError?.(new ProtocolError("BIND_FAILED", `cannot bind UDP port ${port}`, detail)), 0);
		return { port, send: () => undefined, close: () => undefined };
	}
	// ECMA-419 binds in the constructor; report readiness asynchronously, as Node does.
	if (options.onReady) Timer.set(() => options.onReady?.(), 0);
	return {
		// ECMA-419 has no way to ask for the bound port: it is the one requested.
		port: options.port ?? 0,
		send: (bytes, address, port) => {
			try {
				socket.write(bytes, address, port);
			} catch {
				// No route, no buffer: the datagram is lost, and the protocol retransmits.
			}
		},
		// @moddable/typings 5.6 leaves close() out of UDP's declaration; every platform has it.
		close: () => (socket as unknown as { close(): void }).close(),
	};
}
