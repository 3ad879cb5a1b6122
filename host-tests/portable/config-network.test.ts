/**
 * The static IPv4 keys (app/config-network.ts): all empty is DHCP, staticIp needs a
 * gateway in its subnet, netmask and dns have defaults, and a key given without staticIp is
 * refused rather than ignored. Bad values per key are in config-every-key.test.ts.
 */
import { parseConfig } from "../../src/app/firmware";
import { ipv4Number } from "../../src/app/config-reader";
import { expectConfigError } from "./errors";
import { check, describe, it } from "./test-api";

const BASE = { ssid: "net", broker: "mqtt://127.0.0.1" };
const parse = (extra: Record<string, unknown>) => parseConfig({ ...BASE, ...extra }, { wifi: true }).staticAddress;

describe("config: static IPv4 address", () => {
	it("is DHCP (no address) when every key is absent or empty, as in the manifest", () => {
		check(parse({})).toBe(undefined);
		check(parse({ staticIp: "", gatewayIp: "", netmask: "", dns: "" })).toBe(undefined);
	});

	it("defaults netmask to 255.255.255.0 and dns to the gateway", () => {
		check(parse({ staticIp: "192.168.1.50", gatewayIp: "192.168.1.1" })).toEqual({ ip: "192.168.1.50", gateway: "192.168.1.1", netmask: "255.255.255.0", dns: "192.168.1.1" });
	});

	it("takes a netmask and DNS server, with the gateway anywhere in the subnet", () => {
		check(parse({ staticIp: "10.1.2.3", gatewayIp: "10.0.0.1", netmask: "255.0.0.0", dns: "1.1.1.1" })).toEqual({ ip: "10.1.2.3", gateway: "10.0.0.1", netmask: "255.0.0.0", dns: "1.1.1.1" });
		check(parse({ staticIp: "172.16.5.254", gatewayIp: "172.16.4.1", netmask: "255.255.252.0" })?.netmask).toBe("255.255.252.0");
		check(parse({ staticIp: "192.168.1.2", gatewayIp: "192.168.1.1", netmask: "255.255.255.252" })?.ip).toBe("192.168.1.2");
	});

	it("refuses staticIp without gatewayIp, and a gateway, netmask or DNS server without staticIp", () => {
		expectConfigError(() => parse({ staticIp: "192.168.1.50" }), "gatewayIp");
		expectConfigError(() => parse({ gatewayIp: "192.168.1.1" }), "staticIp");
		expectConfigError(() => parse({ netmask: "255.255.255.0" }), "staticIp");
		expectConfigError(() => parse({ dns: "1.1.1.1" }), "staticIp");
	});

	it("is checked on a board that does not join (the host) too", () => {
		expectConfigError(() => parseConfig({ broker: "mqtt://127.0.0.1", staticIp: "192.168.1.50" }, { wifi: false }), "gatewayIp");
	});

	it("reads dotted quads strictly", () => {
		check(ipv4Number("0.0.0.0")).toBe(0);
		check(ipv4Number("255.255.255.255")).toBe(0xffffffff);
		check(ipv4Number("192.168.1.50")).toBe(0xc0a80132);
		for (const bad of ["", "1.2.3", "1.2.3.4.", "1.2.3.04", "1.2.3.-4", "1.2.3.4 ", "1.2.3.1e2", "1.2.3.0x4", "1..3.4"]) check(ipv4Number(bad)).toBe(undefined);
	});
});
