/** `--dht22 key=value,...`: the simulated DHT22's settings on the host's command line. */
import type { Dht22Failure, Dht22SimulatorOptions } from "../simulated/dht22";

const NUMBERS = ["temperature", "humidity", "jitterUs", "spikes", "failureRate"] as const;
const FAILURES: readonly Dht22Failure[] = ["no-response", "checksum", "missing-bit", "extra-bit"];

export function parseDht22Options(text: string): Dht22SimulatorOptions {
	const options: Dht22SimulatorOptions = {};
	for (const entry of text.split(",").filter(Boolean)) {
		const [key, value] = entry.split("=").map((part) => part.trim());
		const number = Number(value);
		if ((NUMBERS as readonly string[]).includes(key) && value !== "" && Number.isFinite(number)) options[key as (typeof NUMBERS)[number]] = number;
		else if (key === "failure" && (FAILURES as readonly string[]).includes(value)) options.failure = value as Dht22Failure;
		else throw new Error(`--dht22: "${entry}" is not one of ${[...NUMBERS, "failure"].join(", ")} = a number (failure: ${FAILURES.join(", ")})`);
	}
	return options;
}
