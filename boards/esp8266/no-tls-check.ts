/**
 * Stands in for moddable/tls-check in the ESP8266's default image, which has no TLS
 * (no-tls.ts): the certificate check and the SDK crypto it runs on stay out of flash.
 * main.ts refuses an mqtts:// broker at start there, so nothing constructs this.
 */
import type { TlsOptions } from "../../src/common/board";

export class TlsCheck {
	constructor(_tls: TlsOptions, _host: string) {
		throw new Error("this image has no TLS");
	}
}
