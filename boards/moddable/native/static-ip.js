/*
 * Binding to the chip's lampnode_static_ip.c (boards/esp32/native, boards/esp8266/native):
 * a fixed IPv4 address for the Wi-Fi station instead of DHCP. JavaScript rather than
 * TypeScript because the native binding syntax (@ "...") is XS's own; static-ip.d.ts
 * gives the types.
 */
class NativeStaticIp {
	static configure(buffer) @ "xs_lampnode_static_ip";
}

export default NativeStaticIp;
