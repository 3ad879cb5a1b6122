/** The host's --dht22 option: the simulated sensor's settings. */
import { describe, expect, it } from "vitest";
import { parseDht22Options } from "../../boards/host/dht22-options";

describe("--dht22", () => {
	it("reads numbers and a failure kind", () => {
		expect(parseDht22Options("temperature=-10.1, humidity=99.9,spikes=2,failureRate=0.25,failure=missing-bit")).toEqual({
			temperature: -10.1,
			humidity: 99.9,
			spikes: 2,
			failureRate: 0.25,
			failure: "missing-bit",
		});
		expect(parseDht22Options("")).toEqual({});
	});

	it("refuses unknown keys, non-numbers and unknown failures", () => {
		for (const bad of ["colour=red", "temperature=warm", "temperature=", "failure=fire"]) expect(() => parseDht22Options(bad)).toThrow(/--dht22/);
	});
});
