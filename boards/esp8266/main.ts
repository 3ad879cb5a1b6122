/**
 * ESP8266 firmware entry (the manifest's "main" on platform esp). The firmware joins
 * Wi-Fi itself (moddable/network, app/network-join): bounded in sleepy mode, retried always-on.
 */
import config from "mc/config";
import { ModdableBoard } from "moddable/board";
import { moddableCrypto } from "moddable/crypto";
import { digitalInput, digitalOutput } from "moddable/digital";
import { nativePower } from "moddable/power";
import { captureDht22 } from "moddable/native/dht22-capture";
import NativePower from "moddable/native/power";
import { WifiNetwork } from "moddable/network";
import { tlsAvailable } from "moddable/tls-link";
import { websocketAvailable } from "moddable/ws-link";
import { reportStartupError, startFirmware } from "app/firmware";

// A leg of a chained sleep boots with the radio off (system_deep_sleep_set_option 4): the
// firmware joins Wi-Fi itself, and only after the leg check (app/sleepy.ts), so a leg never
// needs it; the last leg turns the radio back on for the real wake.
const power = nativePower(NativePower, { radioOffLegs: true });
const network = new WifiNetwork({ ssid: String(config.ssid ?? ""), password: String(config.password ?? ""), sntp: String(config.sntp ?? "") });
const board = new ModdableBoard("esp8266", { digitalOutput, digitalInput }, { captureDht22, power, network, crypto: moddableCrypto });
try {
	// The default ESP8266 image has no TLS (no-tls.ts; manifest_tls.json builds one with it),
	// no WebSocket client (moddable/no-websocket) and no DTLS, so no crypto (no-crypto.ts;
	// manifest_coaps.json builds one with both).
	startFirmware(board, config, { wifi: true, tls: tlsAvailable, websocket: websocketAvailable });
} catch (error) {
	reportStartupError(board, error);
}
