/**
 * Typed reads of the firmware's configuration (the manifest's "config", possibly
 * overridden on the command line, where every value arrives as a string). A value that
 * cannot be used is a ConfigError naming the key and the form expected; the value
 * itself is never echoed, since it may be a password.
 */
import { ConfigError } from "../common/errors";
import { isDecimal } from "../common/text";

export type RawConfig = Readonly<Record<string, unknown>>;

export class ConfigReader {
	readonly #raw: RawConfig;

	constructor(raw: RawConfig) {
		this.#raw = raw;
	}

	/** A non-empty string; without a fallback the key is required. */
	string(key: string, fallback?: string): string {
		const value = this.#raw[key];
		if (value === undefined || value === "") {
			if (fallback !== undefined) return fallback;
			throw new ConfigError(key, "a non-empty string (it is missing or empty)");
		}
		if (typeof value !== "string") throw new ConfigError(key, "a string");
		return value;
	}

	/** A string that may be absent or empty (then undefined). */
	optionalString(key: string): string | undefined {
		const value = this.#raw[key];
		if (value === undefined || value === "") return undefined;
		if (typeof value !== "string") throw new ConfigError(key, "a string");
		return value;
	}

	integer(key: string, fallback: number, min: number, max: number): number {
		const value = this.#raw[key];
		if (value === undefined || value === "") return fallback;
		const number = typeof value === "string" && isInteger(value.trim()) ? Number(value) : value;
		if (typeof number !== "number" || !Number.isInteger(number) || number < min || number > max)
			throw new ConfigError(key, `an integer from ${min} to ${max}`);
		return number;
	}

	boolean(key: string, fallback: boolean): boolean {
		const value = this.#raw[key];
		if (value === undefined || value === "") return fallback;
		if (value === true || value === "true" || value === 1 || value === "1") return true;
		if (value === false || value === "false" || value === 0 || value === "0") return false;
		throw new ConfigError(key, "true or false");
	}

	oneOf<T extends string>(key: string, choices: readonly T[], fallback: T): T {
		const value = this.#raw[key];
		if (value === undefined || value === "") return fallback;
		const found = choices.find((choice) => choice === value);
		if (found === undefined) throw new ConfigError(key, `one of ${choices.map((c) => `"${c}"`).join(", ")}`);
		return found;
	}
}

/** Decimal digits with an optional minus sign. */
function isInteger(text: string): boolean {
	return isDecimal(text.startsWith("-") ? text.slice(1) : text);
}
