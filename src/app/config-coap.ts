/**
 * The configuration of the lamp over CoAP (protocol "coap"): the port the device
 * serves /lamp and /sensors/dht22 on, where state changes and readings are POSTed, and
 * the transmission parameters of RFC 7252 4.8. Forms and defaults are the table's
 * (config-keys.ts).
 */
import { ConfigError } from "../common/errors";
import { parseCoapUri } from "../coap/uri";
import type { ConfigReader } from "./config-reader";
import { blockSizePowerOfTwo } from "./config-rules";

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
}

export function parseCoapConfig(config: ConfigReader): CoapConfig {
	const collector = config.string("collector");
	if (collector !== undefined) checkCollector(collector);
	const blockSize = config.integer("blockSize");
	blockSizePowerOfTwo(blockSize);
	return {
		port: config.integer("coapPort"),
		collector,
		ackTimeout: config.integer("ackTimeout"),
		ackRandomFactor: config.integer("ackRandomFactorTenths") / 10,
		maxRetransmit: config.integer("maxRetransmit"),
		nstart: config.integer("nstart"),
		blockSize,
		confirmable: config.choice("coapType") === "con",
	};
}

/** The URI parser's refusal says what is wrong with the URI; the ConfigError says which key. */
function checkCollector(uri: string): void {
	try {
		parseCoapUri(uri);
	} catch {
		throw new ConfigError("collector", "coap://host[:port][/path][?query], a port from 1 to 65535 and % escapes of two hex digits");
	}
}
