/**
 * coaps in the configuration: a pre-shared key moves the server to 5684 and makes it
 * coaps only, the key is read from hex, a coaps:// collector needs the key, and no
 * ConfigError ever holds the key's digits.
 */
import { parseConfig } from "../../src/app/firmware";
import { ConfigError } from "../../src/common/errors";
import { expectConfigError } from "./errors";
import { check, describe, it } from "./test-api";
import { toHex } from "./bytes";
import { decodeCoapState, encodeCoapState } from "../../src/app/adapters/coap-state";
import { sleepyVocabulary } from "../../src/app/retained-vocabulary";

const HOST = { wifi: false } as const;
const coap = (raw: Record<string, string | number>) => {
	const config = parseConfig({ protocol: "coap", ...raw }, HOST);
	if (config.protocol !== "coap") throw new Error("not coap");
	return config.coap;
};

describe("coaps config", () => {
	it("without a key: plain coap on 5683, no DTLS", () => {
		const plain = coap({});
		check([plain.port, plain.psk, plain.collectorSecure]).toEqual([5683, undefined, false]);
	});

	it("with a key: the server on 5684, the key's bytes from hex (either case), a coaps:// collector", () => {
		const secure = coap({ coapPskIdentity: "lamp", coapPsk: "00A1ff10", collector: "coaps://collector.local/readings" });
		check(secure.port).toBe(5684);
		check(toHex(secure.psk?.key ?? new Uint8Array(0))).toBe("00 a1 ff 10");
		check(secure.psk?.identity.length).toBe(4);
		check(secure.collectorSecure).toBe(true);
		check(coap({ coapPskIdentity: "lamp", coapPsk: "0011", coapPort: 6000 }).port).toBe(6000);
		// A coap:// collector stays plain when asked for, beside a coaps server.
		check(coap({ coapPskIdentity: "lamp", coapPsk: "0011", collector: "coap://c/x" }).collectorSecure).toBe(false);
	});

	it("a coaps:// collector without a key is refused, and no error echoes the key", () => {
		expectConfigError(() => coap({ collector: "coaps://c/x" }), "collector");
		for (const coapPsk of ["a1b2c3d4e5f6a7b", "a1b2c3d4e5f6a7bz"]) {
			try {
				coap({ coapPskIdentity: "lamp", coapPsk });
				throw new Error("accepted");
			} catch (error) {
				check(error).toBeInstanceOf(ConfigError);
				check(String((error as Error).message)).not.toContain("a1b2c3");
			}
		}
	});
});

describe("coaps retained state", () => {
	const vocabulary = sleepyVocabulary(parseConfig({ protocol: "coap", mode: "sleepy", collector: "coap://c/x" }, HOST));
	it("keeps the DTLS session across deep sleep, and reads a state without one", () => {
		const sessionId = new Uint8Array(32).fill(7);
		const masterSecret = new Uint8Array(48).fill(9);
		const bytes = encodeCoapState({ messageId: 5, tokenCounter: 6, pending: [], session: { sessionId, masterSecret } }, vocabulary);
		check(bytes.length).toBe(6 + 1 + 32 + 48);
		const back = decodeCoapState(bytes, vocabulary);
		check(toHex(back.session?.sessionId ?? new Uint8Array(0))).toBe(toHex(sessionId));
		check(toHex(back.session?.masterSecret ?? new Uint8Array(0))).toBe(toHex(masterSecret));
		check(decodeCoapState(encodeCoapState({ messageId: 5, tokenCounter: 6, pending: [] }, vocabulary), vocabulary).session).toBeUndefined();
		// A session cut short is malformed, not a shorter secret.
		let error: unknown;
		try {
			decodeCoapState(bytes.subarray(0, bytes.length - 1), vocabulary);
		} catch (e) {
			error = e;
		}
		check((error as { code?: string }).code).toBe("MALFORMED_PACKET");
	});
});
