/** Reading a DHT22 on a virtual clock: 2 s between start signals, retries, the last good sample. */
import { describe, it, check } from "./test-api";
import { Dht22 } from "../../src/drivers/dht22/sensor";
import { ProtocolError } from "../../src/common/errors";
import { DeviceBoard, run, settle } from "../../testkit/portable/device-board";

describe("DHT22 sensor", () => {
	it("reads at once the first time, then waits 2 s from the last start signal", async () => {
		const board = new DeviceBoard({ dht22: { temperature: 21.4, humidity: 48.2 } });
		const sensor = new Dht22(board, { pin: 4 });
		let sample: unknown;
		sensor.read().then((s) => (sample = s));
		await run(board, 10);
		check(sample).toEqual({ temperature: 21.4, humidity: 48.2 });
		check(board.captures).toEqual([0]);
		await run(board, 500);
		sample = undefined;
		sensor.read().then((s) => (sample = s));
		await run(board, 1000);
		check(sample).toBeUndefined();
		await run(board, 600);
		check(sample).toEqual({ temperature: 21.4, humidity: 48.2 });
		check(board.captures).toEqual([0, 2000]);
	});

	it("honours a read made before a deep sleep", async () => {
		const board = new DeviceBoard();
		board.advance(100);
		const sensor = new Dht22(board, { pin: 4, lastReadAt: -1500 });
		sensor.read();
		await run(board, 800);
		check(board.captures).toEqual([500]);
	});

	it("shares one read between callers", async () => {
		const board = new DeviceBoard();
		const sensor = new Dht22(board, { pin: 4 });
		const a = sensor.read();
		const b = sensor.read();
		check(a).toBe(b);
		await run(board, 10);
		check(board.captures).toHaveLength(1);
	});

	it("retries a bad frame no sooner than 2 s later, with backoff on top", async () => {
		const board = new DeviceBoard({ dht22: { failureRate: 1, failure: "checksum", temperature: -10.1, humidity: 99.9 } });
		const sensor = new Dht22(board, { pin: 4, retries: 2, retryBase: 1000, random: () => 0.5 });
		let error: unknown;
		sensor.read().catch((e) => (error = e));
		await run(board, 2100);
		check(board.captures).toEqual([0]);
		// The first retry waits 2 s plus half of 1 s; the second 2 s plus half of 2 s.
		board.dht22.options.failureRate = 0;
		await run(board, 500);
		check(board.captures).toEqual([0, 2500]);
		await settle();
		check(error).toBeUndefined();
		check(sensor.last?.sample).toEqual({ temperature: -10.1, humidity: 99.9 });
		check(sensor.failures).toEqual({ SENSOR_CHECKSUM: 1 });
	});

	it("gives up after its retries with the last typed error, and keeps the last good sample and its age", async () => {
		const board = new DeviceBoard({ dht22: { temperature: 5, humidity: 50 } });
		const sensor = new Dht22(board, { pin: 4, retries: 1, retryBase: 1000, random: () => 0 });
		sensor.read();
		await run(board, 10);
		check(sensor.age(board.now())).toBe(5);
		board.dht22.options.failureRate = 1;
		board.dht22.options.failure = "no-response";
		let error: unknown;
		sensor.read().catch((e) => (error = e));
		await run(board, 4100);
		check(board.captures).toEqual([0, 2000, 4000]);
		check(error).toBeInstanceOf(ProtocolError);
		check((error as ProtocolError).code).toBe("SENSOR_NO_RESPONSE");
		check(sensor.last?.sample).toEqual({ temperature: 5, humidity: 50 });
		check(sensor.age(board.now())).toBe(4105);
	});

	it("fails with a typed error on a board that cannot capture", async () => {
		const board = new DeviceBoard();
		(board as { captureDht22?: unknown }).captureDht22 = undefined;
		const sensor = new Dht22(board, { pin: 4, retries: 0 });
		let error: unknown;
		sensor.read().catch((e) => (error = e));
		await run(board, 10);
		check((error as ProtocolError).code).toBe("SENSOR_NO_RESPONSE");
	});
});
