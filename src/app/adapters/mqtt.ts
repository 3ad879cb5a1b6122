/**
 * The device's uplink over MQTT (3.1.1, or 5.0 with `mqttVersion` 5): commands by subscription to the lamp topic, the
 * state and status retained on their topics, "offline" as the will, readings on the
 * telemetry topic.
 *
 * In a sleepy wake the session is persistent (cleanSession false) and restored from
 * retained memory, so subscriptions stay active on the broker and are not sent again,
 * unacknowledged messages are resent with their packet ids, and commands sent while the
 * device slept wait on the broker. To know those have all arrived, the device publishes a
 * QoS 1 marker to its own private topic: the broker delivers it after everything it had
 * queued (4.6: ordered delivery is not promised across topics, but brokers deliver a
 * session's queue on connect before the new publications it then routes), so the marker
 * coming back means the queue is empty.
 *
 * Always-on with cleanSession false keeps its session in retained memory too
 * (mqtt-retained.ts), so a restart resumes it. With no usable saved state (first boot,
 * power cut, a record that fails its check) a persistent session, sleepy or always-on,
 * first connects clean and disconnects (cleanStart in mqtt-retained.ts): the broker's old
 * session has packet ids this client no longer knows, and continuing it would reuse them
 * (MQTT-3.1.2-4/-6, MQTT-2.3.1-2). The client's own connection then starts an empty
 * session that persists, and the subscriptions are made anew.
 */
import type { Board } from "../../common/board";
import { boardRandom } from "../../common/random";
import { encodeUtf8, readUtf8 } from "../../common/utf8";
import { MqttClient, type MqttClientOptions } from "../../mqtt/client";
import type { SessionState } from "../../mqtt/session";
import type { Publish5 } from "../../mqtt/v5/packet";
import { decodeSessionState, encodeSessionState } from "../../mqtt/state";
import type { MqttFirmwareConfig } from "../config";
import { sleepyVocabulary } from "../retained-vocabulary";
import { keepSubscribed } from "../subscription";
import { printable, type RetainedSession, type Uplink, type UplinkEvents, type WakeContext } from "../uplink";
import { cleanStart, keepSession, notStarted, startsClean } from "./mqtt-retained";

/** The topic only this device subscribes to, where its wake markers come back. */
export function markerTopic(clientId: string): string {
	return "lampnode/" + clientId + "/wake";
}

/** `mqtt5`: the MQTT 5 session, from an image that includes it (uplinks/table.ts). */
export function mqttUplink(board: Board, config: MqttFirmwareConfig, events: UplinkEvents, wake?: WakeContext, retained?: () => RetainedSession, mqtt5?: MqttClientOptions["mqtt5"]): Uplink {
	const { mqtt, lamp: settings } = config;
	const { tls, websocket, host, port } = mqtt.broker;
	const broker = (websocket ? (tls ? "wss" : "ws") : tls ? "mqtts" : "mqtt") + "://" + host + ":" + port + (websocket ? websocket.path : "");
	const marker = wake ? markerTopic(mqtt.clientId) : undefined;
	// Retained compactly: configured topics by index, the firmware's own payloads in binary.
	const vocabulary = sleepyVocabulary(config, marker ? [marker] : []);
	// Always-on with a persistent session: kept in the board's retained memory, where it has one.
	const keeps = !wake && !mqtt.cleanSession;
	const memory = keeps ? retained?.() : undefined;
	const saved = wake ? wake.state : memory?.state;
	let state: SessionState | undefined;
	try {
		state = saved && saved.length > 0 ? decodeSessionState(saved, vocabulary) : undefined;
	} catch (error) {
		events.report(error as Error);
	}
	const nonce = String(wake?.bootCount ?? 0);
	let markerBack: () => void = () => undefined;
	const markerArrived = new Promise<void>((resolve) => (markerBack = resolve));

	const asleep5 = wake && mqtt.protocolVersion === 5 ? sleepyWill5(config.device) : undefined;
	// MQTT 5 request/response (4.10): a query on <lampTopic>/get is answered on its Response
	// Topic with the lamp's state and its Correlation Data. Always-on only: asleep, the
	// retained state topic answers.
	const query = !wake && mqtt.protocolVersion === 5 ? settings.topic + "/get" : undefined;
	const answer = ({ properties }: Publish5) => {
		// Without a Response Topic there is nowhere to answer (4.10.2).
		if (properties?.responseTopic === undefined) return;
		const { responseTopic, correlationData } = properties;
		board.log("query", { responseTopic });
		try {
			client.publish(responseTopic, events.lampOn() ? "on" : "off", { qos: 0, properties: correlationData ? { correlationData } : undefined }).catch(events.report);
		} catch (error) {
			// A Response Topic that is no topic name (a wildcard, say): the asker's mistake, reported.
			events.report(error as Error);
		}
	};
	const options = { ...clientOptions(config, board), ...(wake ? { cleanSession: false, reconnectAttempt: wake.reconnectAttempt } : {}), mqtt5 };
	const clean = (wake || keeps) && startsClean(state) && mqtt.clientId !== "" ? cleanStart(board, options, events.report) : undefined;
	const client: MqttClient = new MqttClient(board, {
		...options,
		state,
		onServiced: memory ? keepSession(() => client, memory, !startsClean(state), vocabulary, events.report) : undefined,
		...asleep5,
		onConnect(sessionPresent) {
			board.log("connected", { broker, clientId: client.clientId, sessionPresent });
			events.online();
		},
		onMessage(message) {
			const { topic, payload } = message;
			if (topic === query) return answer(message as Publish5);
			if (topic === marker) {
				if (readUtf8(payload) === nonce) markerBack();
				return;
			}
			board.log("message", { topic, payload: printable(payload) });
			if (topic === settings.topic) events.command(payload);
		},
		onDisconnect(error) {
			if (error) events.report(error);
			board.log("disconnected", { broker });
		},
	});
	// In a restored session these are active already: the session sends nothing for them.
	// Asleep, a QoS 0 subscription would lose every command: brokers queue only QoS 1 and 2 for
	// an offline session (mosquitto's queue_qos0_messages is false by default). So at least 1.
	// MQTT 5 No Local: nothing this client publishes to the lamp topic comes back as a command (3.1.1 ignores it).
	const lamp = { topic: settings.topic, qos: marker ? mqtt.qos || 1 : mqtt.qos, noLocal: true };
	const subscriptions = marker ? [lamp, { topic: marker, qos: 1 as const }] : query ? [lamp, { topic: query, qos: mqtt.qos }] : [lamp];
	// MQTT 5: a reading is stale once the next is due, so the broker drops it for a subscriber away longer (Message Expiry).
	const interval = wake ? config.device.sleepInterval : config.device.readingInterval;
	const reading = { qos: mqtt.qos, properties: mqtt.protocolVersion === 5 ? { messageExpiryInterval: Math.ceil(interval / 1000) } : undefined };
	const retry = { base: mqtt.reconnectBase, cap: mqtt.reconnectCap, random: boardRandom(board) };
	const unsubscribe = keepSubscribed(board, settings.topic, () => client.subscribe(subscriptions), retry, events.report);
	// Queued now, it leaves with CONNECT and comes back in the first round trip. A wake
	// that never connects retains it unacknowledged; the next wake resends it, and a
	// marker with an old nonce is ignored.
	if (marker) client.publish(marker, nonce, { qos: 1 }).catch(() => undefined);
	const stop = () => {
		clean?.stop();
		unsubscribe();
		client.stop();
	};

	return {
		start: () => (clean ? clean.run(() => client.start()) : client.start()),
		get connected() {
			return client.status === "online";
		},
		publishState: (on) => client.publish(settings.stateTopic, on ? "on" : "off", { qos: mqtt.qos, retain: true }),
		publishStatus: (status) => client.publish(settings.statusTopic, status, { qos: 1, retain: true }),
		publishReading: (json) => client.publish(config.device.telemetryTopic, json, reading),
		publishRetained: (topic, payload) => client.publish(topic, payload, { qos: 0, retain: true }),
		stop,
		collectCommands: () => markerArrived,
		get idle() {
			return client.idle;
		},
		// MQTT 5: DISCONNECT 0x04 "with Will Message" leaves the will waiting its Will Delay
		// Interval; this node's next wake reconnects before it runs out, one that died asleep does not.
		sleep: async () => {
			if (!asleep5) return stop();
			clean?.stop();
			unsubscribe();
			client.stop(0x04);
		},
		abort: stop,
		// Until the clean start is done the broker may hold the old session: the next wake must start clean too.
		exportState: () => encodeSessionState(clean && !clean.done ? notStarted(client.exportState()) : client.exportState(), vocabulary),
		get reconnectAttempt() {
			return client.reconnectAttempt;
		},
	};
}

/**
 * MQTT 5 in sleepy mode (3.1.3.2.2, 3.1.2.11.2): the will waits out one sleep, the wake
 * after it and its network deadline, plus a margin, so "asleep" is not taken for "dead";
 * the session outlives that, so the will comes from the delay, not from the session's end.
 * The margin grows with the sleep, as the deep-sleep timer's drift does (the ESP8266's RTC
 * clock is off by several percent): a tenth of the sleep and a second.
 */
export function sleepyWill5(device: { readonly sleepInterval: number; readonly maxAwake: number; readonly networkDeadline: number }): { readonly willDelay: number; readonly sessionExpiry: number } {
	const willDelay = Math.ceil((device.sleepInterval + device.sleepInterval / 10 + device.maxAwake + device.networkDeadline) / 1000) + 1;
	return { willDelay, sessionExpiry: 2 * willDelay };
}

/** The client's options from the config: the lamp's will ("offline"), credentials, limits, backoff; the board's randomness. */
function clientOptions(config: MqttFirmwareConfig, board: Board): MqttClientOptions {
	const { mqtt, lamp: settings } = config;
	return {
		// A generated client id and the reconnect jitter: distinct per device and per boot.
		random: boardRandom(board),
		broker: mqtt.broker,
		protocolVersion: mqtt.protocolVersion,
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
