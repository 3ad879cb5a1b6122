/**
 * The uplinks of an image with plain CoAP only (manifest_coap.json maps this file as
 * app/uplinks/table): the ESP8266's CoAP image without DTLS, which manifest_coaps.json adds.
 * A coaps:// `collector` or a `coapPsk` is a ConfigError at start (uplink.ts checkIncluded),
 * and so is a config naming another protocol.
 */
import { coapUplink } from "../adapters/coap";
import type { UplinkTable } from "../uplink";

export const UPLINKS: UplinkTable = {
	// Without DTLS: four arguments only, so nothing (the always-on `retained`) lands in its place.
	coap: (board, config, events, wake) => coapUplink(board, config, events, wake),
};
