/**
 * The default sleepy record of every protocol fits an ESP8266 slot (236 bytes: RTC user
 * memory past Moddable's rtctime words, in two), with a reading not yet acknowledged,
 * and with room to spare. Each case runs real wakes on the virtual clock with the
 * manifest's default topics and timings, and measures every record the wakes write.
 */
import { describe, it, check } from "./test-api";
import { startFirmware } from "../../src/app/firmware";
import { encodeRetained, readSlots, slotCapacity } from "../../src/power/retained-store";
import { Esp8266 } from "../../src/power/capacity";
import { DeviceBoard, FakePower, run } from "../../testkit/portable/device-board";
import { MiniBroker } from "../../testkit/portable/mini-broker";
import { MiniGateway } from "../../testkit/portable/mini-gateway";
import { decodeCoapState } from "../../src/app/adapters/coap-state";
import { sleepyVocabulary } from "../../src/app/retained-vocabulary";
import { parseConfig } from "../../src/app/firmware";

/** The manifest's defaults, with what sleepy mode requires (a client id) and a 12-character one. */
const DEFAULTS = { mode: "sleepy", clientId: "lampnode-a1b2", buttonPin: "-1", lampPin: "2", sleepInterval: "300", maxAwake: "30", networkDeadline: "10" };
const MQTT = { ...DEFAULTS, broker: "mqtt://192.168.1.10" };
const MQTTSN = { ...DEFAULTS, protocol: "mqttsn", gateway: "udp://127.0.0.1:10000" };
const MQTTSN_QOS_MINUS_ONE = { ...MQTTSN, qos: "-1", predefinedTopics: "home/office/dht22=1" };
const COAP = { ...DEFAULTS, protocol: "coap", collector: "coap://192.168.1.10/readings" };

/** Retained memory that notes the largest record written into it. */
class MeasuredPower extends FakePower {
	largest = 0;
	override writeRetained(bytes: Uint8Array): void {
		super.writeRetained(bytes);
		const state = readSlots(bytes, this.retainedCapacity).state;
		if (state) this.largest = Math.max(this.largest, encodeRetained(state).length);
	}
}

async function wake(power: FakePower, config: Record<string, string>, peers: { broker?: MiniBroker; gateway?: MiniGateway }): Promise<DeviceBoard> {
	const board = new DeviceBoard({ power, dht22: { temperature: -10.1, humidity: 99.9 } });
	board.broker = peers.broker;
	board.gateway = peers.gateway;
	const sleeps = power.sleeps.length;
	startFirmware(board, config, { wifi: false });
	for (let t = 0; t < 40_000 && power.sleeps.length === sleeps; t += 50) await run(board, 50, 5);
	if (power.sleeps.length === sleeps) throw new Error("the firmware never went to sleep");
	return board;
}

/** A wake that delivers, then one whose reading is not acknowledged: the largest record of either. */
async function largestRecord(config: Record<string, string>, online: () => { broker?: MiniBroker; gateway?: MiniGateway }, offline: () => { broker?: MiniBroker; gateway?: MiniGateway }): Promise<{ bytes: number; board: DeviceBoard; power: FakePower }> {
	const power = new MeasuredPower();
	await wake(power, config, online());
	const board = await wake(power, config, offline());
	return { bytes: power.largest, board, power };
}

/** The errors that say a record did not fit (the others are the network's, expected offline). */
function tooLarge(board: DeviceBoard): unknown[] {
	return board.events("error").filter((e) => e.code === "RETAINED_TOO_LARGE");
}

/** The protocol whose session the next wake resumes ("none": it was dropped). */
function keptProtocol(power: FakePower): string {
	return readSlots(power.retained, power.retainedCapacity).state?.protocol ?? "nothing";
}

const SLOT = slotCapacity(Esp8266.RETAINED_CAPACITY);
/** Room to spare: a default record may take at most this much of a slot. */
const BUDGET = Math.floor(SLOT * 0.7);

describe("Retained records at the ESP8266's capacity", () => {
	it("has slots of 236 bytes: 512 of RTC user memory less rtctime's 40, in two", () => {
		check(SLOT).toBe(236);
	});

	it("MQTT: a reading not acknowledged, with the status and marker in flight, fits with room to spare", async () => {
		const broker = new MiniBroker();
		const { bytes, board, power } = await largestRecord(MQTT, () => ({ broker }), () => ({}));
		check(keptProtocol(power)).toBe("mqtt");
		check(board.events("sleep")[0].reason).toBe("no-network");
		check(tooLarge(board)).toEqual([]);
		check(bytes).toBeGreaterThan(49);
		check(bytes).toBeLessThanOrEqual(BUDGET);
	});

	it("MQTT: even a first wake that never connects (the lamp state queued too) fits", async () => {
		const power = new MeasuredPower();
		const board = await wake(power, MQTT, {});
		check(tooLarge(board)).toEqual([]);
		check(power.largest).toBeLessThanOrEqual(BUDGET);
	});

	it("MQTT-SN QoS 1: the sleeping session with a reading not acknowledged fits", async () => {
		const gateway = new MiniGateway();
		const { bytes, board, power } = await largestRecord(
			MQTTSN,
			() => ({ gateway }),
			() => {
				gateway.silent = true;
				return { gateway };
			},
		);
		check(board.events("sleep")[0].reason).toBe("no-network");
		check(tooLarge(board)).toEqual([]);
		check(keptProtocol(power)).toBe("mqttsn");
		check(bytes).toBeLessThanOrEqual(BUDGET);
	});

	it("MQTT-SN QoS -1: no session to keep, far under a slot", async () => {
		const gateway = new MiniGateway();
		const { bytes, board } = await largestRecord(MQTTSN_QOS_MINUS_ONE, () => ({ gateway }), () => ({ gateway }));
		check(tooLarge(board)).toEqual([]);
		check(bytes).toBeLessThanOrEqual(BUDGET);
	});

	it("CoAP CON: the ids and the readings the collector never acknowledged, far under a slot", async () => {
		const { bytes, board, power } = await largestRecord(COAP, () => ({}), () => ({}));
		check(tooLarge(board)).toEqual([]);
		check(keptProtocol(power)).toBe("coap");
		const session = readSlots(power.retained, power.retainedCapacity).state?.session;
		check(session && decodeCoapState(session, sleepyVocabulary(parseConfig(COAP, { wifi: false }))).pending.length).toBe(2);
		check(bytes).toBeLessThanOrEqual(BUDGET);
	});
});
