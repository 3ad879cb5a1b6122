/**
 * The protocols of an image with MQTT 3.1.1 only, mapped as app/protocols/table by
 * manifest.json on the ESP8266 and by manifest_tls.json (the same with the SDK's TLS
 * stack, for mqtts://). The ESP8266's 1 MB code region is spent on one protocol per image,
 * as its config names it at build time anyway: MQTT-SN is manifest_mqttsn.json, CoAP
 * manifest_coaps.json. A config naming another protocol is a ConfigError naming `protocol`.
 */
import { ConfigError } from "../../common/errors";
import { mqttUplink } from "../adapters/mqtt";
import { parseMqttConfig } from "../config-mqtt";
import type { ProtocolTable } from "../uplink";

export const PROTOCOLS: ProtocolTable = {
	mqtt: {
		section: (config, device, image) => {
			const mqtt = parseMqttConfig(config, device, image);
			// Refused here, once at start: without mqtt/v5/session the client could not speak it.
			if (mqtt.protocolVersion === 5) throw new ConfigError("mqttVersion", "3.1.1, the only MQTT version this image includes");
			return mqtt;
		},
		uplink: mqttUplink,
	},
};
