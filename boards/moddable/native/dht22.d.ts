/** Types of dht22.js. */
declare const NativeDht22: {
	/** Sends the start signal on `pin` and records the answer's widths in us (uint16, the first one high); returns their count. */
	capture(pin: number, buffer: ArrayBuffer): number;
};
export default NativeDht22;
