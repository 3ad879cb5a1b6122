/**
 * `npm start` runs every protocol in every mode (tools/launcher/plan.ts): each pair's
 * config, as the launcher hands it to the host firmware, parses with the host's table of
 * protocols (the full one, as parseConfig's default) and keeps the mode asked for. `--protocol coap --mode sleepy` used to end in a config error (the CoAP
 * demo ignored the mode).
 */
import { describe, expect, it } from "vitest";
import { hostConfig, manifestConfig } from "../../boards/host/config";
import { parseConfig } from "../../src/app/firmware";
import { MODES, PROTOCOLS, startPlan } from "../../tools/launcher/plan";

/** What start.ts adds for each protocol's peer: the broker, the gateway, or the CoAP port and collector. */
const TRANSPORT: Record<string, string[]> = {
	mqtt: ["broker=mqtt://127.0.0.1:1883"],
	mqttsn: ["gateway=udp://127.0.0.1:10000"],
	coap: ["coapPort=5683", "collector=coap://127.0.0.1:6000/readings"],
};

describe("npm start: every protocol x mode", () => {
	const cases = [...PROTOCOLS.flatMap((protocol) => MODES.map((mode) => ({ protocol, mode, set: [] as string[] }))), { protocol: "mqttsn", mode: "sleepy", set: ["qos=-1"] }];
	for (const { protocol, mode, set } of cases) {
		it(`${protocol} ${mode}${set.length ? ` ${set.join(" ")}` : ""}`, () => {
			const plan = startPlan({ protocol, mode, set }, manifestConfig());
			expect([plan.protocol, plan.sleepy]).toEqual([protocol, mode === "sleepy"]);
			const config = parseConfig(hostConfig([...TRANSPORT[protocol], ...plan.overrides]), { wifi: false });
			expect([config.protocol, config.device.mode]).toEqual([protocol, mode]);
		});
	}

	it("QoS -1 predefines the same topics at the gateway and in the firmware", () => {
		const plan = startPlan({ protocol: "mqttsn", mode: "sleepy", set: ["qos=-1", "telemetryTopic=t/r"] }, manifestConfig());
		expect(plan.predefinedTopics).toEqual({ "t/r": 1, "home/office/lamp/state": 2, "home/office/lamp/status": 3 });
		expect(plan.overrides).toContain("predefinedTopics=t/r=1,home/office/lamp/state=2,home/office/lamp/status=3");
	});

	it("the user's settings win, and an unknown protocol or mode is refused", () => {
		expect(startPlan({ mode: "sleepy", set: ["sleepInterval=30"] }, {}).overrides.at(-1)).toBe("sleepInterval=30");
		expect(() => startPlan({ protocol: "http" }, {})).toThrow(/--protocol/);
		expect(() => startPlan({ mode: "dozing" }, {})).toThrow(/--mode/);
	});
});
