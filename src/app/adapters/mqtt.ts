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
 * Always-on with cleanSession false keeps its session in retained memory too (the
 * retained session below), so a restart resumes it. With no usable saved state (first
 * boot, power cut, a record that fails its check) a persistent session, sleepy or
 * always-on, first connects clean and disconnects (the clean start below): the broker's
 * old session has packet ids this client no longer knows, and continuing it would reuse
 * them (MQTT-3.1.2-4/-6, MQTT-2.3.1-2). The client's own connection then starts an empty
 * session that persists, and the subscriptions are made anew.
 *
 * The retained session: an always-on MQTT session (cleanSession false) kept in retained
 * memory, so a reset or a watchdog restart resumes it as MQTT 4.4 asks: the same packet
 * ids go on, unacknowledged PUBLISHes are resent with DUP 1, PUBRELs are resent, incoming
 * QoS 2 ids awaiting PUBREL are still known. Without it the broker continues its session
 * (session present 1) while the client starts again at packet id 1 (finding 2 of issue 16).
 * It is written once the passes of one turn are done (the client's onServiced, then one
 * microtask), so a burst costs one write however many packets and reads it took, not one
 * per packet; a turn that changed nothing writes nothing. No reset comes between a pass
 * and its microtask, only a power cut, which loses the memory anyway.
 * A state over the record's room keeps what fits: queued messages go first (the broker
 * never saw their ids), then in-flight ones newest first, PUBREL-pending ones last (the
 * broker holds those messages until PUBREL). The next packet id is always kept, so a
 * dropped message's id is not reused soon. What is dropped is reported as one typed error.
 * A session started without saved state writes nothing until its client is online, after
 * its clean start: a reset before that must start clean again, since the broker may still
 * hold the stale session the retained ids would collide with.
 *
 * The clean start: a persistent session that starts empty, the same way for both versions
 * and both modes: one connection with a clean session first (3.1.1 CleanSession 1, 5.0
 * Clean Start 1 with Session Expiry 0), with no will and nothing else sent, DISCONNECT at
 * its CONNACK, and only then the client's own connection (CleanSession 0, or Clean Start 0
 * with its Session Expiry), which finds no session and persists from its first packet.
 * 3.1.1 has no shorter way: a clean session lasts exactly as long as its connection
 * (3.1.2-6), and a sleepy wake's session must outlive the wake's DISCONNECT. It costs one
 * connection, on a first boot or after a power cut only.
 */
import type { Board } from "../../common/board";
import { ProtocolError } from "../../common/errors";
import { boardRandom } from "../../common/random";
import * as utf8 from "../../common/utf8";
import { MqttClient, type MqttClientOptions } from "../../mqtt/client";
import type { Publish5 } from "../../mqtt/v5/packet";
import * as retainedState from "../../mqtt/state";
import type { MqttFirmwareConfig } from "../config";
import type { MqttConfig } from "../config-mqtt";
import { sleepyVocabulary } from "../retained-vocabulary";
import { keepSubscribed, printable, type RetainedSession, type Uplink, type UplinkEvents, type WakeContext } from "../uplink";

/**
 * The config keys `...mqtt` hands the client that it has no option for: qos only, the
 * app's own (tsc checks that the others have the options' types). A key added to the
 * config fails here until it is either an option of the same meaning or listed.
 */
export type MqttConfigOnly = Only<Exclude<keyof MqttConfig, keyof MqttClientOptions>, "qos">;
type Only<K extends L, L> = K;

/** `mqtt5`: the MQTT 5 session, from an image that includes it (protocols/table.ts). */
export function mqttUplink(board: Board, config: MqttFirmwareConfig, events: UplinkEvents, wake?: WakeContext, retained?: () => RetainedSession, mqtt5?: MqttClientOptions["mqtt5"]): Uplink {
	const { mqtt, lamp } = config;
	const { tls, websocket, host, port } = mqtt.broker;
	const broker = (websocket ? "ws" : "mqtt") + (tls ? "s" : "") + "://" + host + ":" + port + (websocket ? websocket.path : "");
	const report = events.report;
	// A generated client id, the reconnect and resubscribe jitter: distinct per device and per boot.
	const random = boardRandom(board);
	const v5 = mqtt.protocolVersion === 5;
	// The topic only this device subscribes to, where its wake markers come back.
	const marker = wake ? "lampnode/" + mqtt.clientId + "/wake" : void 0;
	// Retained compactly: configured topics by index, the firmware's own payloads in binary.
	const vocabulary = sleepyVocabulary(config, marker ? [marker] : []);
	// Always-on with a persistent session: kept in the board's retained memory, where it has one.
	const keeps = !wake && !mqtt.cleanSession;
	const memory = keeps && retained ? retained() : void 0;
	const saved = wake ? wake.state : memory && memory.state;
	let state: retainedState.SessionState | undefined;
	try {
		if (saved && saved.length > 0) state = retainedState.decodeSessionState(saved, vocabulary);
	} catch (error) {
		report(error as Error);
	}
	// A persistent session must start clean when nothing usable was saved (first boot, a
	// power cut, a record that failed its check), or the last wake kept its messages before
	// its clean start was done (nextPacketId 0, which is no packet id, 2.3.1). The broker may
	// then still hold the session of an earlier run, with packet ids this client no longer
	// knows: continuing it (MQTT-3.1.2-4) with ids from 1 again reuses ids the broker still
	// has in flight, and a strict broker drops a new QoS 2 message as a duplicate (MQTT-2.3.1-2).
	let resumed = state !== void 0 && state.nextPacketId !== 0;
	// Until the clean connection's CONNACK came, the broker may hold the old session.
	let unclean = (wake || keeps) && !resumed && mqtt.clientId !== "";
	/** The clean connection, while it runs. */
	let first: MqttClient | undefined;
	const nonce = String(wake ? wake.bootCount : 0);
	let markerBack: () => void = () => void 0;
	const markerArrived = new Promise<void>((resolve) => (markerBack = resolve));

	const asleep5 = wake && v5 ? sleepyWill5(config.device) : void 0;
	// MQTT 5 request/response (4.10): a query on <lampTopic>/get is answered on its Response
	// Topic with the lamp's state and its Correlation Data. Always-on only: asleep, the
	// retained state topic answers.
	const query = !wake && v5 ? lamp.topic + "/get" : void 0;
	const options: MqttClientOptions = {
		// The config's broker, version, client id, username, keep-alive, limits and backoff, by the client's names.
		...mqtt,
		random,
		cleanSession: !wake && mqtt.cleanSession,
		password: mqtt.password === void 0 ? void 0 : utf8.encodeUtf8(mqtt.password),
		// The lamp's will.
		will: { topic: lamp.statusTopic, payload: utf8.encodeUtf8("offline"), qos: 1, retain: true },
		reconnectAttempt: wake ? wake.reconnectAttempt : void 0,
		mqtt5,
	};
	/** The retained session: the bytes the memory holds now, the messages the last write left out, a write waiting for its microtask. */
	let kept = memory && memory.state;
	let droppedBefore = 0;
	let writing = false;
	const write = () => {
		writing = false;
		const room = (memory as RetainedSession).room;
		if (!resumed) {
			if (client.status !== "online") return;
			resumed = true;
		}
		// The state's bytes, with as many messages left out as it takes to fit the room.
		const state = client.exportState();
		let bytes = retainedState.encodeSessionState(state, vocabulary);
		let dropped = 0;
		if (bytes.length > room) {
			const queued = state.queued.slice();
			const inflight = state.inflight.slice();
			while (bytes.length > room && queued.length + inflight.length > 0) {
				if (queued.length > 0) queued.pop();
				else {
					let last = inflight.length - 1;
					while (last > 0 && inflight[last].released) last--;
					inflight.splice(inflight[last].released ? inflight.length - 1 : last, 1);
				}
				dropped++;
				bytes = retainedState.encodeSessionState({ ...state, inflight, queued }, vocabulary);
			}
		}
		if (dropped > 0 && dropped !== droppedBefore) report(new ProtocolError("RETAINED_TOO_LARGE", dropped + " MQTT messages not retained: session over " + room + " B"));
		droppedBefore = dropped;
		if (kept && kept.length === bytes.length) {
			let i = 0;
			while (i < bytes.length && kept[i] === bytes[i]) i++;
			if (i === bytes.length) return;
		}
		kept = bytes;
		(memory as RetainedSession).save(bytes);
	};
	const client: MqttClient = new MqttClient(board, {
		...options,
		state,
		onServiced: memory
			? () => {
					if (writing) return;
					writing = true;
					void Promise.resolve().then(write);
				}
			: void 0,
		...asleep5,
		onConnect(sessionPresent) {
			board.log("connected", { broker, clientId: client.clientId, sessionPresent });
			events.online();
		},
		onMessage(message) {
			const { topic, payload } = message;
			if (topic === query) {
				const properties = (message as Publish5).properties;
				// Without a Response Topic there is nowhere to answer (4.10.2).
				if (!properties || properties.responseTopic === void 0) return;
				const { responseTopic, correlationData } = properties;
				board.log("query", { responseTopic });
				try {
					client.publish(responseTopic, events.lampOn() ? "on" : "off", { qos: 0, properties: correlationData ? { correlationData } : void 0 }).catch(report);
				} catch (error) {
					// A Response Topic that is no topic name (a wildcard, say): the asker's mistake, reported.
					report(error as Error);
				}
				return;
			}
			if (topic === marker) {
				if (utf8.readUtf8(payload) === nonce) markerBack();
				return;
			}
			board.log("message", { topic, payload: printable(payload) });
			if (topic === lamp.topic) events.command(payload);
		},
		onDisconnect(error) {
			if (error) report(error);
			board.log("disconnected", { broker });
		},
	});
	// In a restored session these are active already: the session sends nothing for them.
	// Asleep, a QoS 0 subscription would lose every command: brokers queue only QoS 1 and 2 for
	// an offline session (mosquitto's queue_qos0_messages is false by default). So at least 1.
	// MQTT 5 No Local: nothing this client publishes to the lamp topic comes back as a command (3.1.1 ignores it).
	const command = { topic: lamp.topic, qos: marker ? mqtt.qos || 1 : mqtt.qos, noLocal: true };
	// Sleepy, the marker's topic; always-on over MQTT 5, the query topic (never both).
	const own = marker || query;
	const subscriptions = own ? [command, { topic: own, qos: marker ? 1 : mqtt.qos }] : [command];
	// MQTT 5: a reading is stale once the next is due, so the broker drops it for a subscriber away longer (Message Expiry).
	const reading = { qos: mqtt.qos, properties: v5 ? { messageExpiryInterval: Math.ceil((wake ? config.device.sleepInterval : config.device.readingInterval) / 1000) } : void 0 };
	const unsubscribe = keepSubscribed(board, lamp.topic, () => client.subscribe(subscriptions), { base: mqtt.reconnectBase, cap: mqtt.reconnectCap, random }, report);
	// Queued now, it leaves with CONNECT and comes back in the first round trip. A wake
	// that never connects retains it unacknowledged; the next wake resends it, and a
	// marker with an old nonce is ignored.
	if (marker) client.publish(marker, nonce, { qos: 1 }).catch(() => void 0);
	/** `reason`: DISCONNECT's reason code (MQTT 5), 0 without. */
	const stop = (reason?: number) => {
		// Stopped during the clean start (the wake ended): the client's own connection is not wanted either.
		first?.stop();
		first = void 0;
		unsubscribe();
		client.stop(reason);
	};

	return {
		start() {
			if (!unclean) return client.start();
			// Connects clean (no will, and no Session Expiry: `options` are the client's, before its state
			// and callbacks), and starts the client once the broker has discarded the old session.
			const clean: MqttClient = (first = new MqttClient(board, {
				...options,
				cleanSession: true,
				will: void 0,
				onConnect() {
					unclean = false;
					// Once this pass of the client is over: stopping inside its own callback would re-enter it.
					void Promise.resolve().then(() => {
						if (first !== clean) return;
						first = void 0;
						clean.stop();
						client.start();
					});
				},
				onDisconnect: (error) => {
					if (error) report(error);
				},
			}));
			clean.start();
		},
		get connected() {
			return client.status === "online";
		},
		publishState: (on) => client.publish(lamp.stateTopic, on ? "on" : "off", { qos: mqtt.qos, retain: true }),
		publishStatus: (status) => client.publish(lamp.statusTopic, status, { qos: 1, retain: true }),
		publishReading: (json) => client.publish(config.device.telemetryTopic, json, reading),
		publishRetained: (topic, payload) => client.publish(topic, payload, { qos: 0, retain: true }),
		// Called with no argument, as abort is: the reason is sleep's.
		stop,
		collectCommands: () => markerArrived,
		get idle() {
			return client.idle;
		},
		// MQTT 5: DISCONNECT 0x04 "with Will Message" leaves the will waiting its Will Delay
		// Interval; this node's next wake reconnects before it runs out, one that died asleep does not.
		sleep: async () => stop(asleep5 ? 0x04 : 0),
		abort: stop,
		// Until the clean start is done the broker may hold the old session: the next wake must start clean too.
		exportState: () => retainedState.encodeSessionState(unclean ? { ...client.exportState(), nextPacketId: 0 } : client.exportState(), vocabulary),
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
