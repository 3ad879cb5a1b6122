/**
 * Stands in for moddable/crypto in the ESP8266's images without DTLS (manifest.json,
 * manifest_tls.json): only coaps uses the board's AES and SHA-256, and leaving them out
 * leaves out the SDK's crypt natives too. manifests/dtls.json maps the real crypto.ts in
 * this file's place; an image without DTLS refuses coaps at start (app/uplink.ts).
 */
import type { Crypto } from "../../src/common/board";

export const moddableCrypto: Crypto | undefined = undefined;
