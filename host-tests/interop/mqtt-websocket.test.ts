/**
 * The firmware over MQTT over WebSocket (ws://, wss://) against aedes served by the `ws`
 * package in-process: the lamp end to end, QoS 1 both ways, a ping answered, the broker
 * dropping the socket (reconnect, resubscribe), a message over maxPacketSize, a text
 * frame, a refused upgrade, and wss verified as mqtts is. aedes's `ws` server refuses
 * unmasked client frames, so every exchange here also shows the client masks.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostBoard } from "../../boards/host/board";
import { parseBrokerUrl } from "../../src/app/config-mqtt";
import { MqttClient } from "../../src/mqtt/client";
import type { PublishPacket } from "../../src/mqtt/packet";
import { decodeUtf8 } from "../../src/common/utf8";
import { startAedesOverWebSocket, type AedesWebSocket } from "../../testkit/peers/aedes-websocket";
import { makeCertificates, makeClientCertificates, type Certificates } from "../../testkit/peers/certs";
import { freeTcpPort } from "../../testkit/peers/ports";
import { waitFor } from "../../testkit/wait-for";
import { FirmwareUnderTest, Observer } from "./harness";

let broker: AedesWebSocket;
beforeAll(async () => {
	broker = await startAedesOverWebSocket();
});
afterAll(async () => {
	await broker.close();
});

describe("MQTT over WebSocket: aedes over ws", () => {
	it("switches the lamp from a command in and publishes its state out, answering the broker's ping", async () => {
		const firmware = new FirmwareUnderTest({ broker: broker.url, lampTopic: "ws/lamp", lampPin: 6, reconnectBase: 50 });
		const connected = await firmware.waitFor("connected");
		// The event names the broker as configured: scheme, host, port and the WebSocket path.
		expect(connected.broker).toBe(broker.url.endsWith("/mqtt") ? broker.url : `${broker.url}/mqtt`);
		const observer = await Observer.connect(broker.tcpUrl);
		await observer.subscribe("ws/lamp/state");
		await observer.client.publishAsync("ws/lamp", "on", { qos: 1 });
		await observer.waitFor("ws/lamp/state", "on");
		expect(firmware.pin(6)).toBe(1);
		const [socket] = broker.sockets;
		expect(socket.protocol).toBe("mqtt");
		let ponged = false;
		socket.once("pong", () => (ponged = true));
		socket.ping();
		await waitFor(() => ponged, { what: "a pong from the firmware" });
		await firmware.app.stop();
		await observer.close();
		expect(firmware.events.filter((e) => e.event === "error")).toEqual([]);
	});

	it("carries QoS 1 both ways: publish acknowledged, subscription delivered", async () => {
		const got: PublishPacket[] = [];
		let online = false;
		const client = new MqttClient(new HostBoard({ log: () => undefined }), {
			broker: parseBrokerUrl(broker.url),
			clientId: "ws-qos1",
			cleanSession: true,
			keepAlive: 30,
			onConnect: () => (online = true),
			onMessage: (m) => got.push(m),
		});
		const subscribed = client.subscribe([{ topic: "ws/in", qos: 1 }]);
		client.start();
		await waitFor(() => online, { what: "connected over ws" });
		expect(await subscribed).toEqual([1]);
		const observer = await Observer.connect(broker.tcpUrl);
		await observer.subscribe("ws/out", 1);
		await Promise.all(Array.from({ length: 20 }, (_, i) => client.publish("ws/out", `out ${i}`, { qos: 1 })));
		await Promise.all(Array.from({ length: 20 }, (_, i) => observer.client.publishAsync("ws/in", `in ${i}`, { qos: 1 })));
		await waitFor(() => got.length === 20 && observer.received.length === 20, { what: `20 each way (in ${got.length}, out ${observer.received.length})` });
		expect(got.every((m) => m.qos === 1)).toBe(true);
		expect(got.map((m) => decodeUtf8(m.payload)).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `in ${i}`).sort());
		expect(observer.received.every((r) => r.qos === 1)).toBe(true);
		client.stop();
		await observer.close();
	});

	it("reconnects with backoff when the broker drops the socket, and resubscribes", async () => {
		const observer = await Observer.connect(broker.tcpUrl);
		await observer.subscribe("dropped/lamp/status");
		const firmware = new FirmwareUnderTest({ broker: broker.url, lampTopic: "dropped/lamp", clientId: "ws-dropped", reconnectBase: 100, reconnectCap: 400 });
		await observer.waitFor("dropped/lamp/status", "online");
		broker.dropAll();
		await firmware.waitFor("disconnected");
		await observer.waitFor("dropped/lamp/status", "offline");
		await firmware.waitFor("connected", 2);
		await observer.client.publishAsync("dropped/lamp", "on", { qos: 1 });
		await waitFor(() => firmware.pin(2) === 1, { what: "lamp switched after the reconnect" });
		await firmware.app.stop();
		await observer.close();
	});

	it("ends the link with PACKET_TOO_LARGE on a message over maxPacketSize, and PROTOCOL_VIOLATION on a text frame", async () => {
		const firmware = new FirmwareUnderTest({ broker: broker.url, lampTopic: "big/lamp", maxPacketSize: 256, reconnectBase: 50, reconnectCap: 100 });
		await firmware.waitFor("connected");
		broker.sendRaw(new Uint8Array(257));
		const tooLarge = await firmware.waitFor("error");
		expect(tooLarge.code).toBe("PACKET_TOO_LARGE");
		await firmware.waitFor("connected", 2);
		broker.sendRaw(new TextEncoder().encode("hello"), false);
		const text = await firmware.waitFor("error", 2);
		expect(text.code).toBe("PROTOCOL_VIOLATION");
		await firmware.waitFor("connected", 3);
		await firmware.app.stop();
	});

	it("is WEBSOCKET_HANDSHAKE_FAILED on another path or with no subprotocol, CONNECT_FAILED with nothing listening", async () => {
		const wrongPath = new FirmwareUnderTest({ broker: broker.url.replace("/mqtt", "/other"), reconnectBase: 5000 });
		expect((await wrongPath.waitFor("error")).code).toBe("WEBSOCKET_HANDSHAKE_FAILED");
		await wrongPath.app.stop();

		const mute = await startAedesOverWebSocket({ noSubprotocol: true });
		const noProtocol = new FirmwareUnderTest({ broker: mute.url, reconnectBase: 5000 });
		const refused = await noProtocol.waitFor("error");
		expect(refused.code).toBe("WEBSOCKET_HANDSHAKE_FAILED");
		expect(String(refused.message)).toContain("subprotocol");
		await noProtocol.app.stop();
		await mute.close();

		const nobody = new FirmwareUnderTest({ broker: `ws://127.0.0.1:${await freeTcpPort()}/mqtt`, reconnectBase: 5000 });
		expect((await nobody.waitFor("error")).code).toBe("CONNECT_FAILED");
		await nobody.app.stop();
	});
});

describe("MQTT over WebSocket over TLS: aedes over wss", () => {
	let certs: Certificates;
	let secure: AedesWebSocket;
	beforeAll(async () => {
		certs = makeCertificates();
		secure = await startAedesOverWebSocket({ tls: certs });
	});
	afterAll(async () => {
		await secure.close();
	});

	it("switches the lamp over wss:// with the right CA", async () => {
		const firmware = new FirmwareUnderTest({ broker: secure.url, brokerCa: certs.ca, lampTopic: "wss/lamp" });
		await firmware.waitFor("connected");
		const observer = await Observer.connect(secure.tcpUrl);
		await observer.subscribe("wss/lamp/state");
		await observer.client.publishAsync("wss/lamp", "on", { qos: 1 });
		await observer.waitFor("wss/lamp/state", "on");
		await firmware.app.stop();
		await observer.close();
	});

	it("refuses a certificate from another CA, and one for another name, as mqtts does", async () => {
		const otherCa = new FirmwareUnderTest({ broker: secure.url, brokerCa: certs.otherCa, reconnectBase: 5000 });
		expect((await otherCa.waitFor("error")).code).toBe("TLS_CERTIFICATE_REJECTED");
		expect(otherCa.count("connected")).toBe(0);
		await otherCa.app.stop();
		const otherName = new FirmwareUnderTest({ broker: secure.url.replace("localhost", "127.0.0.1"), brokerCa: certs.ca, reconnectBase: 5000 });
		const error = await otherName.waitFor("error");
		expect(error.code).toBe("TLS_CERTIFICATE_REJECTED");
		expect(String(error.message)).toMatch(/IP: 127\.0\.0\.1 is not in the cert's list/);
		await otherName.app.stop();
	});
});

describe("MQTT over WebSocket over TLS with a client certificate", () => {
	it("connects with a certificate from the CA the server asks for, and is refused with one from another", async () => {
		const certs = makeCertificates();
		const client = makeClientCertificates(certs);
		const secure = await startAedesOverWebSocket({ tls: certs, clientCa: certs.ca });
		const firmware = new FirmwareUnderTest({ broker: secure.url, brokerCa: certs.ca, brokerCert: client.cert, brokerKey: client.key, lampTopic: "wss-cert/lamp" });
		await firmware.waitFor("connected");
		await firmware.app.stop();
		const stranger = new FirmwareUnderTest({ broker: secure.url, brokerCa: certs.ca, brokerCert: client.otherCert, brokerKey: client.otherKey, reconnectBase: 5000 });
		// Node's TLS server checks the client's chain after its handshake and drops the socket
		// without an alert (mosquitto sends unknown_ca: tls-client-certificate.test.ts).
		const refused = await stranger.waitFor("error");
		expect(refused).toMatchObject({ code: "TLS_HANDSHAKE_FAILED", detail: "ECONNRESET" });
		expect(stranger.count("connected")).toBe(0);
		await stranger.app.stop();
		await secure.close();
		for (const key of [client.key, client.otherKey]) for (const line of key.split("\n").slice(1, -2)) expect(JSON.stringify([firmware.events, stranger.events])).not.toContain(line);
	});
});
