/**
 * Home Assistant discovery and the health report on a virtual clock: every config message
 * the firmware retains is checked against the schema written from Home Assistant's
 * documentation (ha-discovery-schema.ts), and read as Home Assistant would read it:
 * the light's payloads switch the lamp and match its state, the sensors' templates give the
 * reading's values, availability says "online" for an always-on lamp and for a sleepy node
 * between wakes.
 */
import { describe, it, check } from "./test-api";
import { startFirmware } from "../../src/app/firmware";
import { parseConfig } from "../../src/app/firmware";
import type { BoardHealth } from "../../src/common/board";
import { discoveryConfigs, nodeId } from "../../src/app/home-assistant";
import { DeviceBoard, FakePower, run, SLEEPY_CONFIG } from "../../testkit/portable/device-board";
import { MiniBroker } from "../../testkit/portable/mini-broker";
import { MiniGateway } from "../../testkit/portable/mini-gateway";
import { renderAvailability, renderValueTemplate, validateDiscovery, type Discovered } from "./ha-discovery-schema";
import { expectConfigError } from "./errors";

const CONFIG = { broker: "mqtt://broker.local", clientId: "lamp-1", readingInterval: "10", buttonPin: "-1", lampPin: "2", homeAssistant: "true", swVersion: "1.2.3" };

class HealthyBoard extends DeviceBoard {
	health(): BoardHealth {
		return { freeHeap: 20_480, rssi: -61 };
	}
}

function start(config: Record<string, string> = {}, board = new DeviceBoard({ dht22: { temperature: 19.5, humidity: 51 } })) {
	const broker = new MiniBroker();
	board.broker = broker;
	const app = startFirmware(board, { ...CONFIG, ...config }, { wifi: false });
	return { board, broker, app };
}

function discovered(retained: ReadonlyMap<string, string>, prefix = "homeassistant"): Discovered[] {
	return [...retained].filter(([topic]) => topic.startsWith(`${prefix}/`)).map(([topic, payload]) => validateDiscovery(prefix, topic, payload));
}

function find(all: readonly Discovered[], objectId: string): Discovered {
	const found = all.find((d) => d.objectId === objectId);
	if (!found) throw new Error(`no ${objectId} announced`);
	return found;
}

describe("Home Assistant discovery", () => {
	it("retains a valid config per entity on connect, sharing one device block", async () => {
		const { board, broker } = start();
		await run(board, 200);
		const all = discovered(broker.retained);
		check(all.map((d) => `${d.component}/${d.objectId}`).sort()).toEqual(
			["light/lamp", "sensor/boot", "sensor/error", "sensor/humidity", "sensor/reset", "sensor/temperature", "sensor/uptime"].sort(),
		);
		for (const d of all) {
			check(d.nodeId).toBe("lamp-1");
			check(d.config.device).toEqual({ identifiers: ["lampnode_lamp-1"], name: "lamp-1", manufacturer: "lampnode", model: "lampnode fake", sw_version: "1.2.3" });
			check(d.config.availability_topic).toBe("home/office/lamp/status");
		}
		check(new Set(all.map((d) => d.config.unique_id)).size).toBe(all.length);
		// Available: what the status topic holds is the documented payload_available.
		check(broker.retained.get("home/office/lamp/status")).toBe(find(all, "lamp").config.payload_available);
		// QoS 0: no packet id, nothing for a session to keep.
		check(broker.publishes.filter((p) => p.topic.startsWith("homeassistant/")).every((p) => p.qos === 0)).toBe(true);
	});

	it("the light's payloads are what the lamp accepts and publishes", async () => {
		const { board, broker } = start();
		await run(board, 200);
		const light = find(discovered(broker.retained), "lamp").config;
		check([light.command_topic, light.state_topic]).toEqual(["home/office/lamp", "home/office/lamp/state"]);
		broker.publish(light.command_topic as string, light.payload_on as string);
		await run(board, 50);
		check(board.outputs.get(2)).toBe(1);
		check(broker.retained.get("home/office/lamp/state")).toBe(light.payload_on);
		broker.publish(light.command_topic as string, light.payload_off as string);
		await run(board, 50);
		check(board.outputs.get(2)).toBe(0);
		check(broker.retained.get("home/office/lamp/state")).toBe(light.payload_off);
	});

	it("the sensors read the reading's JSON, measurements that expire after three missed readings", async () => {
		const { board, broker } = start();
		await run(board, 200);
		const all = discovered(broker.retained);
		const reading = broker.published.find((p) => p.topic === "home/office/dht22")?.payload ?? "";
		const temperature = find(all, "temperature").config;
		const humidity = find(all, "humidity").config;
		check([temperature.device_class, temperature.unit_of_measurement, temperature.state_class, temperature.expire_after]).toEqual(["temperature", "°C", "measurement", 30]);
		check([humidity.device_class, humidity.unit_of_measurement, humidity.state_class, humidity.expire_after]).toEqual(["humidity", "%", "measurement", 30]);
		check(temperature.state_topic).toBe("home/office/dht22");
		check(renderValueTemplate(temperature.value_template as string, reading)).toBe(19.5);
		check(renderValueTemplate(humidity.value_template as string, reading)).toBe(51);
	});

	it("no DHT22, no sensors for it; a board's heap and RSSI get diagnostic sensors", async () => {
		const { board, broker } = start({ dht22Pin: "-1" }, new HealthyBoard());
		await run(board, 200);
		const all = discovered(broker.retained);
		check(all.some((d) => d.objectId === "temperature" || d.objectId === "humidity")).toBe(false);
		const health = broker.retained.get("home/office/lamp/health") ?? "";
		check(renderValueTemplate(find(all, "heap").config.value_template as string, health)).toBe(20_480);
		check(renderValueTemplate(find(all, "rssi").config.value_template as string, health)).toBe(-61);
		for (const d of all.filter((d) => d.config.state_topic === "home/office/lamp/health")) {
			check(d.config.entity_category).toBe("diagnostic");
			check(renderValueTemplate(d.config.value_template as string, health)).toBeDefined();
		}
		check(renderValueTemplate(find(all, "error").config.value_template as string, health)).toBe("none");
	});

	it("a sleepy node is available while asleep and unavailable once its will says offline", async () => {
		const power = new FakePower();
		const broker = new MiniBroker();
		const board = new DeviceBoard({ power, dht22: { temperature: 21.4, humidity: 48.2 } });
		board.broker = broker;
		startFirmware(board, { ...SLEEPY_CONFIG, homeAssistant: "true" }, { wifi: false });
		for (let t = 0; t < 15_000 && power.sleeps.length === 0; t += 50) await run(board, 50);
		check(power.sleeps).toHaveLength(1);
		const all = discovered(broker.retained);
		const light = find(all, "lamp").config;
		const status = broker.retained.get("home/office/lamp/status") ?? "";
		check(status).toMatch(/^\{"status":"asleep"/);
		check(renderAvailability(light.availability_template as string, status)).toBe(light.payload_available);
		check(renderAvailability(light.availability_template as string, "offline")).toBe(light.payload_not_available);
		check(renderAvailability(light.availability_template as string, "online")).toBe(light.payload_available);
		check(find(all, "temperature").config.expire_after).toBe(180);
	});

	it("a sleepy wake resuming its session does not announce again", async () => {
		const power = new FakePower();
		const broker = new MiniBroker();
		for (let wake = 0; wake < 2; wake++) {
			const board = new DeviceBoard({ power });
			board.broker = broker;
			const sleeps = power.sleeps.length;
			startFirmware(board, { ...SLEEPY_CONFIG, homeAssistant: "true" }, { wifi: false });
			for (let t = 0; t < 15_000 && power.sleeps.length === sleeps; t += 50) await run(board, 50);
		}
		const configs = (connection: number) => broker.received[connection].filter((p) => p.type === 3 && p.topic.startsWith("homeassistant/")).length;
		// The first wake had nothing retained: a clean start (connection 0, CONNECT and DISCONNECT
		// only, adapters/mqtt.ts), then its session (1); the second wake resumes it (2).
		check(broker.received).toHaveLength(3);
		check(configs(1)).toBeGreaterThan(0);
		check(configs(2)).toBe(0);
	});

	it("works through an MQTT-SN gateway, with another prefix", async () => {
		const board = new DeviceBoard();
		const gateway = new MiniGateway();
		board.gateway = gateway;
		startFirmware(board, { protocol: "mqttsn", gateway: "udp://127.0.0.1:10000", clientId: "sn.1", lampPin: "2", buttonPin: "-1", homeAssistant: "true", discoveryPrefix: "ha" }, { wifi: false });
		await run(board, 2000);
		const all = discovered(gateway.retained, "ha");
		check(all.length).toBe(7);
		check(find(all, "lamp").nodeId).toBe("sn_1");
	});

	it("is refused without a client id, or over CoAP", () => {
		expectConfigError(() => parseConfig({ broker: "mqtt://b", homeAssistant: "true" }, { wifi: false }), "homeAssistant");
		expectConfigError(() => parseConfig({ protocol: "coap", clientId: "x", homeAssistant: "true" }, { wifi: false }), "homeAssistant");
		check(parseConfig({ broker: "mqtt://b" }, { wifi: false }).device.discovery).toBeUndefined();
		check(parseConfig({ broker: "mqtt://b", clientId: "a", homeAssistant: "true" }, { wifi: false }).device.discovery).toBe("homeassistant");
	});

	it("node ids keep only [a-zA-Z0-9_-]; removal is the same topics", () => {
		check(nodeId("kitchen.lamp/1 é")).toBe("kitchen_lamp_1__");
		const config = parseConfig({ broker: "mqtt://b", clientId: "a", homeAssistant: "true" }, { wifi: false });
		const all = discoveryConfigs(config, "a", "m", { heap: true, rssi: true });
		check(all).toHaveLength(9);
		for (const { topic, payload } of all) validateDiscovery("homeassistant", topic, payload);
	});
});

describe("Health report", () => {
	it("is retained on <lampTopic>/health on connect and every healthInterval", async () => {
		const { board, broker } = start({ healthInterval: "60" }, new HealthyBoard());
		await run(board, 200);
		const first = JSON.parse(broker.retained.get("home/office/lamp/health") ?? "{}") as Record<string, unknown>;
		check(first).toEqual({ fw: "1.2.3", up: 0, boot: 1, reset: "reset", heap: 20_480, rssi: -61 });
		const reports = () => broker.publishes.filter((p) => p.topic === "home/office/lamp/health").length;
		check(reports()).toBe(1);
		await run(board, 60_000, 50);
		check(reports()).toBe(2);
		check((JSON.parse(broker.retained.get("home/office/lamp/health") ?? "{}") as { up: number }).up).toBe(60);
	});

	it("asleep, is sent on the wakes healthInterval spaces out: every third at three sleeps, every one at one", async () => {
		for (const [healthInterval, expected] of [["180", [1, 3, 6]], ["60", [1, 2, 3, 4, 5, 6]], ["0", [1]]] as const) {
			const power = new FakePower();
			const broker = new MiniBroker();
			const boots: number[] = [];
			for (let wake = 0; wake < 6; wake++) {
				const board = new DeviceBoard({ power });
				board.broker = broker;
				const sleeps = power.sleeps.length;
				const before = broker.publishes.filter((p) => p.topic === "home/office/lamp/health").length;
				startFirmware(board, { ...SLEEPY_CONFIG, healthInterval }, { wifi: false });
				for (let t = 0; t < 15_000 && power.sleeps.length === sleeps; t += 50) await run(board, 50);
				const after = broker.publishes.filter((p) => p.topic === "home/office/lamp/health");
				if (after.length > before) boots.push((JSON.parse(after[after.length - 1].payload) as { boot: number }).boot);
			}
			check([healthInterval, ...boots]).toEqual([healthInterval, ...expected]);
		}
	});

	it("counts boots in retained memory and names the last error", async () => {
		const power = new FakePower();
		for (let boot = 1; boot <= 2; boot++) {
			const board = new DeviceBoard({ power });
			const { broker, app } = start({}, board);
			await run(board, 200);
			check((JSON.parse(broker.retained.get("home/office/lamp/health") ?? "{}") as { boot: number }).boot).toBe(boot);
			const stopped = app.stop();
			await run(board, 100);
			await stopped;
		}
		// A broker that drops the connection: CONNECTION_LOST is reported, and the next report names it.
		const board = new DeviceBoard();
		const { broker } = start({ reconnectBase: "10", reconnectCap: "10" }, board);
		await run(board, 200);
		board.streams[0].drop(new Error("ECONNRESET"));
		await run(board, 500);
		const health = JSON.parse(broker.retained.get("home/office/lamp/health") ?? "{}") as { err?: string };
		check(health.err).toBe(board.events("error")[0]?.code);
		check(health.err).toBeDefined();
	});

	it("a sleepy wake reports its boot and wake cause", async () => {
		const power = new FakePower();
		const broker = new MiniBroker();
		for (let wake = 1; wake <= 2; wake++) {
			const board = new DeviceBoard({ power });
			board.broker = broker;
			const sleeps = power.sleeps.length;
			// A report every wake: healthInterval as long as the sleep.
			startFirmware(board, { ...SLEEPY_CONFIG, healthInterval: SLEEPY_CONFIG.sleepInterval }, { wifi: false });
			for (let t = 0; t < 15_000 && power.sleeps.length === sleeps; t += 50) await run(board, 50);
			const health = JSON.parse(broker.retained.get("home/office/lamp/health") ?? "{}") as { boot: number; reset: string };
			check([health.boot, health.reset]).toEqual([wake, wake === 1 ? "reset" : "timer"]);
		}
	});
});
