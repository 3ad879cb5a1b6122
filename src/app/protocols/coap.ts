/**
 * The protocols of an image with plain CoAP only (manifest_coap.json maps this file as
 * app/protocols/table): the ESP8266's CoAP image without DTLS, which manifest_coaps.json
 * adds. A coaps:// `collector` or a `coapPsk` is a ConfigError at start, and so is a config
 * naming another protocol.
 */
import { coapUplink } from "../adapters/coap";
import { parseCoapConfig } from "../config-coap";
import { noDtls, type ProtocolTable } from "../uplink";

export const PROTOCOLS: ProtocolTable = {
	coap: {
		section: (config, device) => {
			const coap = parseCoapConfig(config, device);
			// Refused here, once at start, not at every request (config-coap.ts: a coaps:// collector needs coapPsk, so psk is set for either).
			if (coap.psk) throw noDtls(coap.collectorSecure ? "collector" : "coapPsk");
			return coap;
		},
		// Without DTLS: four arguments only, so nothing (the always-on `retained`) lands in its place.
		uplink: (board, config, events, wake) => coapUplink(board, config, events, wake),
	},
};
