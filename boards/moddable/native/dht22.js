/*
 * Binding to dht22.c: the DHT22 start signal and the capture of its answer.
 * JavaScript because the native binding syntax (@ "...") is XS's own; dht22.d.ts gives the types.
 */
class NativeDht22 {
	static capture(pin, buffer) @ "xs_lampnode_dht22_capture";
}

export default NativeDht22;
