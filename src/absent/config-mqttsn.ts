/**
 * Stands in for app/config-mqttsn in an image without MQTT-SN (manifest_tls.json maps it
 * there), so the config parser compiles without importing the protocol's modules. Naming
 * the protocol is then a ConfigError, as for any value the image cannot take. Exports
 * the same values as the real module (host-tests/static/module-map.test.ts checks it).
 */
import { ConfigError } from "../common/errors";
import type * as real from "../app/config-mqttsn";

export type { MqttSnConfig } from "../app/config-mqttsn";

export const parseMqttSnConfig: typeof real.parseMqttSnConfig = () => {
	throw new ConfigError("protocol", "mqtt: this image has no MQTT-SN (build it with manifest.json)");
};

export const parseUdpUrl: typeof real.parseUdpUrl = (_url, key) => {
	throw new ConfigError(key, "no udp:// address: this image has no MQTT-SN");
};

export const checkConnectionless: typeof real.checkConnectionless = () => undefined;
