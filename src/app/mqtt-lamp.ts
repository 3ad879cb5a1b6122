/** The lamp (lamp-app.ts) over MQTT 3.1.1: "offline" as the will, commands by subscription. */
import type { Board } from "../common/board";
import { boardRandom } from "../common/random";
import { encodeUtf8 } from "../common/utf8";
import type { Lamp } from "../drivers/lamp";
import { MqttClient, type MqttClientOptions } from "../mqtt/client";
import type { MqttFirmwareConfig } from "./config";
import { LampApp, type RunningApp } from "./lamp-app";
import type { RunningLamp } from "./device";

export type { RunningApp };

export function startMqttLamp(board: Board, config: MqttFirmwareConfig, lamp: Lamp): RunningLamp {
	const { mqtt, lamp: settings } = config;
	const broker = `${mqtt.broker.tls ? "mqtts" : "mqtt"}://${mqtt.broker.host}:${mqtt.broker.port}`;
	const app = new LampApp(board, lamp, settings, mqtt.qos, (topic, payload, qos, retain) => client.publish(topic, payload, { qos, retain }));

	const client: MqttClient = new MqttClient(board, {
		...clientOptions(config, board),
		onConnect(sessionPresent) {
			board.log("connected", { broker, clientId: client.session.clientId, sessionPresent });
			app.online();
		},
		onMessage(message) {
			app.message(message.topic, message.payload);
		},
		onDisconnect(error) {
			if (error) app.reportError(error);
			board.log("disconnected", { broker });
		},
	});
	client.subscribe([{ topic: settings.topic, qos: mqtt.qos }]).catch(app.reportError);
	client.start();

	return {
		stop: () => app.stop(client.status === "online", () => client.stop()),
		app,
		sendReading: (json) => client.publish(config.device.telemetryTopic, json, { qos: mqtt.qos }),
	};
}

/** The client's options from the config: the lamp's will ("offline"), credentials, limits, backoff; the board's randomness. */
export function clientOptions(config: MqttFirmwareConfig, board: Board): MqttClientOptions {
	const { mqtt, lamp: settings } = config;
	return {
		// A generated client id and the reconnect jitter: distinct per device and per boot.
		random: boardRandom(board),
		broker: mqtt.broker,
		clientId: mqtt.clientId,
		cleanSession: mqtt.cleanSession,
		keepAlive: mqtt.keepAlive,
		username: mqtt.username,
		password: mqtt.password === undefined ? undefined : encodeUtf8(mqtt.password),
		will: { topic: settings.statusTopic, payload: encodeUtf8("offline"), qos: 1, retain: true },
		maxPacketSize: mqtt.maxPacketSize,
		inflightWindow: mqtt.inflightWindow,
		reconnectBase: mqtt.reconnectBase,
		reconnectCap: mqtt.reconnectCap,
	};
}
