/**
 * Home Assistant discovery on a real mosquitto: the host firmware, configured as the
 * manifest configures a device (so `sw_version` is the build's), announces; a fresh client
 * reads every config back retained and checks it against the schema written from Home
 * Assistant's documentation; the lamp answers the light's own command payload; then
 * `npm start -- --forget` clears every config (and the health report) from the broker. And
 * the same configs over MQTT-SN, through the laptop gateway.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { hostConfig } from "../../boards/host/config";
import { Mosquitto } from "../../testkit/peers/mosquitto";
import { describeWithPeers } from "../../testkit/peers/require-peer";
import { validateDiscovery } from "../portable/ha-discovery-schema";
import { FirmwareUnderTest, launchStart, Observer, retained } from "./harness";
import { waitFor } from "../../testkit/wait-for";
import { MqttSnGateway } from "../../tools/mqttsn-gateway/gateway";

const VERSION = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

/** Every retained message under `filter`: a second subscription's retained sentinel comes after them. */
async function allRetained(url: string, filter: string): Promise<Map<string, string>> {
	const observer = await Observer.connect(url);
	await observer.subscribe(filter);
	await observer.client.publishAsync("sentinel/ha", "x", { qos: 1, retain: true });
	await observer.subscribe("sentinel/ha");
	await waitFor(() => observer.received.some((r) => r.topic === "sentinel/ha" && r.retain), { what: "the sentinel, after every retained message" });
	await observer.close();
	return new Map(observer.received.filter((r) => r.retain && r.topic !== "sentinel/ha").map((r) => [r.topic, r.payload]));
}

describeWithPeers("Home Assistant discovery: mosquitto", ["mosquitto"], () => {
	let broker: Mosquitto;

	beforeAll(async () => {
		broker = await Mosquitto.start();
	});
	afterAll(async () => {
		await broker?.stop();
	});

	it("announces valid retained configs, and --forget clears them", async () => {
		const firmware = new FirmwareUnderTest(hostConfig([`broker=${broker.url}`, "clientId=kitchen-lamp", "homeAssistant=true", "lampPin=5", "buttonPin=-1"]));
		await firmware.waitFor("connected");
		// The host board reports its free heap (no RSSI): 7 entities and the heap's.
		const configs = await retained(broker.url, "homeassistant/#", 8);
		expect(configs.size).toBe(8);
		const all = [...configs].map(([topic, payload]) => validateDiscovery("homeassistant", topic, payload));
		for (const d of all) expect(d.config.device).toEqual({ identifiers: ["lampnode_kitchen-lamp"], name: "kitchen-lamp", manufacturer: "lampnode", model: "lampnode host", sw_version: VERSION });
		const light = all.find((d) => d.component === "light")?.config ?? {};
		const observer = await Observer.connect(broker.url);
		await observer.client.publishAsync(light.command_topic as string, light.payload_on as string, { qos: 1 });
		await waitFor(() => firmware.pin(5) === 1, { what: "the lamp on Home Assistant's payload_on" });
		await observer.subscribe(light.state_topic as string);
		await observer.waitFor(light.state_topic as string, light.payload_on as string);
		await observer.close();
		const health = JSON.parse((await retained(broker.url, "home/office/lamp/health", 1)).get("home/office/lamp/health") ?? "{}") as Record<string, unknown>;
		expect(health.fw).toBe(VERSION);
		expect(health.heap).toBeGreaterThan(0);
		await firmware.app.stop();

		const run = launchStart(["--forget", "--broker", broker.url, "--set", "clientId=kitchen-lamp"]);
		expect(await run.exited).toBe(0);
		expect(run.events.find((e) => e.event === "forgotten")?.topics).toBe(10);
		const left = await allRetained(broker.url, "homeassistant/#");
		expect([...left.keys()]).toEqual([]);
		expect((await allRetained(broker.url, "home/office/lamp/health")).size).toBe(0);
	});

	it("announces through an MQTT-SN gateway too", async () => {
		const gateway = await MqttSnGateway.start({ broker: broker.url });
		const observer = await Observer.connect(broker.url);
		await observer.subscribe("homeassistant/+/sn-lamp/#");
		const firmware = new FirmwareUnderTest(
			hostConfig(["protocol=mqttsn", `gateway=udp://127.0.0.1:${gateway.port}`, "clientId=sn-lamp", "homeAssistant=true", "lampTopic=sn/lamp", "buttonPin=-1"]),
		);
		try {
			// One REGISTER round trip per topic through the gateway: they arrive one by one.
			await waitFor(() => new Set(observer.received.map((r) => r.topic)).size >= 8, { what: "8 discovery configs through the gateway" });
			const configs = await allRetained(broker.url, "homeassistant/+/sn-lamp/#");
			const all = [...configs].map(([topic, payload]) => validateDiscovery("homeassistant", topic, payload));
			expect(all).toHaveLength(8);
			expect(all.find((d) => d.component === "light")?.config.command_topic).toBe("sn/lamp");
		} finally {
			await observer.close();
			await firmware.app.stop();
			await gateway.close();
		}
	});
});
