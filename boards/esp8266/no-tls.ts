/**
 * Stands in for moddable/tls-link in the ESP8266's default image, which leaves TLS out:
 * the SDK's TLS stack (ssl, x509, bigint arithmetic, ciphers) and the firmware's own
 * certificate check are about a sixth of the 1 MB code region, and a handshake needs more
 * than the 32 KB XS heap leaves free. `mcconfig ... manifest_tls.json` builds the image
 * with them. main.ts sees `tlsAvailable` and refuses an mqtts:// broker at start, naming
 * the key, so nothing opens a link here.
 */
import { ConfigError } from "common/errors";
import type { Link, LinkHandlers, TlsLinkOptions } from "moddable/stream";

export const tlsAvailable = false;

export function openTlsLink(_options: TlsLinkOptions, _handlers: LinkHandlers): Link {
	throw new ConfigError("broker", "mqtt:// (this image has no TLS: build with manifest_tls.json for mqtts://)");
}
