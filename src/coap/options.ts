/**
 * Option numbers and the helpers that read and write option values live in message.ts,
 * one module with the codec (each module costs the device its own symbol table); this one
 * gives the hosts' tests and tools their old name for them.
 */
export * from "./message";
