/** Host names through the SDK's resolver (lwIP's DNS on a device); IPv4 literals pass straight through. */
import Net from "net";
import { ipv4Octets } from "common/text";

/**
 * RFC 6761 6.3: "localhost" (and names under it) is always the loopback address, and needs
 * no resolver. It is answered here because the simulator's resolver (GLib's, in
 * modules/network/net/lin/modResolve.c) hands over only the first address it gets and
 * only if that one is IPv4, while many Linux systems list ::1 first for localhost: there
 * `mqtts://localhost` found no address at all. The sockets here are IPv4 only.
 */
function isLocalhost(host: string): boolean {
	const lower = host.toLowerCase();
	const name = lower.endsWith(".") ? lower.slice(0, -1) : lower;
	return name === "localhost" || name.endsWith(".localhost");
}

export function resolveHost(host: string, callback: (address: string | undefined) => void): void {
	if (ipv4Octets(host)) return callback(host);
	if (isLocalhost(host)) return callback("127.0.0.1");
	try {
		Net.resolve(host, (_name, address) => callback(address));
	} catch {
		// "no resolver" (no network yet): the same as a name that does not resolve.
		callback(undefined);
	}
}
