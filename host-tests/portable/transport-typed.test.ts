/**
 * What the application makes of its board's transport and randomness: a typed transport
 * failure is logged with its code and the platform's detail, then retried with backoff;
 * a generated client id comes from the board's random source, so two devices (or two
 * boots) do not share one.
 */
import { describe, it, check } from "./test-api";
import { FakeBoard } from "../../testkit/portable/fake-board";
import { startFirmware } from "../../src/app/firmware";
import { ProtocolError } from "../../src/common/errors";
import { boardRandom } from "../../src/common/random";

const CONFIG = { broker: "mqtt://broker.local", dht22Pin: "-1", buttonPin: "-1", reconnectBase: "1000", reconnectCap: "1000" };

/** The client id in the first CONNECT the firmware wrote (MQTT 3.1.1 3.1.3.1: after the 10-byte variable header). */
function connectClientId(board: FakeBoard): string {
	const stream = board.lastStream;
	stream.accept();
	const bytes = stream.takeWritten();
	const start = 2 + 10;
	const length = (bytes[start] << 8) | bytes[start + 1];
	return String.fromCharCode(...bytes.subarray(start + 2, start + 2 + length));
}

describe("Transport errors and randomness in the application", () => {
	it("logs a lost connection with its code and the platform's detail, then connects again after backoff", () => {
		const board = new FakeBoard();
		startFirmware(board, CONFIG, { wifi: false });
		board.lastStream.accept();
		board.lastStream.drop(new ProtocolError("CONNECTION_LOST", "the connection to broker.local:1883 was lost: read ECONNRESET", "ECONNRESET"));
		check(board.events("error")).toEqual([{ code: "CONNECTION_LOST", message: "the connection to broker.local:1883 was lost: read ECONNRESET", detail: "ECONNRESET" }]);
		check(board.streams).toHaveLength(1);
		board.advance(1000);
		check(board.streams).toHaveLength(2);
	});

	it("logs a failed connection as CONNECT_FAILED and keeps retrying", () => {
		const board = new FakeBoard();
		startFirmware(board, CONFIG, { wifi: false });
		for (let attempt = 1; attempt <= 3; attempt++) {
			board.lastStream.drop(new ProtocolError("CONNECT_FAILED", "cannot connect to broker.local:1883", "refused"));
			board.advance(1000);
		}
		check(board.events("error").map((e) => e.code)).toEqual(["CONNECT_FAILED", "CONNECT_FAILED", "CONNECT_FAILED"]);
		check(board.streams).toHaveLength(4);
	});

	it("draws a generated client id from the board's random source: another board, another id", () => {
		const first = new FakeBoard();
		startFirmware(first, CONFIG, { wifi: false });
		const second = new FakeBoard();
		startFirmware(second, CONFIG, { wifi: false });
		const ids = [connectClientId(first), connectClientId(second)];
		check(ids[0]).toMatch(/^lampnode-[0-9a-f]{8}$/);
		check(ids[1]).toMatch(/^lampnode-[0-9a-f]{8}$/);
		check(ids[0] === ids[1]).toBe(false);
		check(first.randomDraws > 0 && second.randomDraws > 0).toBe(true);
	});

	it("turns four random bytes into a number in [0, 1)", () => {
		const bytes = [new Uint8Array([0, 0, 0, 0]), new Uint8Array([0x80, 0, 0, 0]), new Uint8Array([0xff, 0xff, 0xff, 0xff])];
		const random = boardRandom({ randomBytes: () => bytes.shift() ?? new Uint8Array(4) });
		check([random(), random()]).toEqual([0, 0.5]);
		const last = random();
		check(last < 1 && last > 0.999).toBe(true);
	});
});
