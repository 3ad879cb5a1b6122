/**
 * The lamp over MQTT: commands on the lamp topic switch the pin, every change is
 * published retained on the state topic, and availability is kept on the status topic
 * ("online" after connecting, "offline" as the will and on a clean stop).
 */
import type { Board } from "../common/board";
import { ProtocolError } from "../common/errors";
import { readUtf8, encodeUtf8 } from "../common/utf8";
import type { Lamp } from "../drivers/lamp";
import { MqttClient } from "../mqtt/client";
import type { PublishPacket } from "../mqtt/packet";
import type { MqttFirmwareConfig } from "./config";
import { parseLampCommand } from "./lamp-command";

export interface RunningApp {
	/** Publishes "offline", disconnects cleanly (the will is not sent) and stops. */
	stop(): Promise<void>;
}

/** How long a clean stop waits for the broker to acknowledge "offline". */
const OFFLINE_ACK_MS = 2000;

export function startMqttLamp(board: Board, config: MqttFirmwareConfig, lamp: Lamp): RunningApp {
	const { mqtt, lamp: settings } = config;
	const broker = `${mqtt.broker.tls ? "mqtts" : "mqtt"}://${mqtt.broker.host}:${mqtt.broker.port}`;

	const publishState = () => {
		client.publish(settings.stateTopic, lamp.on ? "on" : "off", { qos: mqtt.qos, retain: true }).catch(reportError);
	};
	const reportError = (error: Error) => {
		board.log("error", { code: error instanceof ProtocolError ? error.code : error.name, message: error.message });
	};

	const client: MqttClient = new MqttClient(board, {
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
		onConnect(sessionPresent) {
			board.log("connected", { broker, clientId: client.session.clientId, sessionPresent });
			client.publish(settings.statusTopic, "online", { qos: 1, retain: true }).catch(reportError);
			publishState();
		},
		onMessage(message: PublishPacket) {
			board.log("message", { topic: message.topic, payload: printable(message.payload) });
			if (message.topic !== settings.topic) return;
			const command = parseLampCommand(message.payload);
			if (command === undefined) {
				board.log("warning", { message: `ignored a payload on ${settings.topic} that is not on/off/1/0/true/false/toggle` });
				return;
			}
			const changed = command === "toggle" ? (lamp.toggle(), true) : lamp.set(command === "on");
			if (!changed) return;
			board.log("lamp", { state: lamp.on ? "on" : "off" });
			publishState();
		},
		onDisconnect(error) {
			if (error) reportError(error);
			board.log("disconnected", { broker });
		},
	});
	client.subscribe([{ topic: settings.topic, qos: mqtt.qos }]).catch(reportError);
	client.start();

	return {
		async stop() {
			if (client.status === "online") {
				const offline = client.publish(settings.statusTopic, "offline", { qos: 1, retain: true });
				await within(board, offline, OFFLINE_ACK_MS).catch(reportError);
			}
			client.stop();
		},
	};
}

/** Resolves or rejects with `promise`, or resolves after `ms` whatever happens. */
function within(board: Board, promise: Promise<void>, ms: number): Promise<void> {
	return new Promise((resolve, reject) => {
		const timer = board.setTimer(resolve, ms);
		promise.then(
			() => (board.clearTimer(timer), resolve()),
			(error: Error) => (board.clearTimer(timer), reject(error)),
		);
	});
}

/** A payload as text for the log: UTF-8 if it is, shortened; otherwise its size. */
function printable(payload: Uint8Array): string {
	try {
		const text = readUtf8(payload, 0, Math.min(payload.length, 80));
		return payload.length > 80 ? `${text}...` : text;
	} catch {
		return `<${payload.length} bytes>`;
	}
}
