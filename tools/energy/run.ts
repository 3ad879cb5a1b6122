/**
 * `npm run energy`: each protocol's sleepy wake on the host board against a real local
 * peer, metered at the firmware's sockets, and what it means for a battery.
 *
 *   npm run energy [-- --active 120 --sleep-ua 10 --capacity 2000 --intervals 1,5,15
 *                      --wakes 6 --chip esp8266 --rtt 20 --wifi-ms N --fast-wifi-ms N]
 *
 * Awake time is measured on loopback through the bench's proxies adding --rtt ms of
 * round-trip time (0 for none), where
 * there is no radio: a device also joins Wi-Fi on every wake, modelled per chip
 * (wifi-join.ts) for a full join (scan, DHCP) and a fast one (retained BSSID and
 * channel, static IP); --wifi-ms and --fast-wifi-ms override the model.
 */
import { parseArgs } from "node:util";
import { type PowerProfile } from "./battery";
import { ENERGY_CASES } from "./cases";
import { energyTable, formatTable, type MeasuredWake } from "./table";
import { meterSteadyWakes } from "./wake";
import { isChip, WIFI_JOIN, type WifiJoin } from "./wifi-join";

const { values } = parseArgs({
	options: {
		active: { type: "string", default: "120" },
		"sleep-ua": { type: "string", default: "10" },
		capacity: { type: "string", default: "2000" },
		intervals: { type: "string", default: "1,5,15" },
		wakes: { type: "string", default: "6" },
		chip: { type: "string", default: "esp8266" },
		// A broker on the LAN, over Wi-Fi: a few ms to tens of ms; loopback has none.
		rtt: { type: "string", default: "20" },
		"wifi-ms": { type: "string" },
		"fast-wifi-ms": { type: "string" },
	},
});
if (!isChip(values.chip)) throw new Error(`--chip: esp8266 or esp32, not ${values.chip}`);
const profile: PowerProfile = { activeMa: Number(values.active), sleepUa: Number(values["sleep-ua"]), capacityMah: Number(values.capacity) };
const intervals = values.intervals.split(",").map(Number);
const wakes = Math.max(2, Number(values.wakes));
const rtt = Number(values.rtt);
const model = WIFI_JOIN[values.chip];
const join: WifiJoin = {
	fullMs: values["wifi-ms"] === undefined ? model.fullMs : Number(values["wifi-ms"]),
	fastMs: values["fast-wifi-ms"] === undefined ? model.fastMs : Number(values["fast-wifi-ms"]),
};

const measured: MeasuredWake[] = [];
const skipped: string[] = [];
for (const c of ENERGY_CASES) {
	if (!c.available()) {
		skipped.push(`${c.protocol} (${c.peer}: not installed)`);
		continue;
	}
	process.stderr.write(`energy: ${c.protocol} against ${c.peer}...\n`);
	const peer = await c.start(rtt);
	try {
		measured.push({ protocol: c.protocol, peer: c.peer, wake: await meterSteadyWakes(peer.config, wakes) });
	} finally {
		await peer.close();
	}
}

process.stdout.write(formatTable(energyTable(measured, profile, join, intervals)));
process.stdout.write(
	[
		"",
		`Median of ${wakes - 1} wakes after the first (which creates the session and subscribes), metered at the firmware's sockets on loopback${rtt > 0 ? ` with ${rtt} ms added round-trip time` : ""}.`,
		`Battery: ${profile.activeMa} mA awake, ${profile.sleepUa} uA asleep, ${profile.capacityMah} mAh; each wake adds a Wi-Fi join, ${values.chip}: full (scan, WPA2, DHCP) ${join.fullMs} ms / fast+static (retained BSSID and channel, static IP: the staticIp config keys) ${join.fastMs} ms; a fast reconnect with DHCP falls between the two and is not modelled (tools/energy/wifi-join.ts says where the figures come from).`,
		"Round trips include the TCP handshake (MQTT); packets are TCP segments or datagrams.",
		...(skipped.length > 0 ? [`Skipped: ${skipped.join(", ")}.`] : []),
		"",
	].join("\n"),
);
process.exit(0);
