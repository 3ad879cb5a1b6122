/**
 * The health facts a Moddable target knows (app/health.ts reports them): free system
 * memory from the SDK's instrumentation, which only a build with instrumentation (a debug
 * build, `-d`) keeps, and the RSSI of the access point joined, from the SDK's net module
 * (ESP32, ESP8266). A fact the build or the chip does not have is left out.
 */
import Instrumentation from "instrumentation";
import Net from "net";
import type { BoardHealth } from "../../src/common/board";

/** Index of "System Free Memory"; undefined in a build without instrumentation. */
const FREE_MEMORY = Instrumentation.map("System Free Memory");

export function boardHealth(joined: boolean): BoardHealth {
	const heap = FREE_MEMORY === undefined ? undefined : Instrumentation.get(FREE_MEMORY);
	// Asked only once joined: before, the chip has no access point to measure.
	const rssi: unknown = joined ? Net.get("RSSI") : undefined;
	return { freeHeap: typeof heap === "number" ? heap : undefined, rssi: typeof rssi === "number" && rssi < 0 ? rssi : undefined };
}
