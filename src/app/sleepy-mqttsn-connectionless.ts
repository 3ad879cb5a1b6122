/**
 * A sleepy wake with MQTT-SN QoS -1, "publish without connection" (6.8): the reading
 * leaves as one datagram to the configured gateway, unacknowledged, and the device
 * sleeps at once. No CONNECT, no round trip, and so no commands either: this is for a
 * sensor that only reports. Topics need a fixed id (predefined at the gateway, or a
 * two-character short name); a publish to any other topic is skipped with a warning.
 */
import type { Board } from "../common/board";
import { MqttSnClient } from "../mqttsn/client";
import { TopicRegistry } from "../mqttsn/topic-registry";
import type { MqttSnFirmwareConfig } from "./config";
import type { Publish } from "./lamp-app";
import { clientOptions } from "./mqttsn-lamp";
import type { SessionFactory, SleepySession } from "./sleepy";

export function mqttSnConnectionlessSession(board: Board, config: MqttSnFirmwareConfig): SessionFactory {
	return ({ handlers }): SleepySession => {
		// The rule the session applies to QoS -1 (a predefined id, else a short name), asked up front.
		const fixed = new TopicRegistry(config.mqttsn.predefinedTopics);
		const waiting: (() => void)[] = [];
		let ready = false;
		const client = new MqttSnClient(board, {
			...clientOptions(config, board),
			connectionless: true,
			onReadyConnectionless() {
				ready = true;
				board.log("gateway", { gateway: `udp://${client.session.gateway?.address}:${client.session.gateway?.port}`, qos: -1 });
				// "Connected" as far as the wake cycle goes: the network is there.
				handlers.onConnect();
				for (const send of waiting.splice(0)) send();
			},
		});
		const publish: Publish = (topic, payload, _qos, retain) => {
			if (!fixed.fixedId(topic)) {
				board.log("warning", { message: `QoS -1 cannot publish to "${topic}": it has no predefined id` });
				return Promise.resolve();
			}
			return new Promise<void>((resolve, reject) => {
				const send = () => client.publish(topic, payload, { qos: -1, retain }).then(resolve, reject);
				if (ready) send();
				else waiting.push(send);
			});
		};
		return {
			start: () => client.start(),
			publish,
			collectCommands: () => Promise.resolve(),
			get idle() {
				return waiting.length === 0;
			},
			sleep: async () => client.stop(),
			abort: () => client.stop(),
			exportState: () => new Uint8Array(0),
			reconnectAttempt: 0,
		};
	};
}
