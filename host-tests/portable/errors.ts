/** Assertions on the firmware's typed errors, written once for both engines. */
import { ConfigError, ProtocolError, type ProtocolErrorCode } from "../../src/common/errors";
import { check } from "./test-api";

/** `run` throws a ProtocolError with this code; returns it for further checks. */
export function expectProtocolError(run: () => unknown, code: ProtocolErrorCode): ProtocolError {
	try {
		run();
	} catch (error) {
		check(error).toBeInstanceOf(ProtocolError);
		check((error as ProtocolError).code).toBe(code);
		return error as ProtocolError;
	}
	throw new Error(`expected a ProtocolError ${code}, but nothing was thrown`);
}

/** `run` throws a ConfigError naming `key`. */
export function expectConfigError(run: () => unknown, key: string): ConfigError {
	try {
		run();
	} catch (error) {
		check(error).toBeInstanceOf(ConfigError);
		check((error as ConfigError).key).toBe(key);
		return error as ConfigError;
	}
	throw new Error(`expected a ConfigError for "${key}", but nothing was thrown`);
}
