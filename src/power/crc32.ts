/**
 * CRC-32 (IEEE 802.3, as zlib and PNG use it), bit by bit: retained state is a few
 * hundred bytes written once per wake, not worth a 1 KiB table in RAM.
 */
export function crc32(bytes: Uint8Array): number {
	let crc = 0xffffffff;
	for (let i = 0; i < bytes.length; i++) {
		crc ^= bytes[i];
		for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
	}
	return (crc ^ 0xffffffff) >>> 0;
}
