/**
 * The host board with a meter on its sockets: bytes and writes (or datagrams) each way,
 * and round trips, counted where the firmware meets the network. A round trip is a
 * turn of the conversation: the firmware sent something and then heard back. Bytes
 * that arrive in several chunks before the firmware speaks again are one round trip.
 */
import type { Datagram, DatagramOptions, Stream, StreamOptions } from "../../src/common/board";
import { HostBoard, type HostBoardOptions } from "../../boards/host/board";

export interface WireCount {
	bytesSent: number;
	bytesReceived: number;
	/** Stream writes or datagrams sent. */
	packetsSent: number;
	/** Stream reads or datagrams received. */
	packetsReceived: number;
	roundTrips: number;
	/** Stream connects (each a TCP handshake, a round trip of its own). */
	connects: number;
}

export class MeteredBoard extends HostBoard {
	readonly count: WireCount = { bytesSent: 0, bytesReceived: 0, packetsSent: 0, packetsReceived: 0, roundTrips: 0, connects: 0 };
	#spoke = false;

	constructor(options: HostBoardOptions = {}) {
		super({ log: () => undefined, ...options });
	}

	override connectStream(options: StreamOptions): Stream {
		const stream = super.connectStream({
			...options,
			// The stream driver's options read the address through getters, which a spread leaves out.
			host: options.host,
			port: options.port,
			tls: options.tls,
			websocket: options.websocket,
			onConnect: () => {
				this.count.connects++;
				options.onConnect();
			},
			onData: (bytes) => {
				this.#heard(bytes.length);
				options.onData(bytes);
			},
			onClose: (error) => options.onClose(error),
		});
		return {
			write: (bytes) => {
				this.#said(bytes.length);
				stream.write(bytes);
			},
			get unwritten() {
				return stream.unwritten;
			},
			close: (discard) => stream.close(discard),
		};
	}

	override openDatagram(options: DatagramOptions): Datagram {
		// Each field named: the driver's options are an object whose callbacks are methods of its
		// prototype (src/datagram/driver.ts), which a spread would leave behind.
		const datagram = super.openDatagram({
			port: options.port,
			address: options.address,
			datagramReceived: (bytes, address, port) => {
				this.#heard(bytes.length);
				options.datagramReceived(bytes, address, port);
			},
			endpointReady: () => options.endpointReady?.(),
			endpointFailed: (error) => options.endpointFailed?.(error),
		});
		return {
			get port() {
				return datagram.port;
			},
			send: (bytes, address, port) => {
				this.#said(bytes.length);
				datagram.send(bytes, address, port);
			},
			close: () => datagram.close(),
		};
	}

	#said(length: number): void {
		this.count.bytesSent += length;
		this.count.packetsSent++;
		this.#spoke = true;
	}

	#heard(length: number): void {
		this.count.bytesReceived += length;
		this.count.packetsReceived++;
		if (this.#spoke) this.count.roundTrips++;
		this.#spoke = false;
	}
}
