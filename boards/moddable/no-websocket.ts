/**
 * Stands in for moddable/ws-link in images that leave MQTT over WebSocket out (the
 * ESP8266's: its flash is nearly full, and the SDK's WebSocket client with the logical
 * module is a few KB more). A ws:// or wss:// broker there ends each connection attempt
 * with this ConfigError, naming the key.
 */
import { ConfigError } from "common/errors";
import type { Link, LinkHandlers, WebSocketLinkOptions } from "moddable/link";

export const websocketAvailable = false;

export function openWebSocketLink(_options: WebSocketLinkOptions, _handlers: LinkHandlers): Link {
	throw new ConfigError("broker", "mqtt:// (this image has no WebSocket client: include manifests/websocket.json for ws:// and wss://)");
}
