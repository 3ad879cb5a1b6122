/**
 * The station's static IPv4 configuration (README "Wi-Fi"): `staticIp`, `gatewayIp`,
 * `netmask` (the table's 255.255.255.0) and `dns` (the gateway). All empty, the default, is DHCP.
 * Used in both modes; it matters most to a sleepy device, whose every wake would
 * otherwise wait for a DHCP exchange. Checked here, so a typo is a ConfigError at start,
 * not a device that joins and then cannot reach anything.
 */
import type { StaticAddress } from "../common/board";
import { ConfigError } from "../common/errors";
import type { ConfigReader } from "./config-reader";
import { ipv4Octets, isCanonicalDecimal } from "../common/text";

const DOTTED_QUAD = "an IPv4 address as four numbers 0-255 (a.b.c.d)";

/** `a.b.c.d` as a 32-bit number, or undefined; leading zeros refused (some stacks read them as octal). */
export function ipv4Number(text: string): number | undefined {
	const octets = ipv4Octets(text);
	if (!octets || !text.split(".").every((part) => isCanonicalDecimal(part, 3))) return void 0;
	return ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
}

function address(config: ConfigReader, key: "staticIp" | "gatewayIp" | "netmask" | "dns"): number | undefined {
	const text = config.string(key);
	if (text === void 0) return void 0;
	const value = ipv4Number(text);
	if (value === void 0) throw new ConfigError(key, DOTTED_QUAD);
	return value;
}

/*
 * Addresses are uint32 handled with 32-bit integer operators (`>>> 0` makes a result
 * unsigned), never `**` or a floating `%`: on the ESP8266 those link libm's pow and fmod.
 */

/** Prefix length of a contiguous mask (ones then zeros), or undefined. */
function prefixLength(mask: number): number | undefined {
	for (let bits = 0; bits <= 32; bits++) if (mask === (bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0)) return bits;
	return void 0;
}

/** A unicast host address: not 0.0.0.0/8, loopback, multicast or reserved. */
function unicast(value: number): boolean {
	const first = value >>> 24;
	return first !== 0 && first !== 127 && first < 224;
}

export function parseStaticAddress(config: ConfigReader): StaticAddress | undefined {
	// Every key is read, so that a gateway or DNS server given without staticIp is caught.
	const ip = address(config, "staticIp");
	const gateway = address(config, "gatewayIp");
	// The table's default applies, so whether it was given is asked of the reader.
	const mask = address(config, "netmask") as number;
	const dns = address(config, "dns");
	if (ip === void 0) {
		if (gateway !== void 0 || config.given("netmask") || dns !== void 0)
			throw new ConfigError("staticIp", "set with gatewayIp, netmask or dns");
		return void 0;
	}
	if (gateway === void 0) throw new ConfigError("gatewayIp", DOTTED_QUAD + " whenever staticIp is set");
	const bits = prefixLength(mask);
	// A /31 or /32 leaves no room for the station and a gateway beside it.
	if (bits === void 0 || bits < 1 || bits > 30) throw new ConfigError("netmask", "a netmask /1 to /30");
	const hostMask = ~mask >>> 0;
	const host = (ip & hostMask) >>> 0;
	if (!unicast(ip) || host === 0 || host === hostMask)
		throw new ConfigError("staticIp", DOTTED_QUAD + ": a host address in its subnet");
	if (!unicast(gateway) || (gateway & mask) >>> 0 !== (ip & mask) >>> 0 || gateway === ip)
		throw new ConfigError("gatewayIp", DOTTED_QUAD + " in staticIp's subnet, not staticIp");
	if (dns !== void 0 && !unicast(dns)) throw new ConfigError("dns", DOTTED_QUAD + ": a unicast address");
	return { ip: quad(ip), gateway: quad(gateway), netmask: quad(mask), dns: quad(dns ?? gateway) };
}

function quad(value: number): string {
	return (value >>> 24) + "." + ((value >>> 16) & 0xff) + "." + ((value >>> 8) & 0xff) + "." + (value & 0xff);
}
