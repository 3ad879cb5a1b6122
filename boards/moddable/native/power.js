/*
 * Bindings to the chip's lampnode_power.c (boards/esp32/native, boards/esp8266/native):
 * deep sleep, the wake cause and retained memory. JavaScript rather than TypeScript
 * because the native binding syntax (@ "...") is XS's own; power.d.ts gives the types.
 */
class NativePower {
	static capacity() @ "xs_lampnode_retained_capacity";
	static maxSleep() @ "xs_lampnode_max_sleep";
	static read() @ "xs_lampnode_retained_read";
	static write(buffer) @ "xs_lampnode_retained_write";
	static wakeCause() @ "xs_lampnode_wake_cause";
	static deepSleep(ms, wakePin, wakeLevel, radio) @ "xs_lampnode_deep_sleep";
}

export default NativePower;
