/**
 * Only MQTT runs over TCP. An image without it carries no stream driver (src/stream) on
 * any platform, and on the ESP8266, whose 1 MB code region is the tight one, no TCP, TLS or
 * WebSocket link either: moddable/stream is no-stream.ts there. Checked on the module
 * maps mcconfig would build from the manifests.
 */
import { describe, expect, it } from "vitest";
import { IMAGES, projectModules, readManifest } from "./manifest-modules";

/** The images with MQTT, on every platform they build for (manifest.json: all protocols off the ESP8266). */
const WITH_MQTT = new Set<string>(["manifest.json", "manifest_tls.json"]);

describe.each(IMAGES)("%s: streams", (image) => {
	const mqtt = WITH_MQTT.has(image);
	it.each(["esp", "esp32", "lin"])("on %s, the stream driver only with MQTT", (platform) => {
		const modules = projectModules(readManifest(image), platform);
		expect(modules.has("mqtt/client")).toBe(mqtt);
		expect(modules.get("stream/driver")).toBe(mqtt ? "src/stream/driver.ts" : undefined);
	});
	it("on esp, the board's TCP links only with MQTT", () => {
		const modules = projectModules(readManifest(image), "esp");
		expect(modules.get("moddable/stream")).toBe(mqtt ? "boards/moddable/stream.ts" : "boards/moddable/no-stream.ts");
	});
});
