/**
 * Stands in for app/config-coap in an image without CoAP (manifest_tls.json maps it
 * there), so the config parser compiles without importing the protocol's modules. Naming
 * the protocol is then a ConfigError. Exports the same values as the real module
 * (host-tests/static/module-map.test.ts checks it).
 */
import { ConfigError } from "../common/errors";
import type * as real from "../app/config-coap";

export type { CoapConfig } from "../app/config-coap";

export const parseCoapConfig: typeof real.parseCoapConfig = () => {
	throw new ConfigError("protocol", "mqtt: this image has no CoAP (build it with manifest.json)");
};
