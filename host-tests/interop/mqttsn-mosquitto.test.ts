/**
 * MQTT-SN end to end: firmware client -> host gateway -> mosquitto (see mqttsn-suite.ts),
 * and `npm start -- --protocol mqttsn` switched by mosquitto_pub, with its own gateway or
 * an external one (--gateway).
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { FirmwareEvent } from "../../tools/launcher/firmware";
import { MqttSnGateway } from "../../tools/mqttsn-gateway/gateway";
import { Mosquitto } from "../../testkit/peers/mosquitto";
import { describeWithPeers, findExecutable } from "../../testkit/peers/require-peer";
import { launchStart as launch, Observer } from "./harness";
import { mqttSnGatewaySuite } from "./mqttsn-suite";
import { waitFor } from "../../testkit/wait-for";

const run = promisify(execFile);

describeWithPeers("MQTT-SN interop: gateway -> mosquitto", ["mosquitto", "mosquitto_pub"], () => {
	let broker: Mosquitto;
	const pub = (...args: string[]) => run(findExecutable("mosquitto_pub") as string, ["-h", "127.0.0.1", "-p", String(broker.port), ...args]);
	beforeAll(async () => {
		broker = await Mosquitto.start();
	});
	afterAll(async () => {
		await broker?.stop();
	});
	mqttSnGatewaySuite(() => broker.url, "mosq");

	it("npm start --protocol mqttsn: broker, gateway and firmware; mosquitto_pub switches the lamp", async () => {
		const launcher = launch(["--protocol", "mqttsn", "--broker", broker.url, "--set", "lampTopic=snstart/lamp"]);
		await waitFor(() => launcher.events.find((e) => e.event === "connected"), { what: "the launcher's firmware connected over MQTT-SN", deadline: 20_000 });
		const ready = launcher.events.find((e) => e.event === "ready") as FirmwareEvent & { gateway: string };
		expect(ready.gateway).toMatch(/^udp:\/\/127\.0\.0\.1:\d+$/);
		expect(launcher.events.find((e) => e.event === "start")?.protocol).toBe("mqttsn");
		const observer = await Observer.connect(broker.url);
		await observer.subscribe("snstart/lamp/#");
		await pub("-t", "snstart/lamp", "-m", "on");
		await waitFor(() => launcher.events.find((e) => e.event === "lamp" && e.state === "on"), { what: "lamp event" });
		await observer.waitFor("snstart/lamp/state", "on");
		launcher.child.kill("SIGTERM");
		expect(await launcher.exited).toBe(0);
		await observer.waitFor("snstart/lamp/status", "offline");
		await observer.close();
	});

	it("npm start --gateway udp://host:port: the firmware uses an external gateway", async () => {
		const gateway = await MqttSnGateway.start({ broker: broker.url });
		const launcher = launch(["--gateway", `udp://127.0.0.1:${gateway.port}`, "--broker", broker.url, "--set", "lampTopic=snext/lamp", "--set", "clientId=snext"]);
		await waitFor(() => launcher.events.find((e) => e.event === "connected"), { what: "the firmware connected to the external gateway", deadline: 20_000 });
		expect(gateway.client("snext")?.state).toBe("active");
		expect(launcher.events.some((e) => e.event === "gateway-ready")).toBe(false);
		await pub("-t", "snext/lamp", "-m", "on");
		await waitFor(() => launcher.events.find((e) => e.event === "lamp" && e.state === "on"), { what: "lamp event" });
		launcher.child.kill("SIGTERM");
		expect(await launcher.exited).toBe(0);
		await gateway.close();
	});
});
