/**
 * How long a wake spends joining Wi-Fi before the firmware can say anything, modelled
 * from published measurements (loopback has no radio, so `npm run energy` adds this to
 * every measured wake). Two joins per chip:
 * - full: scan every channel for the SSID, associate and do the WPA2 handshake, then
 *   DHCP for an address;
 * - fast: the BSSID and channel retained from the last wake (one probe on one channel),
 *   the WPA2 handshake, and a static IP (no DHCP): the firmware's sleepy wake with the
 *   `staticIp` config keys set.
 * Without `staticIp` the firmware still reconnects from the retained BSSID and channel but
 * then waits for DHCP, which falls between the two; it is not modelled, because none of the
 * sources below measures that combination (every fast figure cited uses a static address:
 * Mueller's WiFi.config, and dplasa/rtctest reuses the address of the first DHCP lease).
 * The figures depend on the access point and the DHCP server; these are the middle of
 * what was measured, not promises.
 */
export type Chip = "esp8266" | "esp32";

export interface WifiJoin {
	/** Full scan, association, WPA2, DHCP: ms. */
	readonly fullMs: number;
	/** Retained BSSID and channel, WPA2, static IP (no DHCP): ms. */
	readonly fastMs: number;
}

export const WIFI_JOIN: Readonly<Record<Chip, WifiJoin>> = {
	esp8266: {
		// Full: about 3 s with WPA2-PSK and DHCP (dplasa/rtctest README, "around 3 seconds");
		// 4,001 ms for a normal first connect (John Mueller, softplus/esp8266-wifi-timing,
		// johnmu.com/2022-esp8266-wifi-speed); 6.45 s of connect and DHCP in an 8.3 s wake
		// (E. Bakke, bakke.online 2017, "Reducing WiFi power consumption on ESP8266", part 1/3).
		fullMs: 3000,
		// Fast: 1,259 ms with channel, BSSID and a static IP (Mueller, ibid.); "comes down
		// to 1 second" with channel and BSSID (dplasa/rtctest, which also sets the saved IP,
		// netmask, gateway and DNS statically). The SDK's own persisted
		// credentials bring it to ~170 ms (Mueller; T. von Eicken, blog.voneicken.com 2018,
		// "ESP8266 with Optimized Periodic Wake-up": a whole wake in ~175 ms), not modelled here.
		fastMs: 1250,
	},
	esp32: {
		// Full: ESP-IDF's default all-channel active scan dwells up to 120 ms per channel
		// (esp_wifi_set_scan_parameters: scan_time.active.max 120 ms), 13 channels ~1.56 s;
		// association and WPA2 600-700 ms at 240 MHz (esp32.com forum t=8942, "Wifi Fast Scan
		// on specific channel only"); DHCP ~0.5 s more.
		fullMs: 2700,
		// Fast: a single-channel scan ~120 ms and the same 600-700 ms to associate, static IP:
		// ~1 s for a whole wake that sends one UDP datagram (esp32.com forum t=8942).
		fastMs: 800,
	},
};

export function isChip(value: string): value is Chip {
	return value === "esp8266" || value === "esp32";
}
