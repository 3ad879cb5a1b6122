/**
 * Alerts (RFC 5246 7.2) the DTLS layer sends and understands, and the typed error a fatal
 * one (sent or received) ends a connection with. No message ever carries key material or
 * an identity: the alert's name is the detail.
 */
import { ProtocolError } from "../common/errors";

export const WARNING = 1;
export const FATAL = 2;

export const CLOSE_NOTIFY = 0;
export const UNEXPECTED_MESSAGE = 10;
export const BAD_RECORD_MAC = 20;
export const HANDSHAKE_FAILURE = 40;
export const ILLEGAL_PARAMETER = 47;
export const DECODE_ERROR = 50;
export const DECRYPT_ERROR = 51;
export const INTERNAL_ERROR = 80;
export const NO_RENEGOTIATION = 100;
export const UNKNOWN_PSK_IDENTITY = 115;

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

export function alertBytes(level: number, description: number): Uint8Array {
	const bytes = new Uint8Array(2);
	bytes[0] = level;
	bytes[1] = description;
	return bytes;
}

/**
 * The error a connection ends with: TLS_HANDSHAKE_FAILED before it was established,
 * CONNECTION_LOST after; `detail` names the alert ("decrypt_error", "received bad_record_mac").
 */
export function alertError(established: boolean, message: string, detail: string): ProtocolError {
	return new ProtocolError(established ? "CONNECTION_LOST" : "TLS_HANDSHAKE_FAILED", `DTLS: ${message}`, detail);
}
