/**
 * What the static-address native code and its callers must agree on, read from the
 * sources (CI compiles no device code): the binding's name on both chips, the 16-byte
 * layout chip.ts writes, and the order of the SDK calls each chip needs.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const binding = readFileSync("boards/moddable/native/chip.js", "utf8");
const network = readFileSync("boards/moddable/chip.ts", "utf8");
const esp8266 = readFileSync("boards/esp8266/native/lampnode_static_ip.c", "utf8");
const esp32 = readFileSync("boards/esp32/native/lampnode_static_ip.c", "utf8");

/** Offsets of `calls` in `source`, which must each be found, in this order. */
function inOrder(source: string, calls: readonly string[]): void {
	const at = calls.map((call) => source.indexOf(call));
	expect(at.filter((offset) => offset < 0)).toEqual([]);
	expect([...at].sort((a, b) => a - b)).toEqual(at);
}

describe("static address native code", () => {
	it("both chips implement the binding chip.js names, with the 16 bytes chip.ts writes", () => {
		expect(binding).toContain('static configure(buffer) @ "xs_lampnode_static_ip";');
		for (const source of [esp8266, esp32]) {
			expect(source).toContain("void xs_lampnode_static_ip(xsMachine *the)");
			expect(source).toContain("#define kAddressBytes (16)");
			// ip, netmask, gateway, dns: the order addressBytes() writes them.
			inOrder(source, ["bytes, 4)", "bytes + 4, 4)", "bytes + 8, 4)", "bytes + 12, 4)"]);
			inOrder(source, ["ip.addr, bytes, 4", "netmask.addr, bytes + 4", "gw.addr, bytes + 8"]);
		}
		expect(network).toContain("new Uint8Array(16)");
		expect(network).toContain("[address.ip, address.netmask, address.gateway, address.dns]");
	});

	it("the station mode is on before the address is set, and both before the connect", () => {
		inOrder(network, ["WiFi.mode = WiFi.Mode.station;", "NativeChip.configure(", "new WiFi(options"]);
	});

	it("ESP8266: DHCP client stopped, then the address, then the DNS server", () => {
		inOrder(esp8266, ["wifi_station_dhcpc_stop();", "wifi_set_ip_info(STATION_IF, &info)", "dns_setserver(0, &dns);"]);
	});

	it("ESP32: DHCP client stopped, then the address, then DNS (esp_netif_set_ip_info clears the DNS servers)", () => {
		inOrder(esp32, ['esp_netif_get_handle_from_ifkey("WIFI_STA_DEF")', "esp_netif_dhcpc_stop(station)", "esp_netif_set_ip_info(station, &info)", "esp_netif_set_dns_info(station, ESP_NETIF_DNS_MAIN, &dns)"]);
	});
});
