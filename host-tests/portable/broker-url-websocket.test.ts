/**
 * ws:// and wss:// broker URIs (MQTT over WebSocket): default ports and path, the
 * subprotocol, the message cap from maxPacketSize, TLS for wss, and what is refused.
 */
import { parseConfig } from "../../src/app/firmware";
import { parseBrokerUrl } from "../../src/app/config-mqtt";
import { expectConfigError } from "./errors";
import { check, describe, it } from "./test-api";

describe("broker URI: MQTT over WebSocket", () => {
	it("ws:// defaults to port 80 and path /mqtt, with subprotocol mqtt and no TLS", () => {
		check(parseBrokerUrl("ws://broker.local")).toEqual({ host: "broker.local", port: 80, tls: undefined, websocket: { path: "/mqtt", protocol: "mqtt", maxMessage: 8192 } });
	});

	it("wss:// defaults to port 443, is TLS with the CA given, and keeps a path and query as written", () => {
		check(parseBrokerUrl("wss://broker.local:8443/ws?x=1", "ca.der", "broker", 1024)).toEqual({
			host: "broker.local",
			port: 8443,
			tls: { ca: "ca.der" },
			websocket: { path: "/ws?x=1", protocol: "mqtt", maxMessage: 1024 },
		});
	});

	it("caps WebSocket messages at the configured maxPacketSize", () => {
		const config = parseConfig({ broker: "ws://10.0.0.2:9001/", maxPacketSize: 2048 }, { wifi: false });
		check(config.protocol === "mqtt" && config.mqtt.broker.websocket).toEqual({ path: "/", protocol: "mqtt", maxMessage: 2048 });
	});

	it("refuses a path that could break the request line, a fragment, and a path on mqtt://", () => {
		for (const broker of ["ws://host/a b", "ws://host/a\r\nX: y", "wss://host/mqtt#frag", "ws://host?q", "ws://host:0", "mqtt://host/mqtt", "wss://"])
			check(expectConfigError(() => parseConfig({ broker }, { wifi: false }), "broker").message).toContain("ws://host[:port][/path]");
	});

	it("takes brokerCa, brokerCert and brokerKey with wss:// as with mqtts://", () => {
		const config = parseConfig({ broker: "wss://broker.local", brokerCa: "ca.der", brokerCert: "client.der", brokerKey: "client.key" }, { wifi: false });
		check(config.protocol === "mqtt" && config.mqtt.broker.tls).toEqual({ ca: "ca.der", cert: "client.der", key: "client.key" });
		expectConfigError(() => parseConfig({ broker: "ws://broker.local", brokerCa: "ca.der" }, { wifi: false }), "brokerCa");
	});
});
