/**
 * The device's uplink over MQTT-SN: the same topics and behaviour as over MQTT, through a
 * gateway that is configured or found with SEARCHGW. Topic names are registered with the
 * gateway on first use; "offline" is the will, given in the WILLTOPIC/WILLMSG exchange.
 *
 * In a sleepy wake it follows the specification's sleeping-client procedure (6.14): the
 * device sleeps with DISCONNECT(duration), and the gateway keeps its session, topic ids
 * and subscriptions, and buffers messages for it. On the next wake, restored asleep from
 * retained memory, it collects those with PINGREQ(client id) until PINGRESP, then
 * CONNECTs (active again, nothing registered or subscribed anew) to publish its reading,
 * and sleeps again. A gateway that does not answer the PINGREQ (it restarted, or it knows
 * clients by address and this one is new) gets a CONNECT with clean session false within
 * the same wake; the defaults that keep that rare are in sleepy-mqttsn-timing.ts.
 */
import type { Board } from "../../common/board";
import { ProtocolError } from "../../common/errors";
import { boardRandom } from "../../common/random";
import { encodeUtf8 } from "../../common/utf8";
import { MqttSnClient, type MqttSnClientOptions } from "../../mqttsn/client";
import { decodeSessionState, type SessionState } from "../../mqttsn/state";
import type { MqttSnFirmwareConfig } from "../config";
import { healthTopic } from "../health";
import { sleepyVocabulary } from "../retained-vocabulary";
import { sleepDuration, WAKE_PINGREQ_RETRIES } from "../sleepy-mqttsn-timing";
import { keepSubscribed } from "../subscription";
import { printable, type Uplink, type UplinkEvents, type WakeContext } from "../uplink";

export function mqttSnUplink(board: Board, config: MqttSnFirmwareConfig, events: UplinkEvents, wake?: WakeContext): Uplink {
	const { mqttsn, lamp: settings } = config;
	// Retained compactly: configured topics by index, the firmware's own payloads in binary.
	// The health topic too: a sleepy wake registers it, and its id is kept by index.
	const vocabulary = sleepyVocabulary(config, [healthTopic(settings.topic)]);
	let state: SessionState | undefined;
	try {
		state = wake?.state && wake.state.length > 0 ? decodeSessionState(wake.state, vocabulary) : undefined;
	} catch (error) {
		events.report(error as Error);
	}
	const asleep = state?.asleep === true && state.gateway !== undefined;
	let gateway = mqttsn.gateway ? "udp://" + mqttsn.gateway.host + ":" + mqttsn.gateway.port : "searching";
	let collected: () => void = () => undefined;
	const commands = new Promise<void>((resolve) => (collected = resolve));

	const client: MqttSnClient = new MqttSnClient(board, {
		...clientOptions(config, board),
		...(wake ? { cleanSession: false, awakeRetries: WAKE_PINGREQ_RETRIES, reconnectAttempt: wake.reconnectAttempt, state } : {}),
		onGateway(found) {
			gateway = "udp://" + found.address + ":" + found.port;
			board.log("gateway", { gateway, gwId: found.gwId });
		},
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
			board.log("connected", wake ? { clientId: client.clientId, resumed: asleep } : { gateway, clientId: client.clientId });
			// Connected, the commands are collected: after PINGRESP, what the gateway buffered
			// has arrived; after a CONNECT that replaced an unanswered PINGREQ, what the broker
			// still queues follows while the wake waits for its acknowledgements, or is
			// buffered for the next wake once the device sleeps (DISCONNECT with a duration).
			collected();
			events.online();
		},
		onMessage({ topic, payload }) {
			board.log("message", { topic, payload: printable(payload) });
			if (topic === settings.topic) events.command(payload);
		},
		onDisconnect(error) {
			if (error) events.report(error);
			if (!wake) board.log("disconnected", { gateway });
		},
	});
	// The gateway keeps subscriptions of a sleeping session: subscribe on the first wake only,
	// at QoS 1 at least (a broker queues no QoS 0 message for the gateway's session of a sleeper).
	const subscribed = state?.subscriptions.some((s) => s.topic === settings.topic) === true;
	const retry = { base: mqttsn.reconnectBase, cap: mqttsn.reconnectCap, random: boardRandom(board) };
	const unsubscribe = subscribed ? () => undefined : keepSubscribed(board, settings.topic, () => client.subscribe(settings.topic, wake ? mqttsn.qos || 1 : mqttsn.qos), retry, events.report);
	const stop = () => {
		unsubscribe();
		client.stop();
	};

	return {
		start: () => client.start(),
		get connected() {
			return client.status === "active";
		},
		publishState: (on) => client.publish(settings.stateTopic, on ? "on" : "off", { qos: mqttsn.qos, retain: true }),
		publishStatus: (status) => client.publish(settings.statusTopic, status, { qos: 1, retain: true }),
		publishReading: (json) => client.publish(config.device.telemetryTopic, json, { qos: mqttsn.qos }),
		publishRetained: (topic, payload) => client.publish(topic, payload, { qos: 0, retain: true }),
		stop,
		collectCommands: () => commands,
		get idle() {
			return client.idle;
		},
		async sleep(seconds) {
			unsubscribe();
			await client.sleep(sleepDuration(seconds));
		},
		abort: stop,
		exportState: () => client.exportState(vocabulary),
		get reconnectAttempt() {
			return client.reconnectAttempt;
		},
	};
}

/** The client's options from the config: gateway or search, the lamp's will ("offline"), timers, backoff; the board's randomness. */
export function clientOptions(config: MqttSnFirmwareConfig, board: Board): MqttSnClientOptions {
	const { mqttsn, lamp: settings } = config;
	return {
		// A generated client id, the search delay and the reconnect jitter: distinct per device and per boot.
		random: boardRandom(board),
		gateway: mqttsn.gateway,
		searchGw: mqttsn.searchGw,
		localPort: mqttsn.localPort,
		clientId: mqttsn.clientId,
		cleanSession: mqttsn.cleanSession,
		keepAlive: mqttsn.keepAlive,
		will: { topic: settings.statusTopic, payload: encodeUtf8("offline"), qos: 1, retain: true },
		predefinedTopics: mqttsn.predefinedTopics,
		tRetry: mqttsn.tRetry,
		nRetry: mqttsn.nRetry,
		tWait: mqttsn.tWait,
		maxPacketSize: mqttsn.maxPacketSize,
		reconnectBase: mqttsn.reconnectBase,
		reconnectCap: mqttsn.reconnectCap,
	};
}
