/**
 * Firmware entry for Moddable's desktop simulator (`mcconfig -m -p lin`): the real XS
 * runtime, module loader and sockets, with simulated pins and DHT22 since the simulator
 * has no embedded:io/digital. Events print as JSON lines through trace().
 */
import config from "mc/config";
import Timer from "timer";
import { ModdableBoard } from "moddable/board";
import { moddableCrypto } from "moddable/crypto";
import { SimulatedPins } from "simulated/pins";
import { SimulatedDht22 } from "simulated/dht22";
import NativeRandom from "lin/native/random";
import { reportStartupError, startFirmware } from "app/firmware";
import type { Network } from "../../src/common/board";

const dht22 = new SimulatedDht22();
/** A real frame takes about 5 ms from the start signal. */
const captureDht22 = (_pin: number, done: Parameters<NonNullable<ModdableBoard["captureDht22"]>>[1]) => Timer.set(() => done(dht22.capture()), 5);
/** The simulator is online already: its join succeeds at once (a static address, if configured, is ignored), so the firmware's join path runs there too. */
const network: Network = { join: (_hint, done) => done({ joined: true }), cancel: () => undefined };
const pins = new SimulatedPins();
const board = new ModdableBoard("lin", {
	digitalOutput: (pin) => pins.digitalOutput(pin),
	digitalInput: (pin, options) => pins.digitalInput(pin, options),
	captureDht22,
	network,
	// The OS's random source: the simulator's Math.random repeats itself on every boot.
	fillRandom: (bytes) => NativeRandom.fill(bytes),
	crypto: moddableCrypto,
});
try {
	startFirmware(board, config, { wifi: false });
} catch (error) {
	reportStartupError(board, error);
}
