/**
 * The health facts a Moddable target knows (app/health.ts reports them): free system
 * memory from the SDK's instrumentation, which only a build with instrumentation (a debug
 * build, `-d`) keeps, and the RSSI of the access point joined, from the SDK's net module
 * (ESP32, ESP8266). A fact the build or the chip does not have is left out.
 */
import Instrumentation from "instrumentation";
import Net from "net";
import type { BoardHealth } from "../../src/common/board";

export function boardHealth(joined: boolean): BoardHealth {
	// Looked up here, not when the module loads: a preloaded module runs at link time, when native functions are not there.
	const free = Instrumentation.map("System Free Memory");
	const heap = free === undefined ? undefined : Instrumentation.get(free);
	// Asked only once joined: before, the chip has no access point to measure.
	const rssi: unknown = joined ? Net.get("RSSI") : undefined;
	return { freeHeap: typeof heap === "number" ? heap : undefined, rssi: typeof rssi === "number" && rssi < 0 ? rssi : undefined };
}
