/** The embedded broker of `npm start`: aedes on 127.0.0.1, so the demo needs no set-up. */
import { Aedes } from "aedes";
import net from "node:net";

export interface EmbeddedBroker {
	/** The broker itself, for tests that watch what it sees. */
	readonly aedes: Aedes;
	readonly port: number;
	readonly url: string;
	close(): Promise<void>;
}

/** Listens on `port`, or on any free port when it is taken (or 0). */
export async function startEmbeddedBroker(port: number): Promise<EmbeddedBroker> {
	const aedes = await Aedes.createBroker();
	const server = net.createServer(aedes.handle);
	const listen = (wanted: number) =>
		new Promise<number>((resolve, reject) => {
			server.once("error", reject);
			server.listen(wanted, "127.0.0.1", () => {
				server.off("error", reject);
				resolve((server.address() as net.AddressInfo).port);
			});
		});
	let bound: number;
	try {
		bound = await listen(port);
	} catch {
		bound = await listen(0);
	}
	return {
		aedes,
		port: bound,
		url: `mqtt://127.0.0.1:${bound}`,
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => aedes.close(() => resolve()));
				// Connections still open would hold server.close(); the firmware has gone by now.
				server.unref();
			}),
	};
}
