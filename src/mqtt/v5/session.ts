/**
 * The MQTT 5.0 session: the 3.1.1 one (../session.ts) with what version 5 changes
 * overridden, the rest (QoS flows, subscriptions, keep alive, persistence) inherited.
 * Version5 (session5.ts) holds the connection's limits and topic aliases and writes the
 * packets. An image includes this module only if it wants MQTT 5: the uplink passes
 * `mqtt5` to the client, and without it `protocolVersion` 5 is refused.
 */
import { ProtocolError } from "../../common/errors";
import { PacketReader, checkQoS, violation } from "../codec";
import { MqttSession, type Done, type Request, type SessionOptions } from "../session";
import { Flag, Inflight, finish, type Outgoing } from "../inflight";
import { PacketType, type MessageProperties, type Packet, type QoS, type Subscription } from "../packet";
import { Ack, Default, State } from "../link";
import { decode5 } from "./decode";
import { AUTH, type Ack5, type Connack5, type Disconnect5, type Packet5, type Suback5 } from "./packet";
import { Version5, reasonError } from "./session5";

/** What the client is given to run MQTT 5 (client.ts `mqtt5`). */
export function mqtt5(options: SessionOptions): MqttSession {
	return new MqttSession5(options);
}

/**
 * The QoS flows at MQTT 5, which resends only after CONNACK (MqttSession5.applyLimits says
 * why): what was in flight waits in `messages`, not `sent`, until the window lets it go.
 */
export class Inflight5 extends Inflight {
	/** How many `resume` left waiting to go again: 0 or absent, and a drain does not look. */
	private declare waiting: number | undefined;

	/** Nothing before CONNACK: it says whether the server kept the session, and this connection's limits (`resume`, after it). */
	override resend(): void {}

	/**
	 * After CONNACK. With `sessionPresent` each PUBREL goes now, each PUBLISH waits to go again
	 * with DUP 1 and its id; without, a QoS 2 message past its PUBREC is done and every other
	 * one waits to go as a new message, DUP 0. One in flight or queued over `maxPacketSize`
	 * (0: no limit) never goes: it ends with PACKET_TOO_LARGE, its id free.
	 */
	resume(out: MqttSession, sessionPresent: boolean, maxPacketSize: number): void {
		const messages = this.settle();
		let waiting = 0;
		for (let i = 0; i < messages.length; ) {
			const message = messages[i];
			const error = message.released ? void 0 : tooLarge(message, maxPacketSize);
			if (message.released ? !sessionPresent : error) {
				messages.splice(i, 1);
				finish(message, error);
				continue;
			}
			if (message.released) out.ack(Ack.PUBREL, message.packetId);
			else {
				// DUP records a send in this session: kept for one sent before, cleared for a new session.
				if (!sessionPresent) message.packet[0] &= ~Flag.DUP;
				else if (message.sent) message.packet[0] |= Flag.DUP;
				message.sent = false;
				waiting++;
			}
			i++;
		}
		this.waiting = waiting;
		// Queued after an earlier CONNACK, or before any: the rest keep their order (3.2.2-15).
		const queue = this.queue;
		for (let n = queue.length; n > 0; n--) {
			const message = queue.shift() as Outgoing;
			const error = tooLarge(message, maxPacketSize);
			if (error) finish(message, error);
			else queue.push(message);
		}
	}

	/**
	 * Sends what `resume` left waiting, in order, while fewer than `window` are in flight:
	 * each sent on this connection or awaiting PUBCOMP. A PUBREL resent after reconnecting
	 * holds no quota (4.9), so this errs only on the side of waiting.
	 */
	resendWaiting(out: MqttSession): void {
		// Every drain comes here: once nothing waits, it costs no walk of the window.
		if (!this.waiting) return;
		const messages = this.messages;
		let inFlight = 0;
		for (let i = this.acked; i < messages.length; i++) if (messages[i].sent || messages[i].released) inFlight++;
		let waiting = 0;
		for (let i = this.acked; i < messages.length; i++) {
			const message = messages[i];
			if (message.sent || message.released) continue;
			if (inFlight >= this.window) waiting++;
			else {
				message.sent = true;
				out.push(message.packet);
				inFlight++;
			}
		}
		this.waiting = waiting;
	}
}

/** The error for a message over the server's Maximum Packet Size (0: none), or undefined. */
function tooLarge(message: Outgoing, maxPacketSize: number): ProtocolError | undefined {
	const length = message.packet.length;
	return maxPacketSize > 0 && length > maxPacketSize ? new ProtocolError("PACKET_TOO_LARGE", `PUBLISH of ${length} bytes, over the server's maximum packet size ${maxPacketSize}`) : void 0;
}

export class MqttSession5 extends MqttSession {
	declare readonly v5: Version5;
	protected declare flows: Inflight5 | undefined;

	constructor(options: SessionOptions) {
		// MQTT 5 lets the server assign an identifier to an empty one, persistent session or not (3.1.3.1).
		super(options, true);
		const v5 = (this.v5 = new Version5(options));
		this.clean = v5.cleanStart;
		// Incoming topic aliases are resolved as packets are read, so handling a PUBLISH is the same for both versions.
		this.reader = new PacketReader<Packet | Packet5>(this.reader.maxPacketSize, (bytes, memo) => {
			const packet = decode5(bytes, memo);
			return packet.type === PacketType.PUBLISH ? v5.received(packet) : packet;
		}) as PacketReader<Packet>;
	}

	override publish(topic: string, payload: Uint8Array, qos: QoS, retain: boolean, now: number, done?: Done, properties?: MessageProperties): void {
		// The topic is checked as it is encoded (Version5.publish).
		checkQoS(qos);
		const atOnce = qos === 0 && this.state === State.ONLINE && !this.flows?.queue.length;
		const packet = this.v5.publish(topic, payload, qos, retain, atOnce, this.reader.maxPacketSize, properties);
		if (!atOnce) return this.enqueue(packet, now, done);
		this.push(packet);
		this.lastSent = now;
		if (done) done();
	}

	protected override sendConnect(): void {
		this.push(this.v5.connect(this.clientId, this.options.maxAwaitingRelease ?? Default.MAX_AWAITING_RELEASE, this.reader.maxPacketSize));
	}

	protected override handle(packet: Packet | Packet5, now: number): void {
		if (this.state === State.CONNECTING && packet.type !== PacketType.CONNACK) return super.handle(packet as Packet, now);
		const v5 = this.v5;
		switch (packet.type) {
			case PacketType.CONNACK: {
				if (this.state !== State.CONNECTING) throw violation("second CONNACK");
				v5.connack(packet as Connack5);
				// The requests that waited for it; a resubscription onConnack asks for goes at once.
				const waiting = this.requests.slice();
				this.onConnack(packet.sessionPresent, 0, now);
				return this.applyLimits(now, waiting, packet.sessionPresent);
			}
			case PacketType.PUBACK:
			case PacketType.PUBREC:
			case PacketType.PUBCOMP: {
				const { reasonCode, properties, packetId } = packet as Ack5;
				// A PUBCOMP ends the flow whatever its reason: with 0x92 the server had forgotten the id of
				// a PUBREL resent after reconnecting, but its PUBREC had taken the message (4.3.3).
				if (reasonCode < 0x80 || packet.type === PacketType.PUBCOMP) break;
				// The server refused this message; a refused QoS 2 flow ends here, no PUBREL (4.3.3).
				if (this.flows?.acknowledged(packet.type, packetId, reasonError("PUBLISH_REFUSED", `message ${packetId} refused`, reasonCode, properties))) this.drain(now);
				return;
			}
			case PacketType.SUBACK:
				return this.suback(packet.packetId, (packet as Suback5).reasonCodes);
			case AUTH:
				// No enhanced authentication here (4.12): refuse it as the specification's code says.
				this.push(v5.disconnect(0x8c));
				throw reasonError("DISCONNECTED", "the server began enhanced authentication (AUTH), which this client does not do; sent DISCONNECT", 0x8c, (packet as Disconnect5).properties);
			case PacketType.DISCONNECT: {
				const { reasonCode, properties } = packet as Disconnect5;
				this.events.push({ type: "disconnected", reasonCode, reasonString: properties.reasonString, serverReference: properties.serverReference });
				throw reasonError("DISCONNECTED", "the server disconnected", reasonCode, properties);
			}
		}
		super.handle(packet as Packet, now);
	}

	/** Say why before closing (4.13.1): malformed 0x81, too large 0x95, otherwise protocol error 0x82. */
	protected override refuse(error: ProtocolError): void {
		if (error.code !== "DISCONNECTED") this.push(this.v5.disconnect(error.code === "MALFORMED_PACKET" ? 0x81 : error.code === "PACKET_TOO_LARGE" ? 0x95 : 0x82));
	}

	protected override sendDisconnect(now: number, reasonCode: number, sessionExpiry?: number): void {
		this.push(this.v5.disconnect(reasonCode, sessionExpiry));
		this.lastSent = now;
	}

	protected override checkSubscriptions(subscriptions: readonly Subscription[]): void {
		super.checkSubscriptions(subscriptions);
		this.v5.checkSubscriptions(subscriptions);
	}

	/** Refused at the call, before any filter is forgotten, when the server could not take it (3.1.2-24). */
	override unsubscribe(topics: readonly string[], now: number, done?: Done): void {
		this.v5.checkRequest(void 0, topics);
		super.unsubscribe(topics, now, done);
	}

	/**
	 * Sent only once CONNACK has named this connection's Maximum Packet Size (3.1.4 lets a
	 * client wait for it; applyLimits sends what waited): open() resends before it, and one
	 * asked for offline was checked against the last connection's limit at most. One over it
	 * never goes (3.1.2-24): its callback gets PACKET_TOO_LARGE, and a SUBSCRIBE's filters are
	 * left as a SUBACK refusing every one would leave them (a lost one is forgotten).
	 */
	protected override sendRequest(request: Request): void {
		if (this.state !== State.ONLINE) return;
		const packetId = request.packetId;
		const subscriptions = request.subscriptions;
		const packet = this.v5.request(packetId, subscriptions, request.topics);
		if (!(packet instanceof ProtocolError)) return this.push(packet);
		if (subscriptions && subscriptions.length > 1 && !request.done) {
			// Nobody waits for its SUBACK as a whole (the resubscription after Session Present 0):
			// it goes in halves, each split again until it fits; only a filter too large alone is refused.
			const half = subscriptions.length >> 1;
			this.requests.splice(this.requests.indexOf(request), 1);
			this.request({ packetId: 0, subscriptions: subscriptions.slice(0, half) }, this.lastSent);
			return this.request({ packetId: 0, subscriptions: subscriptions.slice(half) }, this.lastSent);
		}
		if (subscriptions) return this.suback(packetId, subscriptions.map(() => 0x80), packet);
		this.takeRequest(packetId);
		if (request.done) (request.done as Done)(packet);
	}

	protected override newFlows(): Inflight5 {
		return (this.flows ??= new Inflight5(this.window()));
	}

	/** QoS 1/2 messages in flight at most: ours, within the server's Receive Maximum (3.3.4). */
	protected override window(): number {
		const ours = super.window();
		// Called from the base constructor too (restoring saved state), before this.v5 exists and
		// before any CONNACK: until the server names its Receive Maximum, ours is the window.
		const v5 = this.v5 as Version5 | undefined;
		if (v5 === undefined) return ours;
		const theirs = v5.receiveMaximum;
		return theirs < ours ? theirs : ours;
	}

	/**
	 * Nothing enters the window before CONNACK names the server's Receive Maximum (3.3.4); 3.1.1
	 * sends at once (3.1.4). What was in flight before this connection and waits to go again
	 * (`resume`) goes first, as the window allows; new messages after it.
	 */
	protected override drain(now: number): void {
		if (this.state !== State.ONLINE || !this.flows) return;
		const before = this.transmitBytes;
		this.flows.resendWaiting(this);
		if (this.transmitBytes !== before) this.lastSent = now;
		super.drain(now);
	}

	/** After CONNACK: the server's Receive Maximum, Maximum Packet Size and Server Keep Alive, then what waited for them. */
	protected applyLimits(now: number, waiting: readonly Request[], sessionPresent: boolean): void {
		const flows = this.flows;
		const before = this.transmitBytes;
		if (flows) {
			flows.window = this.window();
			const max = this.v5.maximumPacketSize;
			// What was in flight goes only now, within this connection's limits. Session Present
			// 1: resent as 4.4 says (4.4.0-1), each PUBREL at once (a few bytes, and no PUBLISH: no
			// Receive Maximum quota, 4.9), each PUBLISH with DUP 1 and its id as the window allows.
			// Session Present 0: the server holds none of it, and what we hold is no longer session
			// state (3.2.2-5), so nothing is resent in 4.4's sense; but the application's messages
			// are not lost with the session: a QoS 2 message whose PUBREC came back is complete (the
			// server took it over, 4.3.3, and it may not be published again), every other one is
			// published again as a new message (DUP 0, in order, within the Receive Maximum), as
			// after a Clean Start. A PUBLISH over this connection's Maximum Packet Size never goes
			// (3.1.2-24): its flow ends with PACKET_TOO_LARGE.
			flows.resume(this, sessionPresent, max);
		}
		const seconds = this.v5.serverKeepAlive;
		if (seconds !== undefined && seconds * 1000 !== this.keepAliveMs) this.keepAliveFor(seconds);
		for (let i = 0; i < waiting.length; i++) this.sendRequest(waiting[i]);
		this.drain(now);
		// What went now, not at open(), is what keep alive counts from.
		if (this.transmitBytes !== before) this.lastSent = now;
	}
}
