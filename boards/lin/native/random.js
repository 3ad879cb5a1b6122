/*
 * Binding to random.c: the OS's random bytes in the simulator. JavaScript rather than
 * TypeScript because the native binding syntax (@ "...") is XS's own; random.d.ts types it.
 */
class NativeRandom {
	static fill(buffer) @ "xs_lampnode_random_fill";
}

export default NativeRandom;
