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
 *
 * With QoS -1 (`connectionless`), "publish without connection" (6.8): each message
 * leaves as one datagram to the configured gateway, unacknowledged, and a sleepy device
 * sleeps at once. No CONNECT, no round trip, and so no commands either: this is for a
 * sensor that only reports (config: sleepy mode only). Topics need a fixed id (predefined
 * at the gateway, or a two-character short name); a publish to any other topic is
 * skipped with a warning.
 */
import type { Board } from "../../common/board";
import { ProtocolError } from "../../common/errors";
import { boardRandom } from "../../common/random";
import { encodeUtf8 } from "../../common/utf8";
import { MqttSnClient, type MqttSnClientOptions } from "../../mqttsn/client";
import { decodeSessionState, type SessionState } from "../../mqttsn/state";
import { TopicRegistry } from "../../mqttsn/topic-registry";
import type { MqttSnFirmwareConfig } from "../config";
import type { MqttSnConfig } from "../config-mqttsn";
import type { Vocabulary } from "../../power/vocabulary";
import { healthTopic } from "../home-assistant";
import { sleepyVocabulary } from "../retained-vocabulary";
import * as timing from "../sleepy-mqttsn-timing";
import { keepSubscribed, printable, type Uplink, type UplinkEvents, type WakeContext } from "../uplink";

/**
 * The config keys `...mqttsn` hands the client that it has no option for: qos only, the
 * app's own (tsc checks that the others have the options' types). A key added to the
 * config fails here until it is either an option of the same meaning or listed.
 */
export type MqttSnConfigOnly = Only<Exclude<keyof MqttSnConfig, keyof MqttSnClientOptions>, "qos">;
type Only<K extends L, L> = K;

/** Both modes, `config.mqttsn.connectionless` says which. */
export function mqttSnUplink(board: Board, config: MqttSnFirmwareConfig, events: UplinkEvents, wake?: WakeContext): Uplink {
	const { mqttsn, lamp } = config;
	const report = events.report;
	// A generated client id, the search delay, the reconnect and resubscribe jitter: distinct per device and per boot.
	const random = boardRandom(board);
	let gateway = mqttsn.gateway ? "udp://" + mqttsn.gateway.host + ":" + mqttsn.gateway.port : mqttsn.connectionless ? "none" : "searching";
	const options: MqttSnClientOptions = {
		// Gateway or search, the client id, keep-alive, predefined topics, timers and backoff, by the client's names.
		...mqttsn,
		random,
		// The lamp's will.
		will: { topic: lamp.statusTopic, payload: encodeUtf8("offline"), qos: 1, retain: true },
	};
	let client: MqttSnClient;
	let unsubscribe: () => void = () => void 0;
	let collected: () => void = () => void 0;
	const commands = new Promise<void>((resolve) => (collected = resolve));
	// QoS -1: the rule the session applies to it (a predefined id, else a short name), asked
	// up front, and the sends that wait for the endpoint.
	const fixed = mqttsn.connectionless ? new TopicRegistry(mqttsn.predefinedTopics) : void 0;
	const waiting: (() => void)[] = [];
	let ready = false;
	let vocabulary: Vocabulary | undefined;

	if (fixed) {
		// No commands come without a session.
		collected();
		client = new MqttSnClient(board, {
			...options,
			onReadyConnectionless() {
				ready = true;
				board.log("gateway", { gateway, qos: -1 });
				// "Online" as far as the device goes: the network is there.
				events.online();
				const sends = waiting.splice(0);
				for (let i = 0; i < sends.length; i++) sends[i]();
			},
		});
	} else {
		// Retained compactly: configured topics by index, the firmware's own payloads in binary.
		// The health topic too: a sleepy wake registers it, and its id is kept by index.
		vocabulary = sleepyVocabulary(config, [healthTopic(lamp.topic)]);
		let state: SessionState | undefined;
		try {
			if (wake && wake.state && wake.state.length > 0) state = decodeSessionState(wake.state, vocabulary);
		} catch (error) {
			report(error as Error);
		}
		const asleep = state !== void 0 && state.asleep === true && state.gateway !== void 0;
		client = new MqttSnClient(board, {
			...options,
			...(wake ? { cleanSession: false, awakeRetries: timing.WAKE_PINGREQ_RETRIES, reconnectAttempt: wake.reconnectAttempt, state } : {}),
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
				if (topic === lamp.topic) events.command(payload);
			},
			onDisconnect(error) {
				if (error) report(error);
				if (!wake) board.log("disconnected", { gateway });
			},
		});
		// The gateway keeps subscriptions of a sleeping session: subscribe on the first wake only,
		// at QoS 1 at least (a broker queues no QoS 0 message for the gateway's session of a sleeper).
		if (!(state && state.subscriptions.some((s) => s.topic === lamp.topic))) unsubscribe = keepSubscribed(board, lamp.topic, () => client.subscribe(lamp.topic, wake ? mqttsn.qos || 1 : mqttsn.qos), { base: mqttsn.reconnectBase, cap: mqttsn.reconnectCap, random }, report);
	}

	/** QoS -1 (`fixed`) sends once the endpoint is there, to topics with a fixed id only; a session publishes at `qos`. */
	const publish = (topic: string, payload: string, qos: 0 | 1 | 2, retain: boolean): Promise<void> => {
		if (!fixed) return client.publish(topic, payload, { qos, retain });
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
	const stop = () => {
		unsubscribe();
		client.stop();
	};

	return {
		start: () => client.start(),
		// QoS -1 has nothing to say "offline" over: there is no session.
		get connected() {
			return !fixed && client.status === "active";
		},
		publishState: (on) => publish(lamp.stateTopic, on ? "on" : "off", mqttsn.qos, true),
		publishStatus: (status) => publish(lamp.statusTopic, status, 1, true),
		publishReading: (json) => publish(config.device.telemetryTopic, json, mqttsn.qos, false),
		// QoS -1 has no retained topics of its own (no discovery, no health).
		publishRetained: fixed ? void 0 : (topic, payload) => client.publish(topic, payload, { qos: 0, retain: true }),
		stop,
		collectCommands: () => commands,
		get idle() {
			return fixed ? waiting.length === 0 : client.idle;
		},
		async sleep(seconds) {
			unsubscribe();
			// QoS -1 sleeps at once: nothing waits at a gateway.
			if (fixed) client.stop();
			else await client.sleep(timing.sleepDuration(seconds));
		},
		abort: stop,
		exportState: () => (vocabulary ? client.exportState(vocabulary) : new Uint8Array(0)),
		get reconnectAttempt() {
			return fixed ? 0 : client.reconnectAttempt;
		},
	};
}
