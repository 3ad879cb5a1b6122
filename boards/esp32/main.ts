/**
 * ESP32 firmware entry (the manifest's "main" on platform esp32). The firmware joins
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
import { reportStartupError, startFirmware } from "app/firmware";

// The ESP32's deep sleep has no radio option: Wi-Fi starts only when asked.
const power = nativePower(NativePower, { radioOffLegs: false });
const network = new WifiNetwork({ ssid: String(config.ssid ?? ""), password: String(config.password ?? ""), sntp: String(config.sntp ?? "") });
const board = new ModdableBoard("esp32", { digitalOutput, digitalInput }, { captureDht22, power, network, crypto: moddableCrypto });
try {
	startFirmware(board, config, { wifi: true });
} catch (error) {
	reportStartupError(board, error);
}
