/**
 * The two halves of one SNTP exchange (RFC 4330), as pure functions: the boards that
 * set their own clock after joining Wi-Fi send the request and read the answer's
 * transmit time. Nothing else of NTP is needed to stamp readings and check certificates.
 */

const enum Sntp {
	/** Seconds from the NTP epoch (1900) to the Unix epoch (1970). */
	NTP_TO_UNIX = 2_208_988_800,
	PACKET = 48,
}

/** A client request: LI 0, version 4, mode 3 (client); the rest zero. */
export function sntpRequest(): Uint8Array {
	const packet = new Uint8Array(Sntp.PACKET);
	packet[0] = 0x23;
	return packet;
}

/** The server's transmit time in Unix seconds, or undefined for anything but a usable server reply. */
export function sntpSeconds(packet: Uint8Array): number | undefined {
	if (packet.length < Sntp.PACKET) return void 0;
	const mode = packet[0] & 7;
	const leap = packet[0] >> 6;
	const stratum = packet[1];
	// Mode 4 is a server reply; stratum 0 is a kiss-o'-death and leap 3 an unsynchronised server.
	if (mode !== 4 || stratum === 0 || leap === 3) return void 0;
	const view = new DataView(packet.buffer, packet.byteOffset, packet.length);
	const seconds = view.getUint32(40) - Sntp.NTP_TO_UNIX;
	return seconds > 0 ? seconds : void 0;
}
