/**
 * ESP8266 firmware entry (the manifest's "main" on platform esp). Wi-Fi is already up:
 * manifest_net's setup/network joined `config.ssid` before this module runs.
 */
import config from "mc/config";
import { ModdableBoard } from "moddable/board";
import { digitalInput, digitalOutput } from "moddable/digital";
import { nativePower } from "moddable/power";
import { captureDht22 } from "moddable/native/dht22-capture";
import NativePower from "moddable/native/power";
import { reportStartupError, startFirmware } from "app/firmware";

// setup/network joins Wi-Fi before main (manifest_net): a leg of a chained sleep must boot
// with the radio on, or it would wait there for Wi-Fi forever. Once sleepy mode joins on
// its own, after its leg check, this can be true.
const power = nativePower(NativePower, { radioOffLegs: false });

const board = new ModdableBoard("esp8266", { digitalOutput, digitalInput }, { captureDht22, power });
try {
	startFirmware(board, config, { wifi: true });
} catch (error) {
	reportStartupError(board, error);
}
