/**
 * Connects every UDP endpoint a FakeBoard opened into one loopback network: `pump`
 * delivers what each sent to the endpoint bound at the destination port, from the
 * sender's port, until nothing moves, letting promise continuations run in between.
 * `lose` drops datagrams before delivery, to test retransmission.
 */
import type { FakeBoard, FakeDatagram } from "./fake-board";

export const flush = async (): Promise<void> => {
	for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => resolve());
};

export async function pump(board: FakeBoard, lose: (bytes: Uint8Array) => boolean = () => false): Promise<number> {
	let moved = 0;
	for (let round = 0; round < 1000; round++) {
		await flush();
		let any = false;
		for (const from of board.datagrams) {
			for (const datagram of from.takeSent()) {
				any = true;
				moved++;
				if (lose(datagram.bytes)) continue;
				const to: FakeDatagram | undefined = board.datagrams.find((d) => d.port === datagram.port && !d.closed);
				to?.deliver(datagram.bytes, "127.0.0.1", from.port);
			}
		}
		if (!any) {
			await flush();
			if (!board.datagrams.some((d) => d.sent.length > 0)) return moved;
		}
	}
	return moved;
}

/** Advances the virtual clock in steps, pumping datagrams after each. */
export async function run(board: FakeBoard, ms: number, step = 100, lose?: (bytes: Uint8Array) => boolean): Promise<void> {
	await pump(board, lose);
	for (let t = 0; t < ms; t += step) {
		board.advance(step);
		await pump(board, lose);
	}
}

/** Pumps and advances the clock in 100 ms steps until `promise` settles (at most `ms`); returns it. */
export async function settle<T>(board: FakeBoard, promise: Promise<T>, ms = 100_000): Promise<T> {
	let done = false;
	promise.then(
		() => (done = true),
		() => (done = true),
	);
	for (let t = 0; t < ms && !done; t += 100) {
		await pump(board);
		if (!done) board.advance(100);
	}
	return promise;
}
