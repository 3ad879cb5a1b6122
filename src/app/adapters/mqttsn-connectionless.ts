/**
 * The device's uplink with MQTT-SN QoS -1, "publish without connection" (6.8): each
 * message leaves as one datagram to the configured gateway, unacknowledged, and a sleepy
 * device sleeps at once. No CONNECT, no round trip, and so no commands either: this is
 * for a sensor that only reports (config: sleepy mode only). Topics need a fixed id
 * (predefined at the gateway, or a two-character short name); a publish to any other
 * topic is skipped with a warning.
 */
import type { Board } from "../../common/board";
import { MqttSnClient } from "../../mqttsn/client";
import { TopicRegistry } from "../../mqttsn/topic-registry";
import type { MqttSnFirmwareConfig } from "../config";
import type { Uplink, UplinkEvents } from "../uplink";
import { clientOptions } from "./mqttsn";

export function mqttSnConnectionlessUplink(board: Board, config: MqttSnFirmwareConfig, events: UplinkEvents): Uplink {
	const { mqttsn, lamp: settings } = config;
	// The rule the session applies to QoS -1 (a predefined id, else a short name), asked up front.
	const fixed = new TopicRegistry(mqttsn.predefinedTopics);
	const waiting: (() => void)[] = [];
	let ready = false;
	const client = new MqttSnClient(board, {
		...clientOptions(config, board),
		connectionless: true,
		onReadyConnectionless() {
			ready = true;
			const gateway = mqttsn.gateway;
			board.log("gateway", { gateway: gateway ? "udp://" + gateway.host + ":" + gateway.port : "none", qos: -1 });
			// "Online" as far as the device goes: the network is there.
			events.online();
			const sends = waiting.splice(0);
			for (let i = 0; i < sends.length; i++) sends[i]();
		},
	});
	const publish = (topic: string, payload: string, retain: boolean): Promise<void> => {
		if (!fixed.fixedId(topic)) {
			board.log("warning", { message: 'QoS -1 cannot publish to "' + topic + '": it has no predefined id' });
			return Promise.resolve();
		}
		return new Promise<void>((resolve, reject) => {
			const send = () => client.publish(topic, payload, { qos: -1, retain }).then(resolve, reject);
			if (ready) send();
			else waiting.push(send);
		});
	};
	const stop = () => client.stop();
	return {
		start: () => client.start(),
		// Nothing to say "offline" over: there is no session.
		connected: false,
		publishState: (on) => publish(settings.stateTopic, on ? "on" : "off", true),
		publishStatus: (status) => publish(settings.statusTopic, status, true),
		publishReading: (json) => publish(config.device.telemetryTopic, json, false),
		stop,
		collectCommands: () => Promise.resolve(),
		get idle() {
			return waiting.length === 0;
		},
		sleep: async () => stop(),
		abort: stop,
		exportState: () => new Uint8Array(0),
		reconnectAttempt: 0,
	};
}
