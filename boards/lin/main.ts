/**
 * Firmware entry for Moddable's desktop simulator (`mcconfig -m -p lin`): the real XS
 * runtime, module loader and sockets, with simulated pins since the simulator has no
 * embedded:io/digital. Events print as JSON lines through trace().
 */
import config from "mc/config";
import { ModdableBoard } from "moddable/board";
import { SimulatedPins } from "simulated/pins";
import { reportStartupError, startFirmware } from "app/firmware";

const board = new ModdableBoard("lin", new SimulatedPins());
try {
	startFirmware(board, config, { wifi: false });
} catch (error) {
	reportStartupError(board, error);
}
