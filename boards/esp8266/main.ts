/**
 * ESP8266 firmware entry (the manifest's "main" on platform esp). The firmware joins
 * Wi-Fi itself (moddable/chip, app/network-join): bounded in sleepy mode, retried always-on.
 */
import config from "mc/config";
import { chipBoard } from "moddable/chip";
import { moddableCrypto } from "moddable/crypto";
import { tlsAvailable } from "moddable/tls-link";
import { websocketAvailable } from "moddable/ws-link";
import * as firmware from "app/firmware";

// A leg of a chained sleep boots with the radio off (system_deep_sleep_set_option 4): the
// firmware joins Wi-Fi itself, and only after the leg check (app/sleepy.ts), so a leg never
// needs it; the last leg turns the radio back on for the real wake.
const board = chipBoard("esp8266", config, true, moddableCrypto);
try {
	// The default ESP8266 image has no TLS (no-tls.ts; manifest_tls.json builds one with it),
	// no WebSocket client (moddable/no-websocket) and no DTLS, so no crypto (no-crypto.ts;
	// manifest_coaps.json builds one with both).
	firmware.startFirmware(board, config, { wifi: true, tls: tlsAvailable, websocket: websocketAvailable });
} catch (error) {
	firmware.reportStartupError(board, error);
}
