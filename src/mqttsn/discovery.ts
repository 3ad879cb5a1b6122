/**
 * Where an MQTT-SN gateway answers. Types only: the procedures of finding a gateway and
 * noticing when it is gone (MQTT-SN 6.1, 6.2) are the session's, in session.ts.
 */

/** Where a gateway answers: an IP address as the board reports datagram sources. */
export interface Gateway {
	readonly gwId: number;
	readonly address: string;
	readonly port: number;
}
