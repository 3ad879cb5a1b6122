/*
 * Bindings to the project's native code on the ESP32 and ESP8266: dht22.c here (the DHT22
 * start signal and the capture of its answer), and each chip's lampnode_power.c (deep
 * sleep, the wake cause and retained memory) and lampnode_static_ip.c (a fixed IPv4
 * address for the Wi-Fi station instead of DHCP) in boards/esp32/native and
 * boards/esp8266/native. One class in one module, as every module and class costs
 * bytecode. JavaScript rather than TypeScript because the native binding syntax (@ "...")
 * is XS's own; chip.d.ts gives the types.
 */
class NativeChip {
	static capture(pin, buffer) @ "xs_lampnode_dht22_capture";
	static capacity() @ "xs_lampnode_retained_capacity";
	static maxSleep() @ "xs_lampnode_max_sleep";
	static read() @ "xs_lampnode_retained_read";
	static write(buffer) @ "xs_lampnode_retained_write";
	static wakeCause() @ "xs_lampnode_wake_cause";
	static deepSleep(ms, wakePin, wakeLevel, radio) @ "xs_lampnode_deep_sleep";
	static configure(buffer) @ "xs_lampnode_static_ip";
}

export default NativeChip;
