/**
 * Stands in for moddable/stream in images without MQTT (the ESP8266's MQTT-SN and CoAP
 * images: their protocols run over UDP alone): TCP, TLS and WebSocket links, the write
 * queue and the SDK's TCP socket stay out of the image, a few KB of its 1 MB code
 * region. Nothing there opens a stream (src/stream/driver.ts, MQTT's only, is not in
 * the image either), so this is never called; if it were, it fails the way an image
 * without TLS refuses mqtts, naming the key.
 */
import type { Stream } from "../../src/common/board";
import { ConfigError } from "common/errors";

// The links' types, which the other stubs (no-tls.ts, no-websocket.ts) name through this module.
export type { Link, LinkHandlers, TlsLinkOptions, WebSocketLinkOptions } from "./stream";

export function connectStream(): Stream {
	throw new ConfigError("protocol", "mqttsn or coap (this image has no TCP streams: build with manifest.json for MQTT)");
}
