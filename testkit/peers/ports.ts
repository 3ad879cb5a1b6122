/** Free loopback ports for peers the tests start (the OS picks; nothing is hard-coded). */
import dgram from "node:dgram";
import net from "node:net";
import { waitFor } from "../wait-for";

export function freeTcpPort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const { port } = server.address() as net.AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

export function freeUdpPort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const socket = dgram.createSocket("udp4");
		socket.once("error", reject);
		socket.bind(0, "127.0.0.1", () => {
			const { port } = socket.address();
			socket.close(() => resolve(port));
		});
	});
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port`. */
export function waitForTcp(port: number, deadline = 10_000): Promise<true> {
	const accepts = () =>
		new Promise<boolean>((resolve) => {
			const socket = net.connect({ host: "127.0.0.1", port });
			socket.once("connect", () => (socket.destroy(), resolve(true)));
			socket.once("error", () => resolve(false));
		});
	return waitFor(accepts, { what: `a listener on TCP 127.0.0.1:${port}`, deadline, every: 50 });
}

/**
 * Resolves once a CoAP endpoint answers on UDP 127.0.0.1:`port`: it sends a CoAP ping
 * (an empty CON, RFC 7252 4.3) every 50 ms until any datagram comes back (the RST).
 */
export function waitForCoap(port: number, deadline = 10_000): Promise<true> {
	const socket = dgram.createSocket("udp4");
	let answered = false;
	socket.on("message", () => (answered = true));
	let messageId = 0;
	const ping = () => {
		if (!answered) socket.send(new Uint8Array([0x40, 0x00, 0x7a, messageId++ & 0xff]), port, "127.0.0.1");
		return answered;
	};
	return waitFor(ping, { what: `a CoAP endpoint on UDP 127.0.0.1:${port} (an answer to a CoAP ping)`, deadline, every: 50 }).finally(() => socket.close());
}

/** Whether UDP 127.0.0.1:`port` can be bound now (nothing holds it). */
export function udpPortFree(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = dgram.createSocket("udp4");
		socket.once("error", () => resolve(false));
		socket.bind(port, "127.0.0.1", () => socket.close(() => resolve(true)));
	});
}
