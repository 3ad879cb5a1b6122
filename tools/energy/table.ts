/**
 * The table `npm run energy` prints: one row per protocol's measured wake, with the
 * battery life it gives at each interval for a full Wi-Fi join (scan, DHCP) and for a fast
 * one (retained BSSID and channel, static IP).
 */
import { batteryDays, type PowerProfile } from "./battery";
import type { Wake } from "./wake";
import type { WifiJoin } from "./wifi-join";

export interface MeasuredWake {
	readonly protocol: string;
	readonly peer: string;
	readonly wake: Wake;
}

/** Days at `intervalMinutes` when every wake also joins Wi-Fi for `joinMs`. */
export function daysWith(profile: PowerProfile, wake: Wake, joinMs: number, intervalMinutes: number): number {
	return batteryDays(profile, wake.awakeMs + joinMs, intervalMinutes * 60_000);
}

export function energyTable(measured: readonly MeasuredWake[], profile: PowerProfile, join: WifiJoin, intervals: readonly number[]): string[][] {
	const header = ["protocol", "peer", "awake ms", "bytes out/in", "packets out/in", "round trips", ...intervals.map((m) => `days @${m} min full/fast+static join`)];
	const rows = measured.map(({ protocol, peer, wake }) => [
		protocol,
		peer,
		wake.awakeMs.toFixed(0),
		`${wake.bytesSent}/${wake.bytesReceived}`,
		`${wake.packetsSent}/${wake.packetsReceived}`,
		String(wake.roundTrips + wake.connects),
		...intervals.map((m) => `${daysWith(profile, wake, join.fullMs, m).toFixed(0)}/${daysWith(profile, wake, join.fastMs, m).toFixed(0)}`),
	]);
	return [header, ...rows];
}

/** Columns padded: text left, figures right. */
export function formatTable(table: readonly string[][]): string {
	const widths = table[0].map((_, c) => Math.max(...table.map((line) => line[c].length)));
	return table.map((line) => line.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join("  ")).join("\n") + "\n";
}
