/**
 * The configuration of the lamp over CoAP (protocol "coap"): the port the device
 * serves /lamp and /sensors/dht22 on, where state changes and readings are POSTed, and
 * the transmission parameters of RFC 7252 4.8. Forms and defaults are this section's rows
 * (KEYS). With a pre-shared key (`coapPsk`, `coapPskIdentity`) the server speaks
 * coaps (DTLS) only, on 5684 unless `coapPort` says otherwise, and a `coaps://` collector
 * is reached with the same key; plain coap stays only where asked for (a coap:// collector).
 * Mapped by manifests/coap.json: an image without CoAP neither parses nor carries this
 * section nor its rows (protocols/table.ts).
 */
import { ConfigError } from "../common/errors";
import { isHexDigit } from "../common/text";
import { encodeUtf8 } from "../common/utf8";
import { COAPS_PORT, parseCoapUri } from "../coap/uri";
import type { DeviceConfig } from "./config-reader";
import type { ConfigReader, SectionReader } from "./config-reader";
import { discoveryNeedsClientId } from "./config-rules";

export interface CoapConfig {
	/** UDP port of the device's server (5683). */
	readonly port: number;
	/** coap://host[:port]/path that state changes and readings are POSTed to, if any. */
	readonly collector?: string;
	readonly ackTimeout: number;
	readonly ackRandomFactor: number;
	readonly maxRetransmit: number;
	readonly nstart: number;
	/** Block size in bytes, a power of two from 16 to 1024. */
	readonly blockSize: number;
	/** POSTs to the collector as CON (acknowledged, retransmitted) or NON (one datagram, no wait). */
	readonly confirmable: boolean;
	/** The pre-shared key and its identity, when set: the server is coaps. Never logged. */
	readonly psk?: CoapPsk;
	/** The collector is a coaps:// URI (reached with `psk`). */
	readonly collectorSecure: boolean;
}

export interface CoapPsk {
	readonly identity: Uint8Array;
	readonly key: Uint8Array;
}

/**
 * The rows of CoAP's keys, as config-keys.ts writes rows. The transmission parameters
 * default to RFC 7252 4.8's and the port to 5683, written out (coap/'s own constants are
 * compared by host-tests/static/config-table.test.ts). coaps (DTLS, RFC 7252 9.1.3.1 PSK
 * mode): the key is hex, up to 64 bytes. blockSize: a power of two from 16 (SZX 0) to
 * 1024 (SZX 6), RFC 7959 2.2.
 */
export const KEYS = `
coapPort integer 5683 0 65535 contextual
collector uri - -
coapPskIdentity string - 128
coapPsk string - 128 secret
coapType choice con|non
ackTimeout integer 2000 10 600000
ackRandomFactorTenths integer 15 10 100
maxRetransmit integer 4 0 20
nstart integer 1 1 16
blockSize integer 1024 16 1024
`;

/** `device`: Home Assistant's discovery is MQTT's, which a CoAP device cannot offer. */
export function parseCoapConfig(reader: ConfigReader, device: DeviceConfig): CoapConfig {
	discoveryNeedsClientId(void 0, device.discovery);
	reader.rows = KEYS;
	const config = reader as SectionReader<typeof KEYS>;
	const collector = config.string("collector");
	let collectorSecure = false;
	// The URI parser's refusal says what is wrong with the URI; the ConfigError says which key.
	if (collector !== void 0)
		try {
			collectorSecure = parseCoapUri(collector).secure;
		} catch {
			throw new ConfigError("collector", "coap[s]://host[:port][/path][?query]");
		}
	const blockSize = config.integer("blockSize");
	blockSizePowerOfTwo(blockSize);
	const psk = parsePsk(config);
	if (collectorSecure && !psk) throw new ConfigError("collector", "coap://, or coaps:// with coapPsk and coapPskIdentity set");
	return {
		port: config.integer("coapPort", psk ? COAPS_PORT : void 0),
		psk,
		collectorSecure,
		collector,
		ackTimeout: config.integer("ackTimeout"),
		ackRandomFactor: config.integer("ackRandomFactorTenths") / 10,
		maxRetransmit: config.integer("maxRetransmit"),
		nstart: config.integer("nstart"),
		blockSize,
		confirmable: config.choice("coapType") === "con",
	};
}

/** Both keys or neither; the key as hex of 1 to 64 bytes. The error never holds the value. */
function parsePsk(config: SectionReader<typeof KEYS>): CoapPsk | undefined {
	const identity = config.string("coapPskIdentity");
	const hex = config.string("coapPsk");
	if (identity === void 0 && hex === void 0) return void 0;
	if (hex === void 0) throw new ConfigError("coapPskIdentity", "set together with coapPsk");
	const digits = hex.trim();
	// One refusal for a wrong length and a wrong digit: they say the same.
	let valid = digits.length >= 2 && digits.length <= 128 && (digits.length & 1) === 0;
	const key = new Uint8Array(valid ? digits.length >> 1 : 0);
	for (let i = 0; valid && i < digits.length; i++) {
		const c = digits.charCodeAt(i);
		valid = isHexDigit(c);
		const value = c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57;
		key[i >> 1] |= (i & 1) === 0 ? value << 4 : value;
	}
	if (!valid) throw new ConfigError("coapPsk", "hex digits, 1 to 64 bytes");
	if (identity === void 0) throw new ConfigError("coapPsk", "set together with coapPskIdentity");
	return { identity: encodeUtf8(identity), key };
}

/* The rules of this section's own keys (config-rules.ts has the shared ones; the README lists both). */

/** RFC 7959 2.2: a block is 2^(SZX+4) bytes. */
export function blockSizePowerOfTwo(blockSize: number): void {
	if ((blockSize & (blockSize - 1)) !== 0) throw new ConfigError("blockSize", "a power of two from 16 to 1024");
}
