/**
 * A stateful fuzzer for the session running MQTT 5.0 (issues 14 and 16): seeded random
 * sequences of what an application, a transport and a server can do to it: CONNACKs with
 * random properties (Receive Maximum, Topic Alias Maximum, Maximum Packet Size, Maximum
 * QoS, Retain Available, Server Keep Alive, Assigned Client Identifier, refusals),
 * PUBLISHes with topic aliases (set, reused, unknown, past what we announced, 0),
 * acknowledgements with failure reason codes, DISCONNECT with reasons, AUTH, mutated and
 * random bytes, packets split at random, and clock jumps. After every step:
 * - only a ProtocolError ever escapes an application call; `received` and `tick` throw
 *   nothing, and every close carries a typed error or none;
 * - the window obeys the server: QoS 1/2 PUBLISHes sent on a connection and not yet
 *   acknowledged (PUBACK, PUBCOMP, a failed PUBREC) never exceed the Receive Maximum of
 *   its CONNACK, those resent from the last connection included (4.9: the send quota);
 * - open() sends CONNECT alone: what was in flight goes again only after CONNACK;
 * - aliases stay within what each side announced: the client's PUBLISH never carries an
 *   alias over the server's Topic Alias Maximum nor one it has not set on this
 *   connection, and no packet it sends exceeds the server's Maximum Packet Size; an
 *   incoming alias over ours, unknown or 0 ends the connection, never a message;
 * - incoming QoS 2 ids awaiting PUBREL stay under the Receive Maximum we announced;
 * - every QoS >= 1 publish the session accepted ends acknowledged or reported, exactly
 *   once: a last, cooperative server answers what is left, and then nothing is pending.
 * Portable (Node and XS); tools/fuzz runs it long, mqtt5-session-fuzz.test.ts a slice.
 */
import { ProtocolError } from "../../src/common/errors";
import { PacketReader } from "../../src/mqtt/codec";
import { type QoS } from "../../src/mqtt/packet";
import { CONNACK, CONNECT, DISCONNECT, PINGRESP, PUBACK, PUBCOMP, PUBLISH, PUBREC, PUBREL, SUBACK, SUBSCRIBE, UNSUBACK, UNSUBSCRIBE } from "../../testkit/portable/mqtt-types";
import type { SessionOptions } from "../../src/mqtt/session";
import { MqttSession5 } from "../../src/mqtt/v5/session";
import { decode5 } from "../../src/mqtt/v5/decode";
import { AUTH, type Packet5 } from "../../src/mqtt/v5/packet";
import type { Properties } from "../../src/mqtt/v5/properties";
import { fuzzRun } from "../../testkit/portable/fuzz-kit";
import { decodeAny5, encodeAny5 } from "../../testkit/portable/mqtt5-client-packets";
import { awaitingRelease, unacknowledged as unacknowledgedOf } from "../../testkit/portable/mqtt-wire";

export interface Mqtt5FuzzReport {
	readonly steps: number;
	readonly published: number;
	readonly acknowledged: number;
	readonly reported: number;
	readonly closes: number;
	/** Connections the session counted as up (a CONNACK accepted). */
	readonly connacks: number;
	/** Incoming PUBLISHes with an alias past ours, unknown or 0: each must have closed the link. */
	readonly badAliases: number;
	/** Alias-only PUBLISHes the client sent (its outgoing aliases at work). */
	readonly aliasedSends: number;
	/** The most QoS 1/2 messages in flight, and the smallest Receive Maximum they were held to. */
	readonly mostInflight: number;
	readonly largestAwaitingRelease: number;
	/**
	 * Packets sent over the server's Maximum Packet Size, which MQTT-3.2.2-15 forbids, where
	 * session.ts does not yet look: a PUBLISH made (queued) before the CONNACK that set the
	 * limit, since the size is checked when a message is encoded, not when it is sent; a
	 * SUBSCRIBE or UNSUBSCRIBE, never checked. Counted, not failed, until the session checks
	 * them; any other packet over the limit (a PUBLISH made on this connection, an
	 * acknowledgement) fails the run.
	 */
	readonly oversized: number;
}

/** Our announced Receive Maximum (maxAwaitingRelease) and the other caps, small so runs reach them. */
const CAPS = { maxAwaitingRelease: 4, inflightWindow: 6, maxQueued: 8, maxPacketSize: 512 };
const TOPICS = ["home/office/lamp", "home/office/lamp/state", "home/office/dht22", "a", "é/ü"];
const BAD_TOPICS = ["a/+", "#", "", "a\u0000b"];
const ACK_REASONS = [0, 0, 0, 0x10, 0x80, 0x83, 0x87, 0x97];
const DISCONNECT_REASONS = [0, 0x04, 0x80, 0x81, 0x82, 0x89, 0x8b, 0x8e, 0x93, 0x94, 0x95, 0x9c];

export function runMqtt5SessionFuzz(seed: number, steps: number): Mqtt5FuzzReport {
	const run = fuzzRun("mqtt5 session", seed);
	const { random, int, pick, fail } = run;
	const cleanSession = random() < 0.3;
	const topicAliasMaximum = int(4);
	// Some runs publish mostly at QoS 0, as telemetry does: a queue that empties lets outgoing aliases work.
	const qosMix: readonly QoS[] = random() < 0.3 ? [0, 0, 0, 0, 1] : [0, 0, 1, 2];
	const options: SessionOptions = {
		clientId: random() < 0.2 ? "" : "fuzz5",
		cleanSession,
		cleanStart: cleanSession || random() < 0.2,
		keepAlive: 10,
		connectTimeout: 3000,
		protocolVersion: 5,
		topicAliasMaximum,
		sessionExpiry: cleanSession ? 0 : 1 + int(600),
		willDelay: random() < 0.5 ? int(120) : undefined,
		will: random() < 0.7 ? { topic: "home/office/lamp/status", payload: new Uint8Array([0x6f]), qos: 1, retain: true } : undefined,
		...CAPS,
	};
	let session = new MqttSession5(options);
	let now = 0;
	let published = 0;
	let acknowledged = 0;
	let reported = 0;
	let closes = 0;
	let connacks = 0;
	let badAliases = 0;
	let aliasedSends = 0;
	let mostInflight = 0;
	let largestAwaiting = 0;
	/** Per accepted QoS >= 1 publish: how many times its callback ran. */
	const outcomes: number[] = [];
	let oversized = 0;

	// The server's side of the current connection: what it announced, what the client sent.
	let offered: Properties | undefined;
	let receiveMaximum = 65_535;
	let serverAliasMaximum = 0;
	let serverPacketMaximum = 0;
	/** In-flight messages resent from the last connection: allowed over our lowered window until acknowledged. */
	let carried = 0;
	/** Ids of QoS 1/2 PUBLISHes sent on this connection whose flow the session still holds: the send quota in use (4.9). */
	const unacknowledged = new Set<number>();
	/** Messages the last `open` resent. */
	let resent = 0;
	let clientAliases = new Map<number, string>();
	/** Aliases the server has set towards the client on this connection. */
	let serverAliases = new Map<number, string>();
	const sentPublishes: { id: number; qos: QoS }[] = [];
	const releasing: number[] = [];
	const requests: { id: number; count: number; subscribe: boolean }[] = [];
	/** QoS 2 ids the server sent and has not released: a server that never releases fills our table (and closes the link). */
	const unreleased: number[] = [];
	let lastSent: Packet5 | undefined;
	const sizes: number[] = [];
	let reader = clientReader();
	/** Mutated or random bytes went in since the connection opened: the reader may hold part of a packet. */
	let partial = false;

	function clientReader(): PacketReader<Packet5> {
		return new PacketReader<Packet5>(1 << 16, (bytes) => {
			sizes.push(bytes.length);
			return decodeAny5(bytes);
		});
	}

	function open(): void {
		newConnection();
		run.never("open", () => session.open(now));
		// Nothing but CONNECT before CONNACK: what was in flight waits for this connection's limits (4.4, 3.1.2-24).
		drainTransmit();
		if (lastSent?.type !== CONNECT) fail(`open sent a packet of type ${lastSent?.type} after CONNECT, before CONNACK`);
		resent = session.exportState().inflight.length;
	}

	/** The server's limits come from the CONNACK the session read: known only if these bytes are one whole CONNACK. */
	function heard(bytes: Uint8Array): void {
		let packet: Packet5 | undefined;
		try {
			packet = decode5(bytes);
		} catch {
			packet = undefined;
		}
		offered = packet?.type === CONNACK ? packet.properties : undefined;
	}

	function newConnection(): void {
		reader = clientReader();
		partial = false;
		clientAliases = new Map();
		serverAliases = new Map();
		sentPublishes.length = releasing.length = requests.length = 0;
		unacknowledged.clear();
		receiveMaximum = 65_535;
		serverAliasMaximum = serverPacketMaximum = 0;
	}

	/** Takes what the session sent; every byte must parse, and obey what the server announced. */
	function drainTransmit(): void {
		for (let bytes = session.pollTransmit(); bytes; bytes = session.pollTransmit()) {
			const packets: Packet5[] = [];
			try {
				reader.feed(bytes);
				for (let packet = reader.next(); packet; packet = reader.next()) packets.push(packet);
			} catch (error) {
				fail(`the session sent bytes that do not parse as MQTT 5: ${(error as Error).message}`);
			}
			for (const packet of packets) sent(packet, sizes.shift() ?? 0);
		}
	}

	function sent(packet: Packet5, size: number): void {
		if (serverPacketMaximum > 0 && size > serverPacketMaximum) {
			// Requests are not sized (see the header); a PUBLISH always is, one resent after CONNACK too.
			if (packet.type === SUBSCRIBE || packet.type === UNSUBSCRIBE) oversized++;
			else fail(`sent a ${size}-byte packet (type ${packet.type}) past the server's Maximum Packet Size ${serverPacketMaximum}`);
		}
		lastSent = packet;
		if (packet.type === PUBLISH) checkAlias(packet.topic, packet.properties.topicAlias);
		if (packet.type === PUBLISH && packet.qos > 0) {
			sentPublishes.push({ id: packet.packetId ?? 0, qos: packet.qos });
			unacknowledged.add(packet.packetId ?? 0);
		}
		else if (packet.type === PUBREL) releasing.push(packet.packetId);
		else if (packet.type === SUBSCRIBE) requests.push({ id: packet.packetId, count: packet.subscriptions.length, subscribe: true });
		else if (packet.type === UNSUBSCRIBE) requests.push({ id: packet.packetId, count: packet.topics.length, subscribe: false });
	}

	function checkAlias(topic: string, alias: number | undefined): void {
		if (alias === undefined) return;
		if (alias > serverAliasMaximum) fail(`sent topic alias ${alias}, over the server's Topic Alias Maximum ${serverAliasMaximum}`);
		if (topic !== "") clientAliases.set(alias, topic);
		else if (!clientAliases.has(alias)) fail(`sent alias ${alias} alone, never set on this connection`);
		else aliasedSends++;
	}

	function drainEvents(): void {
		for (let event = session.pollEvent(); event; event = session.pollEvent()) {
			if (event.type === "connected") {
				connacks++;
				// A CONNACK completed from pieces of mutated bytes: its limits are unknown, and go unchecked.
				receiveMaximum = offered ? (offered.receiveMaximum ?? 65_535) : 65_535;
				serverAliasMaximum = offered ? (offered.topicAliasMaximum ?? 0) : 0xffff;
				serverPacketMaximum = offered ? (offered.maximumPacketSize ?? 0) : 0;
				carried = resent;
			} else if (event.type === "message") {
				// An alias alone must come out as the topic it stands for.
				if (event.packet.topic === "") fail("a message with no topic: an alias was not resolved");
			} else if (event.type === "close") {
				closes++;
				if (event.error !== undefined && !(event.error instanceof ProtocolError)) fail(`a close with an untyped error: ${String(event.error)}`);
				// What the client does: flush, close the transport, tell the session.
				drainTransmit();
				session.closed();
			}
		}
	}

	function deliver(bytes: Uint8Array, whole: boolean): void {
		if (!whole) partial = true;
		heard(bytes);
		// Split at random: a server's packet may arrive in pieces.
		if (bytes.length > 1 && random() < 0.3) {
			const cut = 1 + int(bytes.length - 1);
			run.never("received", () => session.received(bytes.subarray(0, cut), now));
			run.never("received", () => session.received(bytes.subarray(cut), now));
		} else run.never("received", () => session.received(bytes, now));
	}

	function mutate(bytes: Uint8Array): Uint8Array {
		const copy = bytes.slice(0, random() < 0.3 ? int(bytes.length + 1) : bytes.length);
		for (let i = 0, n = 1 + int(3); i < n && copy.length > 0; i++) copy[int(copy.length)] = int(256);
		return copy;
	}

	function reasonString(): Properties {
		return random() < 0.3 ? { reasonString: pick(["busy", "", "quota", "é"]) } : {};
	}

	function connack(): Uint8Array {
		const p: Properties = {};
		if (random() < 0.6) p.receiveMaximum = 1 + int(random() < 0.7 ? 4 : 100);
		if (random() < 0.8) p.topicAliasMaximum = int(10);
		if (random() < 0.3) p.maximumPacketSize = 16 + int(600);
		if (random() < 0.15) p.maximumQoS = int(2);
		if (random() < 0.1) p.retainAvailable = 0;
		if (random() < 0.2) p.serverKeepAlive = int(30);
		if (random() < 0.1) p.assignedClientIdentifier = "given-7";
		if (random() < 0.2) p.sessionExpiryInterval = int(1000);
		if (random() < 0.1) p.wildcardSubscriptionAvailable = 0;
		if (random() < 0.1) p.sharedSubscriptionAvailable = 0;
		if (random() < 0.02) p.authenticationMethod = "SCRAM";
		if (random() < 0.1) p.userProperties = [["k", "v"]];
		const refused = random() < 0.08;
		const clean = options.cleanStart ?? cleanSession;
		return encodeAny5({ type: CONNACK, sessionPresent: !refused && (clean ? random() < 0.05 : random() < 0.7), reasonCode: refused ? pick([0x80, 0x85, 0x86, 0x87, 0x88, 0x9c]) : 0, properties: { ...p, ...(refused ? reasonString() : {}) } });
	}

	/** An incoming PUBLISH whose alias must be refused: over ours, unknown, or 0 (patched in: the encoder refuses it). */
	function hostileAlias(): Uint8Array {
		const kind = int(3);
		const qos = pick([0, 1, 2] as const);
		const packetId = qos ? 1 + int(0xffff) : undefined;
		const payload = new Uint8Array(int(10));
		if (kind === 0) return encodeAny5({ type: PUBLISH, topic: pick(TOPICS), payload, qos, retain: false, dup: false, packetId, properties: { topicAlias: topicAliasMaximum + 1 + int(5) } });
		if (kind === 1) {
			let alias = 1;
			while (serverAliases.has(alias)) alias++;
			return encodeAny5({ type: PUBLISH, topic: "", payload, qos, retain: false, dup: false, packetId, properties: { topicAlias: alias } });
		}
		const bytes = encodeAny5({ type: PUBLISH, topic: pick(TOPICS), payload, qos, retain: false, dup: false, packetId, properties: { topicAlias: 1 } });
		for (let i = 0; i + 2 < bytes.length; i++) {
			if (bytes[i] === 0x23 && bytes[i + 1] === 0 && bytes[i + 2] === 1) {
				bytes[i + 2] = 0;
				break;
			}
		}
		return bytes;
	}

	/** An incoming PUBLISH, aliased within what we announced. */
	function publishIn(): Uint8Array {
		const qos = pick([0, 1, 2, 2] as const);
		const packetId = qos ? 1 + int(0xffff) : undefined;
		const payload = new Uint8Array(int(40));
		const properties: Properties = {};
		let topic = pick(TOPICS);
		if (topicAliasMaximum > 0 && random() < 0.5) {
			const alias = 1 + int(topicAliasMaximum);
			const known = serverAliases.get(alias);
			if (known !== undefined && random() < 0.6) topic = "";
			else serverAliases.set(alias, topic);
			properties.topicAlias = alias;
		}
		if (random() < 0.1) properties.messageExpiryInterval = int(100);
		if (random() < 0.1) properties.responseTopic = "reply/to";
		if (random() < 0.1) properties.subscriptionIdentifier = [1 + int(5)];
		if (qos === 2 && packetId !== undefined && unreleased.push(packetId) > 16) unreleased.shift();
		return encodeAny5({ type: PUBLISH, topic, payload, qos, retain: random() < 0.2, dup: false, packetId, properties });
	}

	/** A hostile PUBLISH delivered whole to a connected session: it must end the link, deliver nothing. */
	function deliverHostileAlias(): void {
		// After bytes that may have left a packet unfinished, these would only complete it.
		const before = partial ? "unknown" : session.status;
		const bytes = hostileAlias();
		badAliases++;
		heard(bytes);
		run.never("received", () => session.received(bytes, now));
		for (let event = session.pollEvent(); event; event = session.pollEvent()) {
			if (event.type === "message" && before !== "unknown") fail("a PUBLISH with a bad topic alias was delivered");
			if (event.type === "close") {
				closes++;
				if (before === "online" && event.error?.code !== "PROTOCOL_VIOLATION" && event.error?.code !== "MALFORMED_PACKET") fail(`a bad alias closed with ${event.error?.code}`);
				drainTransmit();
				session.closed();
			}
		}
		if (before === "online" && session.status !== "offline") fail("a bad topic alias left the link up");
	}

	/** Whether the last serverPacket() is a well-formed packet (not mutated, not random). */
	let wellFormed = true;

	function serverPacket(): Uint8Array {
		wellFormed = true;
		// A connecting session mostly hears its CONNACK, so runs spend their time online.
		const choice = session.status === "connecting" && random() < 0.85 ? 0 : int(20);
		const sent = sentPublishes.length > 0 && random() < 0.8 ? pick(sentPublishes) : { id: 1 + int(0xffff), qos: pick([1, 2] as const) };
		const id = sent.id;
		const reason = pick(ACK_REASONS);
		switch (choice) {
			case 0:
				// Online, a second CONNACK is a violation: now and then.
				return session.status !== "online" || random() < 0.2 ? connack() : encodeAny5({ type: PINGRESP });
			case 1:
			case 2:
				// Mostly the acknowledgement the message asks for, sometimes the other one.
				return encodeAny5({ type: (sent.qos === 1) === random() < 0.8 ? PUBACK : PUBREC, packetId: id, reasonCode: reason, properties: reasonString() });
			case 3:
				return encodeAny5({ type: PUBCOMP, packetId: releasing.length > 0 && random() < 0.8 ? pick(releasing) : id, reasonCode: random() < 0.9 ? 0 : 0x92, properties: {} });
			case 4:
			case 5:
			case 6:
			case 7:
				return publishIn();
			case 8:
				return encodeAny5({ type: PUBREL, packetId: unreleased.length > 0 && random() < 0.8 ? unreleased.splice(int(unreleased.length), 1)[0] : 1 + int(0xffff), reasonCode: random() < 0.9 ? 0 : 0x92, properties: {} });
			case 9: {
				const request = requests.length > 0 ? pick(requests) : { id, count: 1, subscribe: true };
				const codes: number[] = [];
				for (let i = 0; i < request.count + (random() < 0.1 ? 1 : 0); i++) codes.push(request.subscribe ? pick([0, 1, 2, 0x80, 0x87, 0xa2]) : pick([0, 0x11, 0x80]));
				return encodeAny5({ type: request.subscribe ? SUBACK : UNSUBACK, packetId: request.id, reasonCodes: codes, properties: reasonString() });
			}
			case 10:
				return encodeAny5({ type: PINGRESP });
			case 11:
				if (random() < 0.3) return encodeAny5({ type: DISCONNECT, reasonCode: pick(DISCONNECT_REASONS), properties: { ...reasonString(), ...(random() < 0.2 ? { serverReference: "other:1883" } : {}) } });
				return encodeAny5({ type: PINGRESP });
			case 12:
				if (random() < 0.2) return encodeAny5({ type: AUTH, reasonCode: pick([0, 0x18, 0x19]), properties: random() < 0.5 ? { authenticationMethod: "SCRAM", authenticationData: new Uint8Array(3) } : {} });
				return publishIn();
			case 13: {
				wellFormed = false;
				const garbage = new Uint8Array(1 + int(12));
				for (let i = 0; i < garbage.length; i++) garbage[i] = int(256);
				return garbage;
			}
			default:
				if (random() < 0.6) return publishIn();
				const bytes = mutate(serverPacket());
				wellFormed = false;
				return bytes;
		}
	}

	function applicationCall(): void {
		const choice = int(10);
		if (choice < 6) {
			const qos = pick(qosMix);
			// QoS 0 mostly to the lamp's two topics, as the lamp does: the outgoing aliases' case.
			const topic = random() < 0.1 ? pick(BAD_TOPICS) : qos === 0 && random() < 0.7 ? TOPICS[int(2)] : pick(TOPICS);
			const payload = new Uint8Array(random() < 0.05 ? 600 : 2 + int(62));
			// Counted first: a message lowered to the server's Maximum QoS 0 completes inside the call.
			const index = outcomes.length;
			if (qos > 0) outcomes.push(0);
			const accepted = run.refusable(() =>
				session.publish(topic, payload, qos, random() < 0.3, now, qos === 0 ? undefined : (error) => {
					outcomes[index]++;
					if (error !== undefined && !(error instanceof ProtocolError)) fail(`a publish completed with an untyped ${String(error)}`);
					if (error) reported++;
					else acknowledged++;
				}),
			);
			if (qos > 0 && !accepted) outcomes.pop();
			else if (qos > 0) published++;
		} else if (choice < 8)
			run.refusable(() => session.subscribe([{ topic: random() < 0.1 ? "a/#/b" : pick(["home/#", "home/+/lamp", "a", "$share/g/a"]), qos: pick([0, 1, 2] as const), noLocal: random() < 0.5 }], now));
		else if (choice < 9) run.refusable(() => session.unsubscribe([pick(["home/#", "a"])], now));
		else if (session.status !== "offline") {
			const said = run.refusable(() => session.disconnect(now, pick([0, 0x04]), random() < 0.3 ? int(100) : undefined));
			drainTransmit();
			if (said && lastSent?.type !== DISCONNECT) fail("disconnect sent no DISCONNECT last");
		}
	}

	function checkInvariants(): void {
		const awaiting = awaitingRelease(session);
		if (awaiting > CAPS.maxAwaitingRelease) fail(`${awaiting} QoS 2 ids await PUBREL, over the Receive Maximum we announced (${CAPS.maxAwaitingRelease})`);
		if (awaiting > largestAwaiting) largestAwaiting = awaiting;
		if (unacknowledgedOf(session) > CAPS.maxQueued + CAPS.inflightWindow) fail(`${unacknowledgedOf(session)} messages unacknowledged, over queue and window`);
		if (session.status === "online") {
			const held = session.exportState().inflight;
			const inflight = held.length;
			if (inflight < carried) carried = inflight;
			// A flow the session no longer holds was acknowledged: its quota came back.
			const live = new Set(held.map((entry) => (decode5(entry.packet) as { packetId?: number }).packetId));
			for (const id of unacknowledged) if (!live.has(id)) unacknowledged.delete(id);
			if (unacknowledged.size > receiveMaximum) fail(`${unacknowledged.size} QoS 1/2 PUBLISHes sent and not acknowledged on this connection, over the server's Receive Maximum ${receiveMaximum}`);
			if (inflight > CAPS.inflightWindow && inflight > carried) fail(`${inflight} in flight, over our window ${CAPS.inflightWindow}`);
			if (inflight > mostInflight) mostInflight = inflight;
		}
		for (let i = 0; i < outcomes.length; i++) if (outcomes[i] > 1) fail(`publish ${i} was completed ${outcomes[i]} times`);
	}

	for (run.step = 0; run.step < steps; run.step++) {
		const choice = int(20);
		if (choice === 0 && random() < 0.03) {
			// The client stops (every waiting callback is told), and a reboot restores the exported state.
			session.failPending(new ProtocolError("CLOSED", "stopped"));
			const state = session.exportState();
			session = new MqttSession5({ ...options, state });
			newConnection();
		} else if (choice < 2 || (session.status === "offline" && random() < 0.2)) {
			if (session.status === "offline") open();
			else session.closed();
		} else if (choice < 6) applicationCall();
		else if (choice < 8) {
			// Clock jumps, small and large, then the timer fires.
			now += random() < 0.7 ? int(2000) : int(60_000);
			run.never("tick", () => session.tick(now));
		} else if (choice === 8 && session.status !== "offline" && random() < 0.3) deliverHostileAlias();
		else deliver(serverPacket(), wellFormed);
		drainTransmit();
		drainEvents();
		checkInvariants();
	}

	// A cooperative server at last, on a new connection (the old one may hold part of a
	// mutated packet): everything accepted must end acknowledged or reported.
	session.closed();
	for (let round = 0; round < 200 && !session.idle; round++) {
		if (session.status !== "online") {
			session.closed();
			open();
			drainTransmit();
			const accept = encodeAny5({ type: CONNACK, sessionPresent: false, reasonCode: 0, properties: {} });
			heard(accept);
			run.never("received", () => session.received(accept, now));
		}
		drainTransmit();
		drainEvents();
		const answers: Uint8Array[] = [];
		for (const p of sentPublishes.splice(0)) answers.push(encodeAny5({ type: p.qos === 1 ? PUBACK : PUBREC, packetId: p.id, reasonCode: 0, properties: {} }));
		for (const id of releasing.splice(0)) answers.push(encodeAny5({ type: PUBCOMP, packetId: id, reasonCode: 0, properties: {} }));
		for (const r of requests.splice(0)) answers.push(encodeAny5({ type: r.subscribe ? SUBACK : UNSUBACK, packetId: r.id, reasonCodes: new Array<number>(r.count).fill(0), properties: {} }));
		for (const bytes of answers) run.never("received", () => session.received(bytes, now));
		drainTransmit();
		drainEvents();
		checkInvariants();
	}
	if (!session.idle) fail(`a cooperative server left ${unacknowledgedOf(session)} messages unacknowledged`);
	const pending = outcomes.filter((n) => n === 0).length;
	if (pending > 0) fail(`${pending} accepted QoS >= 1 publishes were never acknowledged nor reported`);
	return { steps, published, acknowledged, reported, closes, connacks, badAliases, aliasedSends, mostInflight, largestAwaitingRelease: largestAwaiting, oversized };
}
