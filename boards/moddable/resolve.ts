/** Host names through lwIP's DNS (the servers DHCP gave); IPv4 literals pass straight through. */
import Net from "net";

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

export function resolveHost(host: string, callback: (address: string | undefined) => void): void {
	if (IPV4.test(host)) {
		callback(host);
		return;
	}
	Net.resolve(host, (_name, address) => callback(address));
}
