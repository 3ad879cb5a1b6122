/**
 * DHT22 frame decoding: pulse trains written by hand from the datasheet's timing, one
 * recorded from the simulator (jitter and spikes), and every failure as its typed error.
 */
import { describe, it, check } from "./test-api";
import { expectProtocolError } from "./errors";
import { decodeDht22, frameBytes } from "../../src/drivers/dht22/sensor";
import { dht22Frame, dht22PulseTrain } from "../../boards/simulated/dht22";
import type { PulseCapture } from "../../src/common/board";

/**
 * A capture written out from a bit string, with the datasheet's widths: release high 30,
 * response low 80 / high 80, per bit low 50 then high 27 (0) or 70 (1), end low 50.
 */
function byHand(bits: string, from = 0): PulseCapture {
	const widths = [30, 80, 80];
	for (const bit of bits.replace(/ /g, "")) widths.push(50, bit === "1" ? 70 : 27);
	widths.push(50);
	return { firstLevel: from % 2 === 0 ? 1 : 0, durations: widths.slice(from) };
}

// The datasheet's example frame: 65.2 %RH, 35.1 deg C, checksum 0xEE.
const DATASHEET = "0000 0010 1000 1100 0000 0001 0101 1111 1110 1110";

/** Recorded from the simulator: -10.1 deg C, 99.9 %RH, jitter of 4 us and two spikes. */
const RECORDED: PulseCapture = {
	firstLevel: 1,
	durations: [
		31, 78, 80, 54, 28, 50, 30, 53, 24, 54, 25, 48, 31, 46, 26, 46, 67, 51, 73, 52, 72, 47, 71, 50, 68, 53, 24, 52, 24, 46, 72, 52, 35, 3, 35, 53, 73, 52, 66, 49,
		24, 51, 26, 48, 29, 49, 30, 50, 25, 50, 28, 49, 25, 53, 28, 49, 72, 51, 69, 51, 25, 47, 28, 50, 70, 48, 12, 2, 13, 47, 72, 48, 67, 53, 71, 51, 30, 48, 27, 49,
		71, 51, 68, 48, 71, 46, 68, 52,
	],
};

describe("DHT22 decoder", () => {
	it("decodes the datasheet's example frame written by hand", () => {
		check(decodeDht22(byHand(DATASHEET))).toEqual({ temperature: 35.1, humidity: 65.2 });
	});

	it("reads the sign bit: -10.1 deg C (datasheet: 1000 0000 0110 0101)", () => {
		// 65.2 %RH; checksum 0x02 + 0x8C + 0x80 + 0x65 = 0x173 -> 0x73.
		check(decodeDht22(byHand("0000 0010 1000 1100 1000 0000 0110 0101 0111 0011"))).toEqual({ temperature: -10.1, humidity: 65.2 });
	});

	it("decodes 0.0 deg C and 0.0 %RH, and a sign bit on zero as 0", () => {
		check(decodeDht22(byHand("0".repeat(40)))).toEqual({ temperature: 0, humidity: 0 });
		const negativeZero = decodeDht22(byHand("0000 0000 0000 0000 1000 0000 0000 0000 1000 0000"));
		check(Object.is(negativeZero.temperature, 0)).toBe(true);
	});

	it("decodes 99.9 %RH and the range's ends (-40 and 80 deg C)", () => {
		check(decodeDht22(dht22PulseTrain(dht22Frame(-40, 99.9))).humidity).toBe(99.9);
		check(decodeDht22(dht22PulseTrain(dht22Frame(-40, 99.9))).temperature).toBe(-40);
		check(decodeDht22(dht22PulseTrain(dht22Frame(80, 0))).temperature).toBe(80);
	});

	it("decodes a train recorded from the simulator, with jitter and spikes", () => {
		check(decodeDht22(RECORDED)).toEqual({ temperature: -10.1, humidity: 99.9 });
	});

	it("decodes without the release, or with the response cut off, or with the host's start low", () => {
		check(decodeDht22(byHand(DATASHEET, 1)).humidity).toBe(65.2);
		check(decodeDht22(byHand(DATASHEET, 3)).humidity).toBe(65.2);
		const withStart = byHand(DATASHEET);
		check(decodeDht22({ firstLevel: 0, durations: [1000, ...Array.from(withStart.durations)] }).temperature).toBe(35.1);
	});

	it("recognises a response whose low was cut short by a late capture start", () => {
		const train = Array.from(byHand(DATASHEET).durations);
		train.splice(0, 2, 20);
		check(decodeDht22({ firstLevel: 0, durations: train })).toEqual({ temperature: 35.1, humidity: 65.2 });
	});

	it("stops at the released line after the frame", () => {
		const train = Array.from(byHand(DATASHEET).durations);
		check(decodeDht22({ firstLevel: 1, durations: [...train, 5000, 40, 20] }).temperature).toBe(35.1);
	});

	it("refuses a bad checksum", () => {
		expectProtocolError(() => decodeDht22(byHand("0000 0010 1000 1100 0000 0001 0101 1111 1110 1111")), "SENSOR_CHECKSUM");
	});

	it("refuses a missing bit and an extra bit", () => {
		const bytes = dht22Frame(21.4, 48.2);
		expectProtocolError(() => decodeDht22(dht22PulseTrain(bytes, { bits: 39 })), "SENSOR_TOO_FEW_EDGES");
		expectProtocolError(() => decodeDht22(dht22PulseTrain(bytes, { bits: 41 })), "SENSOR_TOO_MANY_EDGES");
	});

	it("refuses a lost low (two highs merged) as a pulse out of timing", () => {
		const train = Array.from(byHand(DATASHEET).durations);
		// Bit 5's low is lost: its high and the previous one read as one long high.
		train.splice(3 + 2 * 4 + 1, 3, train[3 + 2 * 4 + 1] + 50 + train[3 + 2 * 5 + 1]);
		expectProtocolError(() => decodeDht22({ firstLevel: 1, durations: train }), "SENSOR_BAD_PULSE");
	});

	it("refuses values outside the part's range", () => {
		// 100.1 %RH: 0x03E9.
		expectProtocolError(() => decodeDht22(dht22PulseTrain(withChecksum([0x03, 0xe9, 0x00, 0xd6]))), "SENSOR_OUT_OF_RANGE");
		// 80.1 deg C and -40.1 deg C.
		expectProtocolError(() => decodeDht22(dht22PulseTrain(withChecksum([0x01, 0x00, 0x03, 0x21]))), "SENSOR_OUT_OF_RANGE");
		expectProtocolError(() => decodeDht22(dht22PulseTrain(withChecksum([0x01, 0x00, 0x81, 0x91]))), "SENSOR_OUT_OF_RANGE");
	});

	it("reports a silent line as no response", () => {
		expectProtocolError(() => decodeDht22({ firstLevel: 1, durations: [] }), "SENSOR_NO_RESPONSE");
		expectProtocolError(() => decodeDht22({ firstLevel: 1, durations: [30, 80, 80] }), "SENSOR_NO_RESPONSE");
	});

	it("gives the raw frame bytes, checksum included", () => {
		check(Array.from(frameBytes(byHand(DATASHEET)))).toEqual([0x02, 0x8c, 0x01, 0x5f, 0xee]);
	});

	it("round-trips every simulator frame over a sweep of values, with noise", () => {
		let seed = 1;
		const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
		for (let t = -400; t <= 800; t += 37) {
			const humidity = ((t + 400) % 1000) / 10;
			const sample = decodeDht22(dht22PulseTrain(dht22Frame(t / 10, humidity), { jitterUs: 5, spikes: 3, random }));
			check([sample.temperature, sample.humidity]).toEqual([t / 10, humidity]);
		}
	});
});

function withChecksum(data: number[]): Uint8Array {
	return new Uint8Array([...data, (data[0] + data[1] + data[2] + data[3]) & 0xff]);
}
