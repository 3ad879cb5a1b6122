/** Types of random.js. */
declare const NativeRandom: {
	/** Fills `buffer` with random bytes from the OS. */
	fill(buffer: Uint8Array): void;
};
export default NativeRandom;
