/**
 * The MQTT 5.0 session: the 3.1.1 one (../session.ts) with what version 5 changes
 * overridden, the rest (QoS flows, subscriptions, keep alive, persistence) inherited.
 * Version5 (session5.ts) holds the connection's limits and topic aliases and writes the
 * packets. An image includes this module only if it wants MQTT 5: the uplink passes
 * `mqtt5` to the client, and without it `protocolVersion` 5 is refused.
 */
import { ProtocolError } from "../../common/errors";
import { PacketReader } from "../decode";
import { MqttSession, type Done, type Request, type SessionOptions } from "../session";
import { PacketType, checkQoS, violation, type MessageProperties, type Packet, type QoS, type Subscription } from "../packet";
import { Default, State } from "../link";
import { decode5 } from "./decode";
import { AUTH, type Ack5, type Connack5, type Disconnect5, type Packet5, type Suback5 } from "./packet";
import { Version5, reasonError } from "./session5";

/** What the client is given to run MQTT 5 (client.ts `mqtt5`). */
export function mqtt5(options: SessionOptions): MqttSession {
	return new MqttSession5(options);
}

export class MqttSession5 extends MqttSession {
	declare readonly v5: Version5;

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
		if (!atOnce) return this.enqueue(packet, ((packet[0] >> 1) & 3) as QoS, now, done);
		this.push(packet);
		this.lastSent = now;
		if (done) done();
	}

	protected override sendConnect(): void {
		this.push(this.v5.connect(this.clientId, this.options.maxAwaitingRelease ?? Default.MAX_AWAITING_RELEASE, this.reader.maxPacketSize));
	}

	/** New messages wait for CONNACK's Receive Maximum (what is resent was within the last one). */
	protected override opened(): void {}

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
				return this.applyLimits(now, waiting);
			}
			case PacketType.PUBACK:
			case PacketType.PUBREC:
			case PacketType.PUBCOMP: {
				const { reasonCode, properties, packetId } = packet as Ack5;
				if (reasonCode < 0x80) break;
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
	protected override sendRequest(packetId: number, request: Request): void {
		if (this.state !== State.ONLINE) return;
		const subscriptions = request.subscriptions;
		const packet = this.v5.request(packetId, subscriptions, request.topics);
		if (!(packet instanceof ProtocolError)) return this.push(packet);
		if (subscriptions) return this.suback(packetId, subscriptions.map(() => 0x80), packet);
		this.takeRequest(packetId);
		if (request.done) (request.done as Done)(packet);
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

	/** Nothing enters the window before CONNACK names the server's Receive Maximum (3.3.4); 3.1.1 sends at once (3.1.4). */
	protected override drain(now?: number): void {
		if (this.state === State.ONLINE) super.drain(now);
	}

	/** After CONNACK: the server's Receive Maximum, Maximum Packet Size and Server Keep Alive, then what waited for them. */
	protected applyLimits(now: number, waiting: readonly Request[]): void {
		const flows = this.flows;
		if (flows) {
			flows.window = this.window();
			if (this.v5.maximumPacketSize > 0) flows.refuseOver(this.v5.maximumPacketSize);
		}
		const seconds = this.v5.serverKeepAlive;
		if (seconds !== undefined && seconds * 1000 !== this.keepAliveMs) this.keepAliveFor(seconds);
		for (let i = 0; i < waiting.length; i++) this.sendRequest(waiting[i].packetId, waiting[i]);
		this.drain(now);
	}
}
