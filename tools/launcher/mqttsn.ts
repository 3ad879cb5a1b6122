/**
 * `npm start -- --protocol mqttsn`: the firmware speaks MQTT-SN over UDP to the host
 * gateway, started here in-process towards the broker, or to an external one given with
 * `--gateway udp://host:port`. Returns the firmware's arguments and how to stop the gateway.
 */
import { MqttSnGateway } from "../mqttsn-gateway/gateway";
import type { FirmwareEvent } from "./firmware";

export interface MqttSnTransport {
	/** udp://host:port the firmware talks to. */
	readonly gateway: string;
	readonly embedded: boolean;
	readonly firmwareArgs: readonly string[];
	close(): Promise<void>;
}

/** `predefinedTopics`: what the embedded gateway predefines (MQTT-SN QoS -1, launcher/plan.ts). */
export async function startMqttSnTransport(
	brokerUrl: string,
	external: string | undefined,
	onEvent: (event: FirmwareEvent, line: string) => void,
	predefinedTopics?: Readonly<Record<string, number>>,
): Promise<MqttSnTransport> {
	let gateway: MqttSnGateway | undefined;
	let url = external;
	if (!url) {
		// Any free UDP port: the firmware is told where, so nothing is fixed or shared.
		gateway = await MqttSnGateway.start({
			broker: brokerUrl,
			predefinedTopics,
			log: (event, fields) => {
				const line = { event: `gateway-${event.replace(/^gateway-/, "")}`, ...fields };
				onEvent(line, JSON.stringify(line));
			},
		});
		url = `udp://127.0.0.1:${gateway.port}`;
	}
	return {
		gateway: url,
		embedded: gateway !== undefined,
		firmwareArgs: ["--set", `gateway=${url}`],
		close: async () => {
			await gateway?.close();
		},
	};
}
