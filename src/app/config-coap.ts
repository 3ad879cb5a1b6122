/**
 * The configuration of the lamp over CoAP (protocol "coap"): the port the device
 * serves /lamp and /sensors/dht22 on, where state changes and readings are POSTed, and
 * the transmission parameters of RFC 7252 4.8. Keys are listed in the README.
 */
import { ConfigError } from "../common/errors";
import { parseCoapUri } from "../coap/uri";
import type { ConfigReader } from "./config-reader";

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
	const collector = config.optionalString("collector");
	if (collector !== undefined && collector !== "") parseCoapUri(collector, "collector");
	const blockSize = config.integer("blockSize", 1024, 16, 1024);
	if ((blockSize & (blockSize - 1)) !== 0) throw new ConfigError("blockSize", "a power of two from 16 to 1024");
	const factorTenths = config.integer("ackRandomFactorTenths", 15, 10, 100);
	return {
		port: config.integer("coapPort", 5683, 0, 65535),
		collector: collector === "" ? undefined : collector,
		ackTimeout: config.integer("ackTimeout", 2000, 10, 600_000),
		ackRandomFactor: factorTenths / 10,
		maxRetransmit: config.integer("maxRetransmit", 4, 0, 20),
		nstart: config.integer("nstart", 1, 1, 16),
		blockSize,
		confirmable: config.oneOf("coapType", ["con", "non"], "con") === "con",
	};
}
