/**
 * `npm run energy`: each protocol's sleepy wake on the host board against a real local
 * peer, metered at the firmware's sockets, and what it means for a battery.
 *
 *   npm run energy [-- --active 120 --sleep-ua 10 --capacity 2000 --intervals 1,5,15
 *                      --wakes 6 --wifi-ms 1500]
 *
 * Awake time is measured on loopback, where there is no radio: a device also spends the
 * time to join Wi-Fi and get an address on every wake, given here as --wifi-ms and added
 * before the battery life is worked out.
 */
import { parseArgs } from "node:util";
import type { RawConfig } from "../../src/app/config-reader";
import { startEmbeddedBroker } from "../launcher/broker";
import { Mosquitto } from "../../host-tests/peers/mosquitto";
import { findExecutable } from "../../host-tests/peers/require-peer";
import { batteryDays, type PowerProfile } from "./battery";
import { meterSteadyWakes, type Wake } from "./wake";

const { values } = parseArgs({
	options: {
		active: { type: "string", default: "120" },
		"sleep-ua": { type: "string", default: "10" },
		capacity: { type: "string", default: "2000" },
		intervals: { type: "string", default: "1,5,15" },
		wakes: { type: "string", default: "6" },
		"wifi-ms": { type: "string", default: "1500" },
	},
});
const profile: PowerProfile = { activeMa: Number(values.active), sleepUa: Number(values["sleep-ua"]), capacityMah: Number(values.capacity) };
const intervals = values.intervals.split(",").map(Number);
const wakes = Math.max(2, Number(values.wakes));
const wifiMs = Number(values["wifi-ms"]);

const sleepyMqtt = (url: string): RawConfig => ({ broker: url, mode: "sleepy", clientId: "energy-mqtt", sleepInterval: "60", buttonPin: "-1", qos: "1" });

const rows: string[][] = [];
const header = ["protocol", "peer", "awake ms", "bytes out/in", "segments out/in", "round trips", ...intervals.map((m) => `days @${m} min`)];
const addRow = (protocol: string, peer: string, wake: Wake) =>
	rows.push([
		protocol,
		peer,
		wake.awakeMs.toFixed(0),
		`${wake.bytesSent}/${wake.bytesReceived}`,
		`${wake.packetsSent}/${wake.packetsReceived}`,
		String(wake.roundTrips + wake.connects),
		...intervals.map((minutes) => batteryDays(profile, wake.awakeMs + wifiMs, minutes * 60_000).toFixed(0)),
	]);

if (findExecutable("mosquitto")) {
	const mosquitto = await Mosquitto.start();
	try {
		addRow("mqtt", "mosquitto", await meterSteadyWakes(sleepyMqtt(mosquitto.url), wakes));
	} finally {
		await mosquitto.stop();
	}
}
const aedes = await startEmbeddedBroker(0);
try {
	addRow("mqtt", "aedes", await meterSteadyWakes(sleepyMqtt(aedes.url), wakes));
} finally {
	await aedes.close();
}

const table = [header, ...rows];
const widths = header.map((_, c) => Math.max(...table.map((line) => line[c].length)));
for (const line of table) process.stdout.write(line.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join("  ") + "\n");
process.stdout.write(
	[
		"",
		`Median of ${wakes - 1} wakes after the first (which creates the session and subscribes), metered at the firmware's sockets on loopback.`,
		`Battery: ${profile.activeMa} mA awake, ${profile.sleepUa} uA asleep, ${profile.capacityMah} mAh; awake time plus ${wifiMs} ms to join Wi-Fi per wake (--wifi-ms).`,
		"Round trips include the TCP handshake. MQTT-SN: no gateway runs on the host yet; CoAP: not in this build yet.",
		"",
	].join("\n"),
);
process.exit(0);
