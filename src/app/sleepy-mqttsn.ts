/**
 * A sleepy wake over MQTT-SN, with the specification's sleeping-client procedure (6.14).
 * The device sleeps with DISCONNECT(duration): the gateway keeps its session, topic ids
 * and subscriptions, and buffers messages for it. On the next wake, restored asleep
 * from retained memory, it collects those with PINGREQ(client id) until PINGRESP, then
 * CONNECTs (active again, nothing registered or subscribed anew) to publish its
 * reading, and sleeps again. A gateway that does not answer the PINGREQ (it restarted,
 * or it knows clients by address and this one is new) gets a CONNECT with clean
 * session false within the same wake; the defaults that keep that rare are in
 * sleepy-mqttsn-timing.ts.
 */
import type { Board } from "../common/board";
import { ProtocolError } from "../common/errors";
import { MqttSnClient } from "../mqttsn/client";
import { decodeSessionState, encodeSessionState, type SessionState } from "../mqttsn/state";
import type { MqttSnFirmwareConfig } from "./config";
import { clientOptions } from "./mqttsn-lamp";
import { sleepyVocabulary } from "./retained-vocabulary";
import type { SessionFactory, SleepySession } from "./sleepy";
import { sleepDuration, WAKE_PINGREQ_RETRIES } from "./sleepy-mqttsn-timing";

export { sleepDuration };

export function mqttSnSleepySession(board: Board, config: MqttSnFirmwareConfig): SessionFactory {
	return ({ state: stateBytes, reconnectAttempt, handlers, report }): SleepySession => {
		const { mqttsn, lamp: settings } = config;
		// Retained compactly: configured topics by index, the firmware's own payloads in binary.
		const vocabulary = sleepyVocabulary(config);
		let state: SessionState | undefined;
		try {
			state = stateBytes && stateBytes.length > 0 ? decodeSessionState(stateBytes, vocabulary) : undefined;
		} catch (error) {
			report(error as Error);
		}
		const asleep = state?.asleep === true && state.gateway !== undefined;
		let collected: () => void = () => undefined;
		const commands = new Promise<void>((resolve) => (collected = resolve));

		const client: MqttSnClient = new MqttSnClient(board, {
			...clientOptions(config, board),
			cleanSession: false,
			awakeRetries: WAKE_PINGREQ_RETRIES,
			reconnectAttempt,
			state,
			onReadyAsleep() {
				client.checkMessages().then(
					() => {
						board.log("commands-collected", { gateway: "asleep session" });
						collected();
						client.wake();
					},
					// Unanswered, the session CONNECTs again by itself; stopped, the wake is over.
					(error: Error) => {
						if (!(error instanceof ProtocolError && error.code === "CLOSED")) board.log("warning", { message: error.message });
					},
				);
			},
			onConnect() {
				board.log("connected", { clientId: client.session.clientId, resumed: asleep });
				// Connected, the commands are collected: after PINGRESP, what the gateway buffered
				// has arrived; after a CONNECT that replaced an unanswered PINGREQ, what the broker
				// still queues follows while the wake waits for its acknowledgements, or is
				// buffered for the next wake once the device sleeps (DISCONNECT with a duration).
				collected();
				handlers.onConnect();
			},
			onMessage(message) {
				handlers.onMessage(message.topic, message.payload);
			},
			onDisconnect(error) {
				if (error) report(error);
			},
		});
		// The gateway keeps subscriptions of a sleeping session: subscribe on the first wake only.
		if (!state?.subscriptions.some((s) => s.topic === settings.topic)) client.subscribe(settings.topic, mqttsn.qos).catch(report);

		return {
			start: () => client.start(),
			publish: (topic, payload, qos, retain) => client.publish(topic, payload, { qos, retain }),
			collectCommands: () => commands,
			get idle() {
				return client.session.idle;
			},
			async sleep(seconds) {
				await client.sleep(sleepDuration(seconds));
			},
			abort: () => client.stop(),
			exportState: () => encodeSessionState(client.session.exportState(), vocabulary),
			get reconnectAttempt() {
				return client.reconnectAttempt;
			},
		};
	};
}
