/**
 * ESP32 firmware entry (the manifest's "main" on platform esp32). The firmware joins
 * Wi-Fi itself (moddable/chip, app/network-join): bounded in sleepy mode, retried always-on.
 */
import config from "mc/config";
import { chipBoard } from "moddable/chip";
import { moddableCrypto } from "moddable/crypto";
import * as firmware from "app/firmware";

// The ESP32's deep sleep has no radio option: Wi-Fi starts only when asked.
const board = chipBoard("esp32", config, false, moddableCrypto);
try {
	firmware.startFirmware(board, config, { wifi: true });
} catch (error) {
	firmware.reportStartupError(board, error);
}
