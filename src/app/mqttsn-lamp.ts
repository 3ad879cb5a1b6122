/**
 * The lamp (lamp-app.ts) over MQTT-SN: the same topics and behaviour as over MQTT, through
 * a gateway that is configured or found with SEARCHGW. Topic names are registered with
 * the gateway on first use; "offline" is the will, given in the WILLTOPIC/WILLMSG exchange.
 */
import type { Board } from "../common/board";
import { boardRandom } from "../common/random";
import { encodeUtf8 } from "../common/utf8";
import type { Lamp } from "../drivers/lamp";
import { MqttSnClient, type MqttSnClientOptions } from "../mqttsn/client";
import type { MqttSnFirmwareConfig } from "./config";
import { LampApp } from "./lamp-app";
import type { RunningLamp } from "./device";

export function startMqttSnLamp(board: Board, config: MqttSnFirmwareConfig, lamp: Lamp): RunningLamp {
	const { mqttsn, lamp: settings } = config;
	const gatewayName = () => {
		const known = client.session.gateway;
		return known ? `udp://${known.address}:${known.port}` : "searching";
	};
	const app = new LampApp(board, lamp, settings, mqttsn.qos, (topic, payload, qos, retain) => client.publish(topic, payload, { qos, retain }));

	const client: MqttSnClient = new MqttSnClient(board, {
		...clientOptions(config, board),
		onGateway(gateway) {
			board.log("gateway", { gateway: `udp://${gateway.address}:${gateway.port}`, gwId: gateway.gwId });
		},
		onConnect() {
			board.log("connected", { gateway: gatewayName(), clientId: client.session.clientId });
			app.online();
		},
		onMessage(message) {
			app.message(message.topic, message.payload);
		},
		onDisconnect(error) {
			if (error) app.reportError(error);
			board.log("disconnected", { gateway: gatewayName(), ...client.session.dropped });
		},
	});
	client.subscribe(settings.topic, mqttsn.qos).catch(app.reportError);
	client.start();

	return {
		stop: () => app.stop(client.status === "active", () => client.stop()),
		app,
		sendReading: (json) => client.publish(config.device.telemetryTopic, json, { qos: mqttsn.qos }),
	};
}

/** The client's options from the config: gateway or search, the lamp's will ("offline"), timers, backoff; the board's randomness. */
export function clientOptions(config: MqttSnFirmwareConfig, board: Board): MqttSnClientOptions {
	const { mqttsn, lamp: settings } = config;
	return {
		// A generated client id, the search delay and the reconnect jitter: distinct per device and per boot.
		random: boardRandom(board),
		gateway: mqttsn.gateway,
		search: mqttsn.search,
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
