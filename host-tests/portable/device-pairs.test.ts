/**
 * Every protocol in every power mode, on a virtual clock: the same device (lamp, button,
 * telemetry) over each uplink. A press of the button switches the lamp and the peer hears
 * of it wherever the protocol has a place for the lamp's state (the CoAP button did
 * nothing before the device was protocol-neutral); a reading reaches the peer.
 */
import { describe, it, check } from "./test-api";
import { startFirmware } from "../../src/app/firmware";
import { HostCoapClient, responseText } from "../../testkit/portable/coap-host-client";
import { CoapServer } from "../../src/coap/server";
import { readUtf8 } from "../../src/common/utf8";
import { DeviceBoard, FakePower } from "../../testkit/portable/device-board";
import { MiniBroker } from "../../testkit/portable/mini-broker";
import { MiniGateway } from "../../testkit/portable/mini-gateway";
import { pump, settle } from "../../testkit/portable/coap-wire";

const DEVICE = { lampPin: "2", buttonPin: "0", readingInterval: "10", sleepInterval: "60", maxAwake: "10", networkDeadline: "5", clientId: "pair-1" };
const READING = /^\{"t":19\.5,"h":51/;

/** Advances the virtual clock in 5 ms steps, carrying datagrams between the board's endpoints (CoAP) after each. */
async function run(board: DeviceBoard, ms: number): Promise<void> {
	for (let t = 0; t < ms; t += 5) {
		board.advance(5);
		await pump(board);
	}
}

interface Peer {
	/** The lamp's state as the peer knows it; undefined where the protocol keeps none. */
	state(): string | undefined;
	readings(): string[];
}

function withBroker(board: DeviceBoard): Peer {
	const broker = new MiniBroker();
	board.broker = broker;
	return { state: () => broker.retained.get("home/office/lamp/state"), readings: () => broker.published.filter((p) => p.topic === "home/office/dht22").map((p) => p.payload) };
}

function withGateway(board: DeviceBoard, gateway = new MiniGateway()): Peer {
	board.gateway = gateway;
	const readings = () => gateway.published.filter((p) => p.topic === "home/office/dht22" || p.topic === "#7").map((p) => p.payload);
	return { state: () => gateway.retained.get("home/office/lamp/state") ?? gateway.retained.get("#8"), readings };
}

function withCollector(board: DeviceBoard): Peer & { posts: string[] } {
	const posts: string[] = [];
	const collector = new CoapServer(board, { port: 6000 });
	collector.add("/readings", {
		post: (request) => {
			posts.push(readUtf8(request.payload));
			return {};
		},
	});
	return { posts, state: () => [...posts].reverse().find((p) => p === "on" || p === "off"), readings: () => posts.filter((p) => READING.test(p)) };
}

const PAIRS = [
	{ name: "mqtt", config: { broker: "mqtt://broker.local" }, peer: withBroker },
	{ name: "mqttsn", config: { protocol: "mqttsn", gateway: "udp://127.0.0.1:10000" }, peer: (board: DeviceBoard) => withGateway(board) },
	{ name: "coap", config: { protocol: "coap", collector: "coap://127.0.0.1:6000/readings" }, peer: withCollector },
] as const;

async function press(board: DeviceBoard): Promise<void> {
	const button = board.simulatedPins.pin(0);
	button.drive(0);
	await run(board, 100);
	button.drive(1);
	await run(board, 100);
}

describe("Every protocol, always-on", () => {
	for (const pair of PAIRS) {
		it(`${pair.name}: the button switches the lamp and the peer hears of it; readings arrive`, async () => {
			const board = new DeviceBoard({ dht22: { temperature: 19.5, humidity: 51 } });
			const peer = pair.peer(board);
			const app = startFirmware(board, { ...DEVICE, ...pair.config }, { wifi: false });
			await run(board, 2500);
			check(peer.readings()[0]).toMatch(READING);
			await press(board);
			check(board.outputs.get(2)).toBe(1);
			check(peer.state()).toBe("on");
			await press(board);
			check(board.outputs.get(2)).toBe(0);
			check(peer.state()).toBe("off");
			const stopped = app.stop();
			await run(board, 100);
			await stopped;
		});
	}

	it("coap: a press is seen by a GET of /lamp and by its observers", async () => {
		const board = new DeviceBoard({ dht22: { temperature: 19.5, humidity: 51 } });
		startFirmware(board, { ...DEVICE, protocol: "coap" }, { wifi: false });
		const client = new HostCoapClient(board, { random: () => 0 });
		const seen: string[] = [];
		client.observe("coap://127.0.0.1:5683/lamp", { onNotification: (r) => seen.push(responseText(r)) });
		await run(board, 200);
		await press(board);
		check(responseText(await settle(board, client.get("coap://127.0.0.1:5683/lamp")))).toBe("on");
		check(seen).toEqual(["off", "on"]);
	});
});

describe("Every protocol, sleepy", () => {
	const SLEEPY = [
		...PAIRS,
		{ name: "mqttsn QoS -1", config: { protocol: "mqttsn", gateway: "udp://127.0.0.1:10000", qos: "-1", predefinedTopics: "home/office/dht22=7,home/office/lamp/state=8" }, peer: (board: DeviceBoard) => withGateway(board) },
	];
	for (const pair of SLEEPY) {
		it(`${pair.name}: a wake by the button switches the lamp, sends the reading and sleeps`, async () => {
			const power = new FakePower(undefined, "button");
			const board = new DeviceBoard({ power, dht22: { temperature: 19.5, humidity: 51 } });
			const peer = pair.peer(board);
			startFirmware(board, { ...DEVICE, mode: "sleepy", ...pair.config }, { wifi: false });
			for (let t = 0; t < 15_000 && power.sleeps.length === 0; t += 50) await run(board, 50);
			check(board.events("sleep")[0]?.reason).toBe("done");
			check(board.outputs.get(2)).toBe(1);
			check(peer.readings()[0]).toMatch(READING);
			// A sleeping CoAP device serves no /lamp and keeps no state at a peer.
			check(peer.state()).toBe(pair.name === "coap" ? undefined : "on");
		});
	}
});
