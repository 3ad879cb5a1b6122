/** The application's pure parts: configuration, lamp commands, the lamp driver. */
import { describe, it, check } from "./test-api";
import { expectConfigError } from "./errors";
import { text } from "./bytes";
import { parseConfig } from "../../src/app/firmware";
import { parseBrokerUrl } from "../../src/app/config-mqtt";
import { parseLampCommand } from "../../src/app/lamp-app";
import { Lamp } from "../../src/drivers/lamp";

const valid = { broker: "mqtt://127.0.0.1:1883" };

describe("Config", () => {
	it("fills defaults: lamp topics, pin, keep-alive, QoS 1, clean session", () => {
		const config = parseConfig(valid, { wifi: false });
		if (config.protocol !== "mqtt") throw new Error("expected the mqtt protocol");
		check(config.lamp).toEqual({ pin: 2, activeLow: false, topic: "home/office/lamp", stateTopic: "home/office/lamp/state", statusTopic: "home/office/lamp/status" });
		check(config.mqtt.keepAlive).toBe(60);
		check(config.mqtt.qos).toBe(1);
		check(config.mqtt.cleanSession).toBe(true);
		check(config.mqtt.maxPacketSize).toBe(8192);
	});
	it("takes command-line strings for numbers and booleans, as mcconfig key=value gives them", () => {
		const config = parseConfig({ ...valid, lampPin: "5", lampActive: "low", keepAlive: "30", cleanSession: "false", clientId: "lamp-1", qos: "2" }, { wifi: false });
		if (config.protocol !== "mqtt") throw new Error("expected the mqtt protocol");
		check(config.lamp.pin).toBe(5);
		check(config.lamp.activeLow).toBe(true);
		check(config.mqtt.keepAlive).toBe(30);
		check(config.mqtt.cleanSession).toBe(false);
		check(config.mqtt.qos).toBe(2);
	});
	it("parses broker URLs with default ports and TLS", () => {
		check(parseBrokerUrl("mqtt://broker.local")).toEqual({ host: "broker.local", port: 1883, tls: undefined });
		check(parseBrokerUrl("mqtts://broker.local", "ca.der")).toEqual({ host: "broker.local", port: 8883, tls: { ca: "ca.der" } });
		check(parseBrokerUrl("mqtt://10.0.0.2:1884/")).toEqual({ host: "10.0.0.2", port: 1884, tls: undefined });
	});
	it("names the key and the expected form for bad values", () => {
		check(expectConfigError(() => parseConfig({}, { wifi: false }), "broker").message).toContain("missing or empty");
		for (const broker of ["http://x", "mqtt://", "mqtt://host:0", "mqtt://host:70000", "broker.local:1883", "mqtt://user:pw@host"])
			check(expectConfigError(() => parseConfig({ broker }, { wifi: false }), "broker").message).toContain("mqtt://host[:port]");
		expectConfigError(() => parseConfig({ ...valid, lampPin: "GPIO5" }, { wifi: false }), "lampPin");
		expectConfigError(() => parseConfig({ ...valid, lampPin: 99 }, { wifi: false }), "lampPin");
		expectConfigError(() => parseConfig({ ...valid, lampTopic: "home/+/lamp" }, { wifi: false }), "lampTopic");
		expectConfigError(() => parseConfig({ ...valid, stateTopic: "a\u0000" }, { wifi: false }), "stateTopic");
		expectConfigError(() => parseConfig({ ...valid, lampActive: "sometimes" }, { wifi: false }), "lampActive");
		expectConfigError(() => parseConfig({ ...valid, keepAlive: -1 }, { wifi: false }), "keepAlive");
		expectConfigError(() => parseConfig({ ...valid, cleanSession: "maybe" }, { wifi: false }), "cleanSession");
		expectConfigError(() => parseConfig({ ...valid, cleanSession: false }, { wifi: false }), "clientId");
		expectConfigError(() => parseConfig({ ...valid, clientId: "has space" }, { wifi: false }), "clientId");
		expectConfigError(() => parseConfig({ ...valid, protocol: "http" }, { wifi: false }), "protocol");
	});
	it("needs an ssid on a device board, not on the host", () => {
		expectConfigError(() => parseConfig(valid, { wifi: true }), "ssid");
		expectConfigError(() => parseConfig({ ...valid, ssid: "" }, { wifi: true }), "ssid");
		check(parseConfig({ ...valid, ssid: "home" }, { wifi: true }).protocol).toBe("mqtt");
	});
	it("never puts a secret into an error message", () => {
		const secret = "hunter2-very-secret";
		const error = expectConfigError(() => parseConfig({ ...valid, brokerPassword: secret }, { wifi: false }), "brokerUsername");
		check(error.message).not.toContain(secret);
		const typeError = expectConfigError(() => parseConfig({ ...valid, ssid: "x", password: secret, brokerUsername: "u", brokerPassword: 42 }, { wifi: true }), "brokerPassword");
		check(typeError.message).not.toContain("42");
	});
});

describe("Lamp commands", () => {
	const cases: [string, string | undefined][] = [
		["on", "on"],
		["ON", "on"],
		["  On\n", "on"],
		["1", "on"],
		["true", "on"],
		["TRUE", "on"],
		["off", "off"],
		["0", "off"],
		["False", "off"],
		["toggle", "toggle"],
		[" TOGGLE ", "toggle"],
		["", undefined],
		["onn", undefined],
		["2", undefined],
		["constructor", undefined],
		["__proto__", undefined],
		["on".padEnd(40, " "), undefined],
	];
	for (const [payload, expected] of cases) {
		it(`${JSON.stringify(payload)} -> ${expected ?? "ignored"}`, () => {
			check(parseLampCommand(text(payload))).toBe(expected);
		});
	}
	it("ignores bytes that are not UTF-8", () => {
		check(parseLampCommand(new Uint8Array([0xff, 0x6f, 0x6e]))).toBeUndefined();
	});
});

describe("Lamp driver", () => {
	function pin() {
		const writes: number[] = [];
		return { writes, output: { write: (v: 0 | 1) => void writes.push(v), read: () => (writes[writes.length - 1] ?? 0) as 0 | 1 } };
	}
	it("drives an active-high pin 1 for on", () => {
		const { writes, output } = pin();
		const lamp = new Lamp(output, false);
		check(lamp.set(true)).toBe(true);
		check(lamp.set(true)).toBe(false);
		lamp.toggle();
		check(writes).toEqual([0, 1, 0]);
		check(lamp.on).toBe(false);
	});
	it("drives an active-low relay 0 for on, and starts off (pin high)", () => {
		const { writes, output } = pin();
		const lamp = new Lamp(output, true);
		lamp.set(true);
		check(writes).toEqual([1, 0]);
	});
});
