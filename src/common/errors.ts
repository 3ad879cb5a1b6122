/**
 * The firmware's typed errors. Every failure that crosses a module boundary is one of
 * these, so callers switch on `code` instead of parsing messages.
 */

/** What went wrong on the wire or with a peer. */
export type ProtocolErrorCode =
	| "MALFORMED_PACKET" // bytes that do not follow the protocol's format
	| "PACKET_TOO_LARGE" // a packet over the configured maximum size
	| "PROTOCOL_VIOLATION" // well-formed, but not allowed here (wrong direction, wrong state)
	| "INVALID_TOPIC" // a topic name or filter the protocol does not allow
	| "INVALID_URI" // a URI the protocol cannot use (another scheme, a bad port or % escape)
	| "CONNECTION_REFUSED" // the peer answered the connect request with a refusal
	| "SUBSCRIPTION_REFUSED" // the peer refused a subscription
	| "PUBLISH_REFUSED" // the MQTT 5 server acknowledged a message with a failure reason code (detail: the code and its Reason String)
	| "DISCONNECTED" // the MQTT 5 server sent DISCONNECT (detail: its reason code and Reason String)
	| "KEEP_ALIVE_TIMEOUT" // nothing arrived from the peer in time
	| "WRITE_STALLED" // the peer stopped reading: bytes for it piled up unwritten past the cap or the deadline
	| "CONNECT_TIMEOUT" // the peer never answered the connect request
	| "QUEUE_FULL" // more queued messages than configured
	| "TABLE_FULL" // a peer filled a table past its configured cap (the link is closed)
	| "CONNECTION_LOST" // the transport closed under a request, or the connection broke
	| "CONNECT_FAILED" // no connection to the peer: the name did not resolve, the port refused, the network is down
	| "TLS_CERTIFICATE_REJECTED" // the server's certificate failed verification (unknown CA, other host name, expired)
	| "TLS_HANDSHAKE_FAILED" // the TLS handshake failed for another reason (no common version or cipher, an alert, a closed socket)
	| "TLS_CLIENT_CERTIFICATE_REFUSED" // the server refused our client certificate, or wanted one and got none (its alert as the detail)
	| "WEBSOCKET_HANDSHAKE_FAILED" // the server did not upgrade to WebSocket: another HTTP status, no or another subprotocol
	| "CLOSED" // the client was stopped
	| "BIND_FAILED" // a local socket could not be bound (the port is taken or not allowed)
	| "UNKNOWN_PACKET_TYPE" // a message type the protocol reserves (MQTT-SN MsgType)
	| "GATEWAY_LOST" // the MQTT-SN gateway stopped answering (retries exhausted, ADVERTISEs missed)
	| "REJECTED_CONGESTION" // the MQTT-SN gateway kept answering "rejected: congestion"
	| "REJECTED_INVALID_TOPIC_ID" // the MQTT-SN gateway does not know a predefined or short topic
	| "REJECTED_NOT_SUPPORTED" // the MQTT-SN gateway answered "rejected: not supported"
	| "SENSOR_NO_RESPONSE" // a sensor (DHT22) did not answer its start signal
	| "SENSOR_TOO_FEW_EDGES" // a sensor frame ended before all its bits (a missed or merged pulse)
	| "SENSOR_TOO_MANY_EDGES" // a sensor frame had more bits than the format (noise on the line)
	| "SENSOR_BAD_PULSE" // a sensor pulse outside the datasheet's timing
	| "SENSOR_CHECKSUM" // a sensor frame whose checksum byte does not match its data
	| "SENSOR_OUT_OF_RANGE" // a sensor value outside what the part can measure
	| "RATE_LIMITED" // a CoAP send without response would go over PROBING_RATE (RFC 7252 4.7): sent later, or not at all
	| "EXCHANGE_TIMEOUT" // a CoAP request got no acknowledgement or response in time (MAX_TRANSMIT_WAIT)
	| "RETAINED_TOO_LARGE" // the state to keep across deep sleep is over the board's retained memory
	| "RESET_BY_PEER"; // the CoAP peer answered a message with a Reset

export class ProtocolError extends Error {
	// `declare`d and set in the constructor: class fields cost XS bytecode (and would give every error an own `detail`).
	declare readonly code: ProtocolErrorCode;
	/** What the platform said, when it said something (Node's "ECONNRESET", the TLS stack's alert): never a secret. */
	declare readonly detail?: string;
	constructor(code: ProtocolErrorCode, message: string, detail?: string) {
		super(message);
		this.code = code;
		if (detail !== void 0) this.detail = detail;
	}
}

/**
 * A configuration value that cannot be used. The message names the key and the form
 * expected, never the value itself: the value may be a password.
 */
export class ConfigError extends Error {
	declare readonly key: string;
	declare readonly expected: string;
	constructor(key: string, expected: string) {
		super('config "' + key + '": expected ' + expected);
		this.key = key;
		this.expected = expected;
	}
}

/**
 * An error as flat log fields: its code (a ProtocolError's code, a ConfigError's key, or
 * the class name of anything else), its message and any platform detail.
 */
export function errorFields(error: unknown): { code: string; message: string; detail?: string } {
	if (error instanceof ProtocolError) {
		const fields: { code: string; message: string; detail?: string } = { code: error.code, message: error.message };
		if (error.detail !== void 0) fields.detail = error.detail;
		return fields;
	}
	if (error instanceof ConfigError) return { code: "CONFIG", message: error.message };
	if (error instanceof Error) return { code: error.name, message: error.message };
	return { code: "UNKNOWN", message: String(error) };
}

/** The message of whatever was thrown, for a detail field (a board's socket errors: the SDK's messages carry no secrets). */
export function thrownText(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

// `name` lives on each prototype, defined once. Assigning `this.name` in a constructor
// would hit Error.prototype's `name`, which Moddable's preload freezes: in strict code that
// assignment throws (the override mistake), so every typed error would become a TypeError.
Object.defineProperty(ProtocolError.prototype, "name", { value: "ProtocolError" });
Object.defineProperty(ConfigError.prototype, "name", { value: "ConfigError" });
