/**
 * `npm run bench`: how fast, small and frugal the firmware's protocol work is, side by
 * side with what a user would otherwise pick, in one run. Prints a table and writes
 * bench/results.json. `--smoke` runs every benchmark briefly (for the test suite).
 */
import { EventEmitter } from "node:events";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import type { BenchOptions, Row } from "./measure";
import { mqttCodecRows } from "./mqtt-codec";
import { coapCodecRows } from "./coap-codec";
import { mqttThroughputRows } from "./mqtt-throughput";
import { xsRows } from "./xs-meter";
import { xsCoapRows } from "./xs-coap";
import { xsDtlsRows } from "./xs-dtls";
import { xsMqttSnRows } from "./xs-mqttsn";
import { mqttCycleRows } from "./cycles";
import { mqttSnCycleRows } from "./cycles-mqttsn";
import { coapCycleRows } from "./cycles-coap";
import { coapThroughputRows } from "./coap-throughput";
import { wakeBytesRows } from "./wake-bytes";
import { imageRows } from "./xsb";

const { values } = parseArgs({ options: { smoke: { type: "boolean", default: false }, out: { type: "string" } } });
const options: BenchOptions = values.smoke ? { runs: 1, ms: 20, messages: 200 } : { runs: 7, ms: 400, messages: 20_000 };

// MQTT.js adds a drain listener per pending publish; thousands in flight are the point here.
EventEmitter.defaultMaxListeners = 0;
process.removeAllListeners("warning");
process.on("warning", (warning) => {
	if (warning.name !== "MaxListenersExceededWarning") process.stderr.write(`${warning.name}: ${warning.message}\n`);
});

const suites: [string, (options: BenchOptions) => Promise<Row[]>][] = [
	["MQTT codec", mqttCodecRows],
	["CoAP codec", coapCodecRows],
	["MQTT throughput (mosquitto)", mqttThroughputRows],
	["XS engine meter", xsRows],
	["XS engine meter, CoAP", xsCoapRows],
	["DTLS (coaps): wakes and the XS meter", xsDtlsRows],
	["XS engine meter, MQTT-SN", xsMqttSnRows],
	["Project bytecode per ESP8266 image", imageRows],
	["CoAP throughput (libcoap)", coapThroughputRows],
	["Wake cycles, MQTT (50 ms added RTT)", mqttCycleRows],
	["Wake cycles, MQTT-SN (50 ms added RTT)", mqttSnCycleRows],
	["Wake cycles, CoAP (50 ms added RTT)", coapCycleRows],
	["Sleepy wake bytes, MQTT 5 vs 3.1.1 (device board)", wakeBytesRows],
];

const rows: Row[] = [];
for (const [name, suite] of suites) {
	process.stderr.write(`bench: ${name}...\n`);
	rows.push(...(await suite(options)));
}

const format = (value: number | null) => (value === null || Number.isNaN(value) ? "-" : value >= 100 ? Math.round(value).toLocaleString("en-US") : value.toFixed(2));
const table = [
	["id", "unit", "ours", "baseline", "ratio", "target"],
	...rows.map((r) => [r.id, r.unit, format(r.ours), format(r.baseline), r.ratio !== null ? `${r.ratio.toFixed(2)}x` : r.baseline !== null ? "ours is 0" : "-", r.target ?? ""]),
];
const widths = table[0].map((_, c) => Math.max(...table.map((line) => line[c].length)));
for (const line of table) process.stdout.write(line.map((cell, c) => (c >= 2 && c <= 4 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join("  ") + "\n");
process.stdout.write(`\n${cpus()[0]?.model ?? "unknown CPU"} x${cpus().length}, Node ${process.version}${values.smoke ? ", smoke run" : ""}\n`);

const out = values.out ?? fileURLToPath(new URL("../../bench/results.json", import.meta.url));
mkdirSync(fileURLToPath(new URL(".", `file://${out}`)), { recursive: true });
writeFileSync(out, JSON.stringify(rows.filter((r) => !Number.isNaN(r.ours)).map(({ id, unit, ours, baseline, ratio }) => ({ id, unit, ours, baseline, ratio })), null, 2) + "\n");
