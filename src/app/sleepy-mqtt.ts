/**
 * A sleepy wake over MQTT 3.1.1 (sleepy.ts): a persistent session (cleanSession false)
 * restored from retained memory, so subscriptions stay active on the broker and are not
 * sent again, unacknowledged messages are resent with their packet ids, and commands
 * sent while the device slept wait on the broker. To know those have all arrived, the
 * device publishes a QoS 1 marker to its own private topic: the broker delivers it
 * after everything it had queued (4.6: ordered delivery per topic-subscription is not
 * promised across topics, but brokers deliver a session's queue on connect before the
 * new publications it then routes), so the marker coming back means the queue is empty.
 */
import type { Board } from "../common/board";
import { readUtf8 } from "../common/utf8";
import { MqttClient } from "../mqtt/client";
import { decodeSessionState, encodeSessionState } from "../mqtt/state";
import type { SessionState } from "../mqtt/session";
import type { MqttFirmwareConfig } from "./config";
import { clientOptions } from "./mqtt-lamp";
import { sleepyVocabulary } from "./retained-vocabulary";
import type { SessionFactory, SleepySession } from "./sleepy";

/** The topic only this device subscribes to, where its wake markers come back. */
export function markerTopic(clientId: string): string {
	return `lampnode/${clientId}/wake`;
}

export function mqttSleepySession(board: Board, config: MqttFirmwareConfig): SessionFactory {
	return ({ state: stateBytes, reconnectAttempt, bootCount, handlers, report }): SleepySession => {
		const { mqtt, lamp: settings } = config;
		const marker = markerTopic(mqtt.clientId);
		// Retained compactly: configured topics by index, the firmware's own payloads in binary.
		const vocabulary = sleepyVocabulary(config, [marker]);
		let state: SessionState | undefined;
		try {
			state = stateBytes && stateBytes.length > 0 ? decodeSessionState(stateBytes, vocabulary) : undefined;
		} catch (error) {
			report(error as Error);
		}
		const nonce = String(bootCount);
		let markerBack: () => void = () => undefined;
		const markerArrived = new Promise<void>((resolve) => (markerBack = resolve));

		const client: MqttClient = new MqttClient(board, {
			...clientOptions(config, board),
			cleanSession: false,
			reconnectAttempt,
			state,
			onConnect(sessionPresent) {
				board.log("connected", { clientId: mqtt.clientId, sessionPresent });
				handlers.onConnect();
			},
			onMessage(message) {
				if (message.topic !== marker) handlers.onMessage(message.topic, message.payload);
				else if (readUtf8(message.payload) === nonce) markerBack();
			},
			onDisconnect(error) {
				if (error) report(error);
			},
		});
		// Already active in a restored session: the session sends nothing for these.
		client.subscribe([
			{ topic: settings.topic, qos: mqtt.qos },
			{ topic: marker, qos: 1 },
		]).catch(report);
		// Queued now, it leaves with CONNECT and comes back in the first round trip. A wake
		// that never connects retains it unacknowledged; the next wake resends it, and a
		// marker with an old nonce is ignored.
		client.publish(marker, nonce, { qos: 1 }).catch(() => undefined);

		return {
			start: () => client.start(),
			publish: (topic, payload, qos, retain) => client.publish(topic, payload, { qos, retain }),
			collectCommands: () => markerArrived,
			get idle() {
				return client.session.idle;
			},
			async sleep() {
				client.stop();
			},
			abort: () => client.stop(),
			exportState: () => encodeSessionState(client.session.exportState(), vocabulary),
			get reconnectAttempt() {
				return client.reconnectAttempt;
			},
		};
	};
}
