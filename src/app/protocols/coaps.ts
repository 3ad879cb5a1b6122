/**
 * The protocols of an image with CoAP and DTLS only (manifest_coaps.json maps this file as
 * app/protocols/table): the ESP8266's coaps image, which leaves MQTT and MQTT-SN out to
 * make room for src/dtls and the SDK's crypt natives. A config naming another protocol is
 * a ConfigError naming `protocol`.
 */
import { coapUplink } from "../adapters/coap";
import { parseCoapConfig } from "../config-coap";
import { dtlsLayer } from "../../dtls/layer";
import type { ProtocolTable } from "../uplink";

export const PROTOCOLS: ProtocolTable = {
	coap: { section: parseCoapConfig, uplink: (board, config, events, wake) => coapUplink(board, config, events, wake, dtlsLayer) },
};
