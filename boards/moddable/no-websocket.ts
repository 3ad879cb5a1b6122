/**
 * Stands in for moddable/ws-link in images that leave MQTT over WebSocket out (the
 * ESP8266's: its flash is nearly full, and the SDK's WebSocket client with the logical
 * module is a few KB more). main.ts sees `websocketAvailable` and refuses a ws:// or wss://
 * broker at start, naming the key, so nothing opens a link here.
 */
import { ConfigError } from "common/errors";
import type { Link, LinkHandlers, WebSocketLinkOptions } from "moddable/stream";

export const websocketAvailable = false;

export function openWebSocketLink(_options: WebSocketLinkOptions, _handlers: LinkHandlers): Link {
	throw new ConfigError("broker", "mqtt:// (this image has no WebSocket client: include manifests/websocket.json for ws:// and wss://)");
}
