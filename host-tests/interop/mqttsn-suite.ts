/**
 * The MQTT-SN chain end to end over real UDP on 127.0.0.1: our firmware client -> the host
 * gateway (tools/mqttsn-gateway) -> a broker, checked by an ordinary MQTT subscriber. One
 * body, run against aedes in-process and against mosquitto by the two test files.
 */
import dgram from "node:dgram";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { HostBoard } from "../../boards/host/board";
import type { Datagram, DatagramOptions } from "../../src/common/board";
import { decodeUtf8, encodeUtf8 } from "../../src/common/utf8";
import { MqttSnClient, type MqttSnClientOptions } from "../../src/mqttsn/client";
import { decode } from "../../src/mqttsn/encode";
import { encode } from "../../testkit/portable/mqttsn-encode";
import * as sn from "../../src/mqttsn/packet";
import type { ReceivedMessage } from "../../src/mqttsn/session";
import { decodeSessionState } from "../../src/mqttsn/state";
import { readGatewayConfig } from "../../tools/mqttsn-gateway/config";
import { MqttSnGateway, type GatewayOptions } from "../../tools/mqttsn-gateway/gateway";
import { freeUdpPort } from "../../testkit/peers/ports";
import { FirmwareUnderTest, Observer, retained } from "./harness";
import { letTimePass, waitFor } from "../../testkit/wait-for";

/** A firmware MQTT-SN client on the host board, recording what it sends and receives. */
export class SnClientUnderTest {
	readonly board = new HostBoard({ log: () => undefined });
	readonly received: ReceivedMessage[] = [];
	/** Message types the client sent, in order. */
	readonly sent: number[] = [];
	readonly client: MqttSnClient;
	connected = 0;
	#poweredOff = false;

	constructor(options: Omit<MqttSnClientOptions, "onMessage" | "onConnect">) {
		const open = this.board.openDatagram.bind(this.board);
		this.board.openDatagram = (datagramOptions: DatagramOptions): Datagram => {
			const datagram = open(datagramOptions);
			return {
				get port() {
					return datagram.port;
				},
				send: (bytes, address, port) => {
					if (this.#poweredOff) return;
					this.sent.push(decode(bytes).type);
					datagram.send(bytes, address, port);
				},
				close: () => datagram.close(),
			};
		};
		this.client = new MqttSnClient(this.board, {
			...options,
			onMessage: (message) => this.received.push(message),
			onConnect: () => this.connected++,
		});
		this.client.start();
		clients.push(this.client);
	}

	/** Deep sleep or a dead battery: the device goes quiet, sending nothing more (no DISCONNECT). */
	powerOff(): void {
		this.#poweredOff = true;
		this.client.stop();
	}

	waitConnected(n = 1): Promise<boolean> {
		return waitFor(() => this.connected >= n, { what: `MQTT-SN CONNACK #${n}` });
	}

	waitMessage(topic: string, payload: string): Promise<ReceivedMessage> {
		return waitFor(() => this.received.find((m) => m.topic === topic && decodeUtf8(m.payload) === payload), { what: `"${payload}" on ${topic} at the client` });
	}
}

const clients: MqttSnClient[] = [];
const gateways: MqttSnGateway[] = [];
const observers: Observer[] = [];

async function startGateway(broker: string, options: Partial<GatewayOptions> = {}): Promise<MqttSnGateway> {
	const gateway = await MqttSnGateway.start({ broker, tRetry: 500, nRetry: 3, ...options });
	gateways.push(gateway);
	return gateway;
}

async function observe(url: string, filter: string, qos: 0 | 1 | 2 = 2): Promise<Observer> {
	const observer = await Observer.connect(url);
	await observer.subscribe(filter, qos);
	observers.push(observer);
	return observer;
}

const at = (gateway: MqttSnGateway) => ({ host: "127.0.0.1", port: gateway.port });
const fast = { cleanSession: true, keepAlive: 30, tRetry: 300, nRetry: 3, reconnectBase: 50, reconnectCap: 200 } as const;

/** Registers the suite's tests; `url` gives the broker's mqtt:// address once it runs. */
export function mqttSnGatewaySuite(url: () => string, prefix: string): void {
	afterEach(async () => {
		for (const client of clients.splice(0)) client.stop();
		for (const observer of observers.splice(0)) await observer.close();
		for (const gateway of gateways.splice(0)) await gateway.close();
	});

	it("runs the lamp over MQTT-SN: will prompts, registrations, retained state, switching", async () => {
		const gateway = await startGateway(url());
		const lamp = `${prefix}/sn/lamp`;
		const firmware = new FirmwareUnderTest({ protocol: "mqttsn", gateway: `udp://127.0.0.1:${gateway.port}`, lampTopic: lamp, lampPin: 4, clientId: `${prefix}-lamp`, tRetry: 300 });
		await firmware.waitFor("connected");
		const observer = await observe(url(), `${lamp}/state`);
		await observer.waitFor(`${lamp}/state`, "off");
		await observer.client.publishAsync(lamp, "on", { qos: 1 });
		await observer.waitFor(`${lamp}/state`, "on");
		expect(firmware.pin(4)).toBe(1);
		expect((await retained(url(), `${lamp}/status`, 1)).get(`${lamp}/status`)).toBe("online");
		await firmware.app.stop();
	});

	it("publishes QoS 0, 1 and 2 from the client; QoS 2 exactly once", async () => {
		const gateway = await startGateway(url());
		const observer = await observe(url(), `${prefix}/up/#`);
		const sensor = new SnClientUnderTest({ ...fast, clientId: `${prefix}-up`, gateway: at(gateway) });
		await sensor.waitConnected();
		for (const qos of [0, 1, 2] as const) await sensor.client.publish(`${prefix}/up/q${qos}`, `hello ${qos}`, { qos });
		for (const qos of [0, 1, 2]) await observer.waitFor(`${prefix}/up/q${qos}`, `hello ${qos}`);
		await letTimePass(200); // the window in which a second copy of the QoS 2 message would show
		expect(observer.on(`${prefix}/up/q2`)).toHaveLength(1);
		expect(sensor.sent.filter((type) => type === sn.MsgType.REGISTER)).toHaveLength(3);
	});

	it("delivers QoS 0, 1 and 2 to the client, by name and by wildcard, and stops after UNSUBSCRIBE", async () => {
		const gateway = await startGateway(url());
		const lamp = new SnClientUnderTest({ ...fast, clientId: `${prefix}-down`, gateway: at(gateway) });
		await lamp.waitConnected();
		expect(await lamp.client.subscribe(`${prefix}/down/exact`, 2)).toBe(2);
		expect(await lamp.client.subscribe(`${prefix}/wild/+/x`, 1)).toBe(1);
		const publisher = await observe(url(), `${prefix}/none`);
		for (const qos of [0, 1, 2] as const) await publisher.client.publishAsync(`${prefix}/down/exact`, `down ${qos}`, { qos });
		await publisher.client.publishAsync(`${prefix}/wild/a/x`, "a", { qos: 1 });
		await publisher.client.publishAsync(`${prefix}/wild/b/x`, "b", { qos: 1 });
		await publisher.client.publishAsync(`${prefix}/wild/b/y`, "no", { qos: 1 });
		for (const qos of [0, 1, 2]) await lamp.waitMessage(`${prefix}/down/exact`, `down ${qos}`);
		await lamp.waitMessage(`${prefix}/wild/a/x`, "a");
		await lamp.waitMessage(`${prefix}/wild/b/x`, "b");
		expect(lamp.received.find((m) => m.qos === 2)?.topic).toBe(`${prefix}/down/exact`);
		await lamp.client.unsubscribe(`${prefix}/down/exact`);
		await publisher.client.publishAsync(`${prefix}/down/exact`, "gone", { qos: 1 });
		await publisher.client.publishAsync(`${prefix}/wild/c/x`, "c", { qos: 1 });
		await lamp.waitMessage(`${prefix}/wild/c/x`, "c");
		expect(lamp.received.map((m) => decodeUtf8(m.payload))).not.toContain("gone");
		expect(lamp.received.map((m) => decodeUtf8(m.payload))).not.toContain("no");
	});

	it("publishes the will when the gateway loses the client, not when it disconnects", async () => {
		const gateway = await startGateway(url());
		const observer = await observe(url(), `${prefix}/will/#`);
		const will = { topic: `${prefix}/will/status`, payload: encodeUtf8("gone"), qos: 1 as const, retain: false };
		const polite = new SnClientUnderTest({ ...fast, clientId: `${prefix}-polite`, gateway: at(gateway), will: { ...will, topic: `${prefix}/will/polite` } });
		const lost = new SnClientUnderTest({ ...fast, clientId: `${prefix}-lost`, gateway: at(gateway), will });
		await polite.waitConnected();
		await lost.waitConnected();
		expect(lost.sent).toContain(sn.MsgType.WILLTOPIC);
		expect(lost.sent).toContain(sn.MsgType.WILLMSG);
		polite.client.stop();
		await waitFor(() => gateway.client(`${prefix}-polite`) === undefined, { what: "the polite client gone" });
		gateway.client(`${prefix}-lost`)?.lose("keep-alive ran out (simulated)");
		await observer.waitFor(`${prefix}/will/status`, "gone");
		await letTimePass(200); // the window in which the polite client's will would show, were it wrongly sent
		expect(observer.on(`${prefix}/will/polite`)).toHaveLength(0);
	});

	it("replaces the will with WILLTOPICUPD/WILLMSGUPD: the new one fires, the old one never", async () => {
		const gateway = await startGateway(url());
		const observer = await observe(url(), `${prefix}/upd/#`);
		const old = { topic: `${prefix}/upd/old`, payload: encodeUtf8("old"), qos: 0 as const, retain: false };
		const lamp = new SnClientUnderTest({ ...fast, clientId: `${prefix}-upd`, gateway: at(gateway), will: old });
		await lamp.waitConnected();
		await lamp.client.updateWill({ topic: `${prefix}/upd/new`, payload: encodeUtf8("new"), qos: 1, retain: false });
		expect(lamp.sent).toContain(sn.MsgType.WILLTOPICUPD);
		expect(lamp.sent).toContain(sn.MsgType.WILLMSGUPD);
		// Still connected after the gateway reopened its broker connection with the new will;
		// the old connection closed cleanly first, so the broker never published the old will.
		await lamp.client.publish(`${prefix}/upd/alive`, "yes", { qos: 1 });
		await observer.waitFor(`${prefix}/upd/alive`, "yes");
		gateway.client(`${prefix}-upd`)?.lose("keep-alive ran out (simulated)");
		await observer.waitFor(`${prefix}/upd/new`, "new");
		await letTimePass(300); // the window in which the replaced will would show, were it wrongly sent
		expect(observer.on(`${prefix}/upd/old`)).toHaveLength(0);
	});

	it("buffers messages for a sleeping client and delivers them on PINGREQ, then PINGRESP", async () => {
		const gateway = await startGateway(url());
		const sleeper = new SnClientUnderTest({ ...fast, clientId: `${prefix}-sleeper`, gateway: at(gateway) });
		await sleeper.waitConnected();
		await sleeper.client.subscribe(`${prefix}/sleep/+`, 1);
		await sleeper.client.sleep(60);
		expect(sleeper.client.status).toBe("asleep");
		const publisher = await observe(url(), `${prefix}/none`);
		for (const n of [1, 2, 3]) await publisher.client.publishAsync(`${prefix}/sleep/${n}`, `m${n}`, { qos: 1 });
		await waitFor(() => gateway.client(`${prefix}-sleeper`)?.buffered === 3, { what: "three messages buffered at the gateway" });
		expect(sleeper.received).toHaveLength(0);
		await sleeper.client.checkMessages();
		expect(sleeper.received.map((m) => decodeUtf8(m.payload))).toEqual(["m1", "m2", "m3"]);
		expect(sleeper.client.status).toBe("asleep");
		expect(gateway.client(`${prefix}-sleeper`)?.state).toBe("asleep");
		sleeper.client.wake();
		await sleeper.waitConnected(2);
		await publisher.client.publishAsync(`${prefix}/sleep/4`, "awake", { qos: 1 });
		await sleeper.waitMessage(`${prefix}/sleep/4`, "awake");
	});

	it("uses predefined topics from the gateway's config file, connected and at QoS -1", async () => {
		const dir = mkdtempSync(join(tmpdir(), "lampnode-gw-"));
		const file = join(dir, "gateway.json");
		const predefined = { [`${prefix}/pre/temp`]: 7, [`${prefix}/pre/cmd`]: 8 };
		writeFileSync(file, JSON.stringify({ predefinedTopics: predefined }));
		const gateway = await startGateway(url(), readGatewayConfig(file));
		const observer = await observe(url(), `${prefix}/pre/#`, 1);
		const node = new SnClientUnderTest({ ...fast, clientId: `${prefix}-pre`, gateway: at(gateway), predefinedTopics: predefined });
		await node.waitConnected();
		await node.client.publish(`${prefix}/pre/temp`, "21.5", { qos: 1 });
		await observer.waitFor(`${prefix}/pre/temp`, "21.5");
		await node.client.subscribe(`${prefix}/pre/cmd`, 1);
		await observer.client.publishAsync(`${prefix}/pre/cmd`, "go", { qos: 1 });
		await node.waitMessage(`${prefix}/pre/cmd`, "go");
		expect(node.sent).not.toContain(sn.MsgType.REGISTER);
		// QoS -1: a device that never connects, straight to the gateway's port.
		const socket = dgram.createSocket("udp4");
		await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
		const publish = (topicId: number) =>
			encode({ type: sn.MsgType.PUBLISH, dup: false, qos: -1, retain: false, topicIdType: sn.TopicIdType.PREDEFINED, topicId, msgId: 0, data: encodeUtf8("-1") });
		socket.send(publish(7), gateway.port, "127.0.0.1");
		await observer.waitFor(`${prefix}/pre/temp`, "-1");
		socket.send(publish(99), gateway.port, "127.0.0.1");
		await waitFor(() => gateway.stats.refusedWithoutConnection === 1, { what: "the unknown id refused" });
		socket.close();
	});

	it("publishes at QoS -1 from our client without connecting", async () => {
		const gateway = await startGateway(url(), { predefinedTopics: { [`${prefix}/minus/one`]: 3 } });
		const observer = await observe(url(), `${prefix}/minus/#`, 0);
		// It searches a port nobody listens on, so it never connects; the gateway is known all the same.
		const silent = await freeUdpPort();
		const loose = new SnClientUnderTest({ ...fast, clientId: `${prefix}-m1`, searchGw: { address: "127.0.0.1", port: silent, radius: 1 }, predefinedTopics: { [`${prefix}/minus/one`]: 3 } });
		await waitFor(() => loose.client.status === "searching", { what: "the client searching" });
		loose.client.session.setGateway({ gwId: 1, address: "127.0.0.1", port: gateway.port });
		await loose.client.publish(`${prefix}/minus/one`, "fire and forget", { qos: -1 });
		await observer.waitFor(`${prefix}/minus/one`, "fire and forget");
		expect(gateway.stats.publishedWithoutConnection).toBe(1);
		expect(loose.sent).not.toContain(sn.MsgType.CONNECT);
	});

	it("finds the gateway with SEARCHGW / GWINFO, and by ADVERTISE", async () => {
		const gateway = await startGateway(url());
		const searcher = new SnClientUnderTest({ ...fast, clientId: `${prefix}-search`, searchGw: { address: "127.0.0.1", port: gateway.port, radius: 1 }, maxSearchDelay: 50 });
		await searcher.waitConnected();
		expect(searcher.sent.slice(0, 2)).toEqual([sn.MsgType.SEARCHGW, sn.MsgType.CONNECT]);
		expect(searcher.client.session.gateway?.port).toBe(gateway.port);

		const listenPort = await freeUdpPort();
		const gateways: number[] = [];
		// The search goes nowhere (a port nobody listens on): only the ADVERTISE can tell it.
		const silent = await freeUdpPort();
		const listener = new SnClientUnderTest({
			...fast,
			clientId: `${prefix}-adv`,
			localPort: listenPort,
			searchGw: { address: "127.0.0.1", port: silent, radius: 1 },
			maxSearchDelay: 50,
			tSearchGw: 60_000,
			onGateway: (found) => gateways.push(found.port),
		});
		await startGateway(url(), { gwId: 9, advertise: { interval: 60, targets: [{ address: "127.0.0.1", port: listenPort }] } });
		await listener.waitConnected();
		expect(gateways.length).toBeGreaterThan(0);
		expect(listener.client.session.gateway?.gwId).toBe(9);
	});

	it("restores its saved state after a deep sleep: wakes without REGISTER, gets what was buffered", async () => {
		const gateway = await startGateway(url());
		const observer = await observe(url(), `${prefix}/deep/#`, 1);
		const options = { ...fast, cleanSession: false, clientId: `${prefix}-deep`, gateway: at(gateway) };
		const before = new SnClientUnderTest(options);
		await before.waitConnected();
		await before.client.subscribe(`${prefix}/deep/cmd`, 1);
		await before.client.publish(`${prefix}/deep/temp`, "20", { qos: 1 });
		await before.client.sleep(60);
		const saved = before.client.exportState();
		// Deep sleep: the device keeps only `saved`.
		before.powerOff();
		await observer.client.publishAsync(`${prefix}/deep/cmd`, "while asleep", { qos: 1 });
		await waitFor(() => gateway.client(`${prefix}-deep`)?.buffered === 1, { what: "buffered while asleep" });

		const after = new SnClientUnderTest({ ...options, state: decodeSessionState(saved) });
		await waitFor(() => after.client.status === "asleep", { what: "restored asleep" });
		await after.client.checkMessages();
		expect(after.received.map((m) => decodeUtf8(m.payload))).toEqual(["while asleep"]);
		after.client.wake();
		await after.waitConnected();
		await after.client.publish(`${prefix}/deep/temp`, "21", { qos: 1 });
		await observer.waitFor(`${prefix}/deep/temp`, "21");
		expect(after.sent).not.toContain(sn.MsgType.REGISTER);
		expect(after.sent).not.toContain(sn.MsgType.SUBSCRIBE);
	});
}
