/**
 * Where an MQTT-SN gateway answers, and whether a datagram came from it. A leaf: the
 * procedures of finding a gateway and noticing when it is gone (MQTT-SN 6.1, 6.2) are
 * the session's, in link.ts.
 */

/** Where a gateway answers: an IP address as the board reports datagram sources. */
export interface Gateway {
	readonly gwId: number;
	readonly address: string;
	readonly port: number;
}

export function sameEndpoint(gateway: Gateway, address: string, port: number): boolean {
	return gateway.port === port && gateway.address === address;
}
