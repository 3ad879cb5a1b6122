/**
 * A sleepy wake over MQTT-SN, with the specification's sleeping-client procedure (6.14).
 * The device sleeps with DISCONNECT(duration): the gateway keeps its session, topic ids
 * and subscriptions, and buffers messages for it. On the next wake, restored asleep
 * from retained memory, it collects those with PINGREQ(client id) until PINGRESP, then
 * CONNECTs (active again, nothing registered or subscribed anew) to publish its
 * reading, and sleeps again.
 */
import type { Board } from "../common/board";
import { MqttSnClient } from "../mqttsn/client";
import { decodeSessionState, type SessionState } from "../mqttsn/state";
import type { MqttSnFirmwareConfig } from "./config";
import { clientOptions } from "./mqttsn-lamp";
import type { SessionFactory, SleepySession } from "./sleepy";

export function mqttSnSleepySession(board: Board, config: MqttSnFirmwareConfig): SessionFactory {
	return ({ state: stateBytes, reconnectAttempt, handlers, report }): SleepySession => {
		const { mqttsn, lamp: settings } = config;
		let state: SessionState | undefined;
		try {
			state = stateBytes && stateBytes.length > 0 ? decodeSessionState(stateBytes) : undefined;
		} catch (error) {
			report(error as Error);
		}
		const asleep = state?.asleep === true && state.gateway !== undefined;
		let collected: () => void = () => undefined;
		const commands = new Promise<void>((resolve) => (collected = resolve));

		const client: MqttSnClient = new MqttSnClient(board, {
			...clientOptions(config, board),
			cleanSession: false,
			reconnectAttempt,
			state,
			onReadyAsleep() {
				client.checkMessages().then(() => {
					board.log("commands-collected", { gateway: "asleep session" });
					collected();
					client.wake();
				}, report);
			},
			onConnect() {
				board.log("connected", { clientId: client.session.clientId, resumed: asleep });
				// A session that was not asleep has nothing buffered for us.
				if (!asleep) collected();
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
			exportState: () => client.exportState(),
			get reconnectAttempt() {
				return client.reconnectAttempt;
			},
		};
	};
}

/**
 * The sleep duration told to the gateway: it counts the client lost (and publishes its
 * will) once that passes without a PINGREQ, so it must cover the sleep plus booting and
 * joining the network, with room for a slow RTC clock. The field has 16 bits (6.14).
 */
export function sleepDuration(seconds: number): number {
	return Math.min(0xffff, Math.ceil(seconds * 1.25) + 30);
}
