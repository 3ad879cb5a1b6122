/**
 * Alerts (RFC 5246 7.2) the DTLS layer sends and understands, and the typed error a fatal
 * one (sent or received) ends a connection with. No message ever carries key material or
 * an identity: the alert's name is the detail. Levels and descriptions are `const enum`s:
 * the firmware's compiler writes each use as its number (see mqttsn/packet.ts).
 */
import { ProtocolError } from "../common/errors";

export const enum AlertLevel {
	WARNING = 1,
	FATAL = 2,
}

export const enum AlertDescription {
	CLOSE_NOTIFY = 0,
	UNEXPECTED_MESSAGE = 10,
	BAD_RECORD_MAC = 20,
	HANDSHAKE_FAILURE = 40,
	ILLEGAL_PARAMETER = 47,
	DECODE_ERROR = 50,
	DECRYPT_ERROR = 51,
	NO_RENEGOTIATION = 100,
	UNKNOWN_PSK_IDENTITY = 115,
}

const NAMES: Readonly<Record<number, string>> = {
	0: "close_notify",
	10: "unexpected_message",
	20: "bad_record_mac",
	40: "handshake_failure",
	47: "illegal_parameter",
	50: "decode_error",
	51: "decrypt_error",
	80: "internal_error",
	100: "no_renegotiation",
	115: "unknown_psk_identity",
};

export function alertName(description: number): string {
	return NAMES[description] ?? `alert ${description}`;
}

/**
 * The error a connection ends with: TLS_HANDSHAKE_FAILED before it was established,
 * CONNECTION_LOST after; `detail` names the alert ("decrypt_error", "received bad_record_mac").
 */
export function alertError(established: boolean, message: string, detail: string): ProtocolError {
	return new ProtocolError(established ? "CONNECTION_LOST" : "TLS_HANDSHAKE_FAILED", `DTLS: ${message}`, detail);
}
