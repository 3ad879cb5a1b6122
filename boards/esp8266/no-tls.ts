/**
 * Stands in for `embedded:io/socket/tcp/tls` in the ESP8266's default image, which leaves
 * TLS out: the SDK's TLS stack (ssl, x509, bigint arithmetic, ciphers) is about a sixth of
 * the 1 MB code region, and its handshake needs more than the 32 KB XS heap leaves free.
 * `mcconfig ... manifest_tls.json` builds the image with it. main.ts sees `unavailable` and
 * refuses an mqtts:// broker at start, naming the key.
 */
export default class TLSSocket {
	static readonly unavailable = true;

	constructor() {
		throw new Error("this image has no TLS");
	}
}
