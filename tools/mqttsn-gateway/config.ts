/**
 * The gateway's configuration file (JSON), for what does not fit on a command line,
 * above all the predefined topics both sides must agree on:
 *
 *   {
 *     "predefinedTopics": { "home/office/lamp": 1, "home/temperature": 2 },
 *     "gwId": 1,
 *     "advertise": { "interval": 900, "targets": ["255.255.255.255:1883"] },
 *     "tRetry": 10000, "nRetry": 5, "bufferLimit": 1000
 *   }
 *
 * Every key is optional. A wrong one is an error naming the key and the form expected.
 */
import { readFileSync } from "node:fs";
import type { Endpoint } from "./client-link";
import type { GatewayOptions } from "./gateway";

export type GatewayFileConfig = Pick<GatewayOptions, "predefinedTopics" | "gwId" | "advertise" | "tRetry" | "nRetry" | "bufferLimit">;

export function readGatewayConfig(path: string): GatewayFileConfig {
	const raw = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
	const config: { -readonly [K in keyof GatewayFileConfig]: GatewayFileConfig[K] } = {};
	if (raw.predefinedTopics !== undefined) {
		const topics = raw.predefinedTopics as Record<string, unknown>;
		const ids = new Set<unknown>();
		for (const [name, id] of Object.entries(topics ?? {})) {
			if (!Number.isInteger(id) || (id as number) < 1 || (id as number) > 0xfffe || ids.has(id) || /[+#]/.test(name))
				throw new Error(`${path}: "predefinedTopics" must map topic names without wildcards to distinct ids from 1 to 65534`);
			ids.add(id);
		}
		config.predefinedTopics = topics as Record<string, number>;
	}
	if (raw.gwId !== undefined) config.gwId = integer(path, "gwId", raw.gwId, 0, 255);
	if (raw.tRetry !== undefined) config.tRetry = integer(path, "tRetry", raw.tRetry, 1, 3_600_000);
	if (raw.nRetry !== undefined) config.nRetry = integer(path, "nRetry", raw.nRetry, 0, 100);
	if (raw.bufferLimit !== undefined) config.bufferLimit = integer(path, "bufferLimit", raw.bufferLimit, 0, 1_000_000);
	if (raw.advertise !== undefined) {
		const advertise = raw.advertise as { interval?: unknown; targets?: unknown };
		if (!Array.isArray(advertise.targets)) throw new Error(`${path}: "advertise.targets" must be a list of "host:port"`);
		config.advertise = {
			interval: integer(path, "advertise.interval", advertise.interval ?? 900, 1, 65535),
			targets: advertise.targets.map((target) => parseEndpoint(String(target))),
		};
	}
	return config;
}

/** "host:port" -> endpoint; throws naming the form expected. */
export function parseEndpoint(text: string): Endpoint {
	const match = /^([^:\s]+):(\d{1,5})$/.exec(text);
	const port = match ? Number(match[2]) : 0;
	if (!match || port < 1 || port > 65535) throw new Error(`"${text}" is not host:port`);
	return { address: match[1], port };
}

function integer(path: string, key: string, value: unknown, min: number, max: number): number {
	if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) throw new Error(`${path}: "${key}" must be an integer from ${min} to ${max}`);
	return value as number;
}
