/**
 * `npm start`: the firmware on the laptop with nothing to set up. Starts an embedded
 * MQTT broker (aedes, 127.0.0.1) unless --broker names one, runs the firmware on the
 * host board, shows the lamp live and prints the command that switches it.
 *
 *   npm start [-- --broker mqtt://host:port | mqtts://host:port] [--port 1883]
 *                [--mode always-on|sleepy] [--dht22 temperature=21.4,...] [--set key=value]...
 *                [--protocol mqtt | mqttsn] [--gateway udp://host:port]
 *   npm start -- --protocol coap [--mode always-on|sleepy] [--coap-port 5683] [--collector coap://host:port/path]
 *   npm start -- --forget --broker mqtt://host:port [--set clientId=...]   (Home Assistant: remove the device)
 *
 * Every protocol runs in every mode (launcher/plan.ts). --protocol mqttsn runs the host
 * MQTT-SN gateway too (launcher/mqttsn.ts), unless --gateway names an external one;
 * --protocol coap runs a collector instead of a broker (launcher/coap.ts).
 *
 * Ctrl-C or SIGTERM stops the firmware cleanly ("offline" retained, then DISCONNECT),
 * then the broker.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startEmbeddedBroker, type EmbeddedBroker } from "./launcher/broker";
import { startFirmware, type FirmwareEvent } from "./launcher/firmware";
import { startMqttSnTransport, type MqttSnTransport } from "./launcher/mqttsn";
import { startPlan } from "./launcher/plan";
import { runSleepyDevice } from "./launcher/sleepy";
import { createView } from "./launcher/view";
import { manifestConfig } from "../boards/host/config";
import { runCoapDemo } from "./launcher/coap";
import { forget } from "./launcher/forget";

const { values } = parseArgs({
	options: {
		broker: { type: "string" },
		port: { type: "string", default: "1883" },
		set: { type: "string", multiple: true, default: [] },
		mode: { type: "string", default: "always-on" },
		dht22: { type: "string" },
		protocol: { type: "string" },
		"coap-port": { type: "string", default: "5683" },
		collector: { type: "string" },
		gateway: { type: "string" },
		forget: { type: "boolean", default: false },
	},
});

if (values.forget) {
	// Decommission: the broker keeps the retained discovery configs, so it must be named.
	if (!values.broker) throw new Error("--forget needs --broker mqtt://host:port (the broker Home Assistant uses)");
	const topics = await forget(values.broker, values.set);
	process.stdout.write(`${JSON.stringify({ event: "forgotten", topics: topics.length })}\n`);
	process.exit(0);
}

const view = createView(process.stdout.isTTY === true);
// --gateway alone means MQTT-SN.
const plan = startPlan({ ...values, protocol: values.protocol ?? (values.gateway ? "mqttsn" : "mqtt") }, manifestConfig());
const { overrides } = plan;
if (plan.protocol === "coap") await runCoapDemo({ view, port: Number(values["coap-port"]), collector: values.collector, overrides, sleepy: plan.sleepy });
const lampTopic = String(overrides.find((o) => o.startsWith("lampTopic="))?.slice(10) || manifestConfig().lampTopic || "home/office/lamp");

let broker: EmbeddedBroker | undefined;
let brokerUrl = values.broker;
if (!brokerUrl) {
	broker = await startEmbeddedBroker(Number(values.port));
	brokerUrl = broker.url;
}
const { hostname, port } = new URL(brokerUrl);
const brokerPort = port || (brokerUrl.startsWith("mqtts:") ? "8883" : "1883");

const onEvent = (event: FirmwareEvent, line: string) => view.event(event, line);
const mqttsn: MqttSnTransport | undefined =
	plan.protocol === "mqttsn" ? await startMqttSnTransport(brokerUrl, values.gateway, onEvent, plan.predefinedTopics) : undefined;

view.ready({
	broker: brokerUrl,
	gateway: mqttsn?.gateway,
	embedded: broker !== undefined,
	commands: {
		// QoS 1: a sleeping node's broker keeps no QoS 0 message for it.
		switch: `mosquitto_pub -h ${hostname} -p ${brokerPort} -q 1 -t ${lampTopic} -m on`,
		toggle: `npx mqtt pub -h ${hostname} -p ${brokerPort} -q 1 -t ${lampTopic} -m toggle`,
		watch: `mosquitto_sub -h ${hostname} -p ${brokerPort} -t '${lampTopic}/#' -v`,
	},
});

const transport = mqttsn ? mqttsn.firmwareArgs : ["--broker", brokerUrl];
// powerOn=restore always-on: the host board's retained memory is a file that outlives the process.
const restore = !plan.sleepy && overrides.includes("powerOn=restore");
const retainedFile = restore ? ["--retained", join(tmpdir(), `lampnode-${lampTopic.split("/").join("_")}.retained`)] : [];
const firmwareArgs = [...transport, ...overrides.flatMap((o) => ["--set", o]), ...(values.dht22 ? ["--dht22", values.dht22] : []), ...retainedFile];
const firmware = plan.sleepy ? runSleepyDevice(firmwareArgs, onEvent) : startFirmware(firmwareArgs, onEvent);

let stopping = false;
const shutdown = async () => {
	if (stopping) return;
	stopping = true;
	await firmware.stop();
	await mqttsn?.close();
	await broker?.close();
	process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);

const code = await firmware.exited;
if (!stopping) {
	await mqttsn?.close();
	await broker?.close();
	process.exit(code ?? 1);
}
