/**
 * A stateful fuzzer for the MQTT session: seeded random sequences of what an application,
 * a transport and a broker can do to it (valid packets, mutated ones, hostile floods of
 * QoS 2 ids, packets split at random, clock jumps), with invariants checked after every
 * step:
 * - only a ProtocolError ever escapes the session (from an application call; a broker's
 *   bad bytes end in a close event, never a throw);
 * - every table a broker can grow stays under its cap;
 * - every QoS >= 1 publish the session accepted ends acknowledged or reported, exactly
 *   once: a last, cooperative broker acknowledges what is left, and then nothing may be
 *   pending.
 * Portable (Node and XS); tools/fuzz runs it long, the test suite a slice.
 */
import { ProtocolError } from "../../src/common/errors";
import { fuzzRun } from "../../testkit/portable/fuzz-kit";
import { anyPacketReader, encodeAny, feedPackets } from "../../testkit/portable/mqtt-client-packets";
import { type Packet, type QoS } from "../../src/mqtt/packet";
import { CONNACK, PINGRESP, PUBACK, PUBCOMP, PUBLISH, PUBREC, PUBREL, SUBACK, SUBSCRIBE, UNSUBACK, UNSUBSCRIBE } from "../../testkit/portable/mqtt-types";
import { MqttSession, type SessionOptions } from "../../src/mqtt/session";
import { awaitingRelease, unacknowledged } from "../../testkit/portable/mqtt-wire";

export interface MqttFuzzReport {
	readonly steps: number;
	readonly published: number;
	readonly acknowledged: number;
	readonly reported: number;
	readonly closes: number;
	readonly largestAwaitingRelease: number;
}

const CAPS = { maxAwaitingRelease: 4, inflightWindow: 3, maxQueued: 8, maxPacketSize: 512 };
const TOPICS = ["home/office/lamp", "home/office/lamp/state", "a", "é/ü", "x/y/z"];
const BAD_TOPICS = ["a/+", "#", "", "a\u0000b"];

/** Runs `steps` random steps on a fresh session; throws with the seed and step on a broken invariant. */
export function runMqttSessionFuzz(seed: number, steps: number): MqttFuzzReport {
	const run = fuzzRun("mqtt session", seed);
	const { random, int, pick, fail } = run;
	const options: SessionOptions = { clientId: "fuzz", cleanSession: random() < 0.3, keepAlive: 10, connectTimeout: 3000, ...CAPS };
	let session = new MqttSession(options);
	let now = 0;
	let published = 0;
	let acknowledged = 0;
	let reported = 0;
	let closes = 0;
	let largest = 0;
	/** Per accepted QoS >= 1 publish: how many times its callback ran. */
	const outcomes: number[] = [];
	/** What the broker side has seen from the client, to answer with plausible ids. */
	const sentPublishes: { id: number; qos: QoS }[] = [];
	const releasing: number[] = [];
	const requests: { id: number; count: number; subscribe: boolean }[] = [];
	const reader = anyPacketReader(1 << 16);

	/** Takes what the session sent; every byte of it must parse as a client's packet. */
	function drainTransmit(): void {
		for (let bytes = session.pollTransmit(); bytes; bytes = session.pollTransmit()) {
			try {
				feedPackets(reader, bytes, (packet: Packet) => {
					if (packet.type === PUBLISH && packet.qos > 0) sentPublishes.push({ id: packet.packetId ?? 0, qos: packet.qos });
					else if (packet.type === PUBREL) releasing.push(packet.packetId);
					else if (packet.type === SUBSCRIBE) requests.push({ id: packet.packetId, count: packet.subscriptions.length, subscribe: true });
					else if (packet.type === UNSUBSCRIBE) requests.push({ id: packet.packetId, count: packet.topics.length, subscribe: false });
				});
			} catch (error) {
				fail(`the session sent bytes that do not parse: ${(error as Error).message}`);
			}
		}
	}

	function drainEvents(): void {
		for (let event = session.pollEvent(); event; event = session.pollEvent()) {
			if (event.type === "close") {
				closes++;
				// What the client does: flush, close the transport, tell the session.
				drainTransmit();
				session.closed();
				reader.reset();
			}
		}
	}

	/** Runs a session call; anything but a ProtocolError is a broken invariant. */
	const guarded = (call: () => void) => void run.refusable(call);

	function deliver(bytes: Uint8Array): void {
		// Split at random: a broker's packet may arrive in pieces.
		if (bytes.length > 1 && random() < 0.3) {
			const cut = 1 + int(bytes.length - 1);
			guarded(() => session.received(bytes.subarray(0, cut), now));
			guarded(() => session.received(bytes.subarray(cut), now));
		} else guarded(() => session.received(bytes, now));
	}

	function mutate(bytes: Uint8Array): Uint8Array {
		const copy = bytes.slice(0, random() < 0.3 ? int(bytes.length + 1) : bytes.length);
		for (let i = 0, n = 1 + int(3); i < n && copy.length > 0; i++) copy[int(copy.length)] = int(256);
		return copy;
	}

	function brokerPacket(): Uint8Array {
		// A connecting session mostly hears its CONNACK, so runs spend their time online.
		const choice = session.status === "connecting" && random() < 0.5 ? 0 : int(16);
		const known = sentPublishes.length > 0 && random() < 0.8;
		const id = known ? pick(sentPublishes).id : 1 + int(0xffff);
		switch (choice) {
			case 0:
				return encodeAny({ type: CONNACK, sessionPresent: !options.cleanSession && random() < 0.7, returnCode: random() < 0.9 ? 0 : 1 + int(5) });
			case 1:
				return encodeAny({ type: PUBACK, packetId: id });
			case 2:
				return encodeAny({ type: PUBREC, packetId: id });
			case 3:
				return encodeAny({ type: PUBCOMP, packetId: releasing.length > 0 && random() < 0.8 ? pick(releasing) : id });
			case 4:
			case 10:
			case 11:
			case 12:
			case 13: {
				// A flood of distinct QoS 2 ids the broker never releases.
				const qos = pick([0, 1, 2, 2] as const);
				return encodeAny({ type: PUBLISH, topic: pick(TOPICS), payload: new Uint8Array(int(40)), qos, retain: false, dup: false, packetId: qos ? 1 + int(0xffff) : undefined });
			}
			case 5:
				return encodeAny({ type: PUBREL, packetId: 1 + int(0xffff) });
			case 6: {
				const request = requests.length > 0 ? pick(requests) : { id, count: 1, subscribe: true };
				if (!request.subscribe) return encodeAny({ type: UNSUBACK, packetId: request.id });
				const codes: number[] = [];
				for (let i = 0; i < request.count + (random() < 0.1 ? 1 : 0); i++) codes.push(pick([0, 1, 2, 0x80]));
				return encodeAny({ type: SUBACK, packetId: request.id, returnCodes: codes });
			}
			case 7:
				return encodeAny({ type: PINGRESP });
			case 8: {
				const garbage = new Uint8Array(1 + int(12));
				for (let i = 0; i < garbage.length; i++) garbage[i] = int(256);
				return garbage;
			}
			default:
				return mutate(brokerPacket());
		}
	}

	function applicationCall(): void {
		const choice = int(10);
		if (choice < 6) {
			const qos = pick([0, 1, 2] as const);
			const topic = random() < 0.1 ? pick(BAD_TOPICS) : pick(TOPICS);
			const payload = new Uint8Array(random() < 0.05 ? 600 : int(64));
			const index = outcomes.length;
			let accepted = false;
			guarded(() => {
				session.publish(topic, payload, qos, random() < 0.3, now, qos === 0 ? undefined : (error) => {
					outcomes[index]++;
					if (error) reported++;
					else acknowledged++;
				});
				accepted = true;
			});
			if (accepted && qos > 0) {
				outcomes.push(0);
				published++;
			}
		} else if (choice < 8) guarded(() => session.subscribe([{ topic: random() < 0.1 ? "a/#/b" : pick(["home/#", "home/+/lamp", "a"]), qos: pick([0, 1, 2] as const) }], now));
		else guarded(() => session.unsubscribe([pick(["home/#", "a"])], now));
	}

	function checkInvariants(): void {
		const awaiting = awaitingRelease(session);
		if (awaiting > CAPS.maxAwaitingRelease) fail(`${awaiting} QoS 2 ids await PUBREL, over the cap of ${CAPS.maxAwaitingRelease}`);
		if (awaiting > largest) largest = awaiting;
		if (unacknowledged(session) > CAPS.maxQueued + CAPS.inflightWindow) fail(`${unacknowledged(session)} messages unacknowledged, over queue and window`);
		for (let i = 0; i < outcomes.length; i++) if (outcomes[i] > 1) fail(`publish ${i} was completed ${outcomes[i]} times`);
	}

	for (run.step = 0; run.step < steps; run.step++) {
		const choice = int(20);
		if (choice === 0 && random() < 0.03) {
			// The client stops (every waiting callback is told), and a reboot restores the exported state.
			session.failPending(new ProtocolError("CLOSED", "stopped"));
			const state = session.exportState();
			session = new MqttSession({ ...options, state });
			reader.reset();
		} else if (choice < 2) {
			if (session.status === "offline") guarded(() => session.open(now));
			else {
				session.closed();
				reader.reset();
			}
		} else if (choice < 6) applicationCall();
		else if (choice < 8) {
			// Clock jumps, small and large, then the timer fires.
			now += random() < 0.7 ? int(2000) : int(60_000);
			guarded(() => session.tick(now));
		} else deliver(brokerPacket());
		drainTransmit();
		drainEvents();
		checkInvariants();
	}

	// A cooperative broker at last: everything accepted must end acknowledged.
	for (let round = 0; round < 200 && !session.idle; round++) {
		if (session.status !== "online") {
			session.closed();
			sentPublishes.length = releasing.length = requests.length = 0;
			guarded(() => session.open(now));
			drainTransmit();
			guarded(() => session.received(encodeAny({ type: CONNACK, sessionPresent: !options.cleanSession, returnCode: 0 }), now));
		}
		drainTransmit();
		const answers: Uint8Array[] = [];
		for (const p of sentPublishes.splice(0)) answers.push(encodeAny({ type: p.qos === 1 ? PUBACK : PUBREC, packetId: p.id }));
		for (const id of releasing.splice(0)) answers.push(encodeAny({ type: PUBCOMP, packetId: id }));
		for (const r of requests.splice(0)) answers.push(r.subscribe ? encodeAny({ type: SUBACK, packetId: r.id, returnCodes: new Array<number>(r.count).fill(0) }) : encodeAny({ type: UNSUBACK, packetId: r.id }));
		for (const bytes of answers) guarded(() => session.received(bytes, now));
		drainTransmit();
		drainEvents();
		checkInvariants();
	}
	if (!session.idle) fail(`a cooperative broker left ${unacknowledged(session)} messages unacknowledged`);
	const pending = outcomes.filter((n) => n === 0).length;
	if (pending > 0) fail(`${pending} accepted QoS >= 1 publishes were never acknowledged nor reported`);
	return { steps, published, acknowledged, reported, closes, largestAwaitingRelease: largest };
}
