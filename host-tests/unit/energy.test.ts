/** `npm run energy`: the battery-life arithmetic, the Wi-Fi join model, the table, and every protocol's wake measured. */
import { describe, expect, it } from "vitest";
import { batteryDays } from "../../tools/energy/battery";
import { ENERGY_CASES } from "../../tools/energy/cases";
import { daysWith, energyTable } from "../../tools/energy/table";
import { meterSteadyWakes, type Wake } from "../../tools/energy/wake";
import { WIFI_JOIN } from "../../tools/energy/wifi-join";

const profile = { activeMa: 120, sleepUa: 10, capacityMah: 2000 };

describe("battery life", () => {
	it("is capacity over the cycle's average current", () => {
		// 1 s at 120 mA and 59 s at 0.01 mA per minute: 2.00983 mA on average.
		expect(batteryDays(profile, 1000, 60_000)).toBeCloseTo(2000 / ((120 * 1 + 0.01 * 59) / 60) / 24, 6);
	});

	it("grows with the interval and shrinks with the awake time", () => {
		expect(batteryDays(profile, 1000, 300_000)).toBeGreaterThan(batteryDays(profile, 1000, 60_000));
		expect(batteryDays(profile, 3000, 60_000)).toBeLessThan(batteryDays(profile, 1000, 60_000));
	});

	it("is the sleep current's alone when never awake, the active one's when always awake", () => {
		expect(batteryDays(profile, 0, 60_000)).toBeCloseTo(2000 / 0.01 / 24, 6);
		expect(batteryDays(profile, 90_000, 60_000)).toBeCloseTo(2000 / 120 / 24, 6);
	});
});

const wake = (awakeMs: number): Wake => ({ awakeMs, bytesSent: 40, bytesReceived: 0, packetsSent: 1, packetsReceived: 0, roundTrips: 0, connects: 0 });

describe("Wi-Fi join model and the table", () => {
	it("a fast join (retained BSSID and channel, static IP) is well under a full one on both chips", () => {
		for (const join of Object.values(WIFI_JOIN)) {
			expect(join.fastMs).toBeGreaterThan(0);
			expect(join.fullMs / join.fastMs).toBeGreaterThanOrEqual(2);
		}
	});

	it("adds the join to every wake: a 30 ms wake at 5 min lasts about twice as long with the fast join", () => {
		const join = WIFI_JOIN.esp8266;
		const full = daysWith(profile, wake(30), join.fullMs, 5);
		const fast = daysWith(profile, wake(30), join.fastMs, 5);
		expect(full).toBeCloseTo(batteryDays(profile, 30 + join.fullMs, 300_000), 6);
		expect(fast / full).toBeGreaterThan(2);
	});

	it("prints full/fast days per interval for each measured wake", () => {
		const table = energyTable([{ protocol: "MQTT-SN QoS -1", peer: "gw", wake: wake(30) }], profile, { fullMs: 3000, fastMs: 1000 }, [1, 15]);
		expect(table[0]).toEqual(["protocol", "peer", "awake ms", "bytes out/in", "packets out/in", "round trips", "days @1 min full/fast+static join", "days @15 min full/fast+static join"]);
		const expected = (joinMs: number, minutes: number) => batteryDays(profile, 30 + joinMs, minutes * 60_000).toFixed(0);
		expect(table[1]).toEqual(["MQTT-SN QoS -1", "gw", "30", "40/0", "1/0", "0", `${expected(3000, 1)}/${expected(1000, 1)}`, `${expected(3000, 15)}/${expected(1000, 15)}`]);
	});
});

describe("the wakes it measures", () => {
	it("cover MQTT, MQTT-SN QoS 1 and QoS -1, CoAP CON and NON", () => {
		expect([...new Set(ENERGY_CASES.map((c) => c.protocol))]).toEqual(["MQTT QoS 1", "MQTT-SN QoS 1", "MQTT-SN QoS -1", "CoAP CON", "CoAP NON"]);
	});

	it("each measures a real wake against its peer: QoS -1 and NON one datagram and no answer, the others a round trip or more", async () => {
		for (const c of ENERGY_CASES.filter((c) => c.available())) {
			const peer = await c.start(10);
			try {
				const measured = await meterSteadyWakes(peer.config, 2);
				expect(measured.packetsSent, c.protocol).toBeGreaterThan(0);
				if (c.protocol === "MQTT-SN QoS -1" || c.protocol === "CoAP NON") expect([measured.packetsSent, measured.packetsReceived], c.protocol).toEqual([1, 0]);
				else expect(measured.roundTrips + measured.connects, c.protocol).toBeGreaterThanOrEqual(1);
			} finally {
				await peer.close();
			}
		}
	}, 60_000);
});
