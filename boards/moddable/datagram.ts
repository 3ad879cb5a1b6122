/** A Board datagram endpoint on Moddable's ECMA-419 UDP socket. */
import UDP from "embedded:io/socket/udp";
import Timer from "timer";
import type { Datagram, DatagramOptions } from "../../src/common/board";
// A module name, not a path: Moddable names src/common/* "common/*" (type-only imports above are erased).
import { ProtocolError } from "common/errors";

export function openDatagram(options: DatagramOptions): Datagram {
	let socket: UDP;
	try {
		socket = bind(options);
	} catch {
		// The port is taken (a fixed mqttsnPort, say): reported typed and later, as Node reports it.
		const port = options.port ?? 0;
		Timer.set(() => options.onError?.(new ProtocolError("BIND_FAILED", `cannot bind UDP port ${port}`)), 0);
		return { port, send: () => undefined, close: () => undefined };
	}
	// ECMA-419 binds in the constructor; report readiness asynchronously, as Node does.
	if (options.onReady) Timer.set(() => options.onReady?.(), 0);
	return {
		// ECMA-419 has no way to ask for the bound port: it is the one requested.
		port: options.port ?? 0,
		send: (bytes, address, port) => socket.write(bytes, address, port),
		// @moddable/typings 5.6 leaves close() out of UDP's declaration; every platform has it.
		close: () => (socket as unknown as { close(): void }).close(),
	};
}

function bind(options: DatagramOptions): UDP {
	return new UDP({
		port: options.port ?? 0,
		...(options.address === undefined ? {} : { address: options.address }),
		onReadable(packets: number) {
			while (packets-- > 0) {
				const packet = this.read();
				options.onMessage(new Uint8Array(packet), packet.address, packet.port);
			}
		},
	});
}
