/** Types of static-ip.js: the station's fixed IPv4 address on each chip. */
declare const NativeStaticIp: {
	/**
	 * `buffer`: 16 bytes, ip, netmask, gateway and DNS server, 4 each in network order. With
	 * the station mode on and before the connect; throws when the chip refuses it.
	 */
	configure(buffer: ArrayBuffer): void;
};
export default NativeStaticIp;
