/**
 * Outgoing QoS flows (MQTT 4.3, 4.4, 4.6): messages waiting to be sent, and QoS 1/2
 * messages in flight until PUBACK, or PUBREC then PUBCOMP. In-flight messages are held as
 * their encoded PUBLISH (one allocation each) and resent by setting the DUP bit; on a
 * new connection PUBLISHes go again in their original order and PUBRELs in PUBREC order.
 * QoS 0 messages are only ever queued while there is no connection (session.ts sends
 * them straight away otherwise). Both tables are arrays: a window holds 16 at most, and a
 * Map entry costs XS more slots than an array element.
 */
import type { ProtocolError } from "../common/errors";
import type { QoS } from "./packet";
import { Ack } from "./link";
import type { MqttSession } from "./session";
import type { SessionState } from "./state";

export type Done = (error?: ProtocolError) => void;

export interface Outgoing {
	/** The encoded PUBLISH; its packet id bytes are patched when it enters the window. */
	readonly packet: Uint8Array;
	readonly qos: QoS;
	packetId: number;
	/** QoS 2: PUBREC received and PUBREL sent; waiting for PUBCOMP. */
	released: boolean;
	sent: boolean;
	done?: Done;
}

/** The PUBLISH fixed header's DUP flag (3.3.1.1). */
export const enum Flag { DUP = 0x08 }

export const enum Id {
	/** The packet id a queued QoS 1/2 PUBLISH carries until it enters the window. */
	UNASSIGNED = 0xffff,
}

export class Inflight {
	// Fields are `declare`d and set in the constructor: a class field costs XS bytecode of its own.
	/** QoS 1/2 messages in flight, in (re)send order. */
	protected declare readonly messages: Outgoing[];
	/** Messages not yet sent, oldest first. */
	declare readonly queue: Outgoing[];
	/** QoS 1/2 messages in flight at most: ours, lowered to an MQTT 5 server's Receive Maximum. */
	declare window: number;
	/** `inUse`: the last id asked about, and the lowest id in flight above it then (ids between are free). */
	private declare asked: number;
	private declare busy: number;
	/** Messages at the front of `messages` already acknowledged, cut off in batches (`settle`). */
	protected declare acked: number;

	constructor(window: number) {
		this.messages = [];
		this.queue = [];
		this.window = window;
		this.asked = this.busy = this.acked = 0;
	}

	/** A message to send when the window allows (the session keeps the queue within its cap). */
	add(packet: Uint8Array, done?: Done): void {
		this.queue.push(outgoing(packet, done));
	}

	/** Sends queued messages while the window has room; `out` gives each a free packet id. */
	drain(out: MqttSession): void {
		const queue = this.queue;
		while (queue.length > 0) {
			const message = queue[0];
			if (message.qos > 0) {
				if (this.messages.length - this.acked >= this.window) return;
				queue.shift();
				const packetId = (message.packetId = out.allocatePacketId());
				const packet = message.packet;
				// The packet id sits just before the payload, after the topic (3.3.2).
				const at = packetIdOffset(packet);
				packet[at] = packetId >> 8;
				packet[at + 1] = packetId & 0xff;
				this.messages.push(message);
				transmit(out, message);
			} else {
				queue.shift();
				out.push(message.packet);
				finish(message);
			}
		}
	}

	/**
	 * A new connection: resend what is in flight. With a clean session (3.1.2-6) a QoS 2
	 * message whose PUBREC came back is the broker's: never published again (4.3.3-1), it
	 * is done; one not yet acknowledged starts over as a first delivery (DUP 0).
	 */
	resend(out: MqttSession, cleanSession: boolean): void {
		const messages = this.settle();
		for (let i = 0; i < messages.length; ) {
			const message = messages[i];
			if (cleanSession) {
				if (message.released) {
					messages.splice(i, 1);
					finish(message);
					continue;
				}
				message.packet[0] &= ~Flag.DUP;
				message.sent = false;
			}
			transmit(out, message);
			i++;
		}
	}

	/**
	 * Whether a message in flight holds `packetId`. Ids are asked for in rising order (the
	 * session allocates them round 1..65535), so one scan finds the lowest id in use above
	 * the one asked for, and every id below it is known free until the ids wrap: one scan
	 * per lap and per id found in use, not one per publish, however wide the window.
	 */
	inUse(packetId: number): boolean {
		if (packetId > this.asked && packetId < this.busy) {
			this.asked = packetId;
			return false;
		}
		const messages = this.messages;
		let used = false;
		let busy = 0x10000;
		for (let i = this.acked; i < messages.length; i++) {
			const id = messages[i].packetId;
			if (id === packetId) used = true;
			else if (id > packetId && id < busy) busy = id;
		}
		this.asked = packetId;
		this.busy = busy;
		return used;
	}

	/**
	 * PUBACK (`type` 4), PUBREC (5) or PUBCOMP (7) for `packetId`, or MQTT 5's refusal of it
	 * (`error`: a PUBACK or PUBREC with a failure reason code ends that message's flow, 4.3.2,
	 * 4.3.3: no PUBREL follows; its callback gets the error). True when it completed a
	 * message (the window has room again). A PUBREC is answered by the caller, known or not.
	 */
	acknowledged(type: number, packetId: number, error?: ProtocolError): boolean {
		const messages = this.messages;
		// The message in flight with `packetId` (none past the end).
		let at = this.acked;
		while (at < messages.length && messages[at].packetId !== packetId) at++;
		const message = messages[at];
		if (!message || message.qos !== (type === 4 ? 1 : 2) || (error && message.released)) return false;
		if (type === 5 && !error) {
			if (!message.released) {
				message.released = true;
				// To the back: PUBRELs are resent in PUBREC order (4.6).
				messages.splice(at, 1);
				messages.push(message);
			}
			return false;
		}
		// PUBACKs and PUBCOMPs mostly come in order: the oldest is cut off later with others,
		// one splice per eighth of the window, not one per acknowledgement (mqtt.qos1.throughput).
		if (at > this.acked) messages.splice(at, 1);
		else if (++this.acked * 8 >= messages.length) this.settle();
		finish(message, error);
		return true;
	}

	/** Cuts the acknowledged messages off the front; `messages`, all in flight. */
	protected settle(): Outgoing[] {
		this.messages.splice(0, this.acked);
		this.acked = 0;
		return this.messages;
	}

	/** Completes every waiting callback with `error`; the messages stay (for exportState). */
	failPending(error: ProtocolError): void {
		const all = this.settle().concat(this.queue);
		for (let i = 0; i < all.length; i++) finish(all[i], error);
	}

	/** Nothing in flight, nothing queued. */
	get empty(): boolean {
		return this.messages.length === this.acked && this.queue.length === 0;
	}

	/** For SessionState (state.ts): in flight in send order, each with its PUBREL sent or not. */
	get inflight(): SessionState["inflight"] {
		const messages = this.settle();
		const inflight: { packet: Uint8Array; released: boolean }[] = [];
		for (let i = 0; i < messages.length; i++) inflight.push({ packet: messages[i].packet, released: messages[i].released });
		return inflight;
	}

	/** For SessionState: the QoS 1/2 messages not yet sent (QoS 0 ones are not kept). */
	get queued(): Uint8Array[] {
		const queue = this.queue;
		const queued: Uint8Array[] = [];
		for (let i = 0; i < queue.length; i++) if (queue[i].qos) queued.push(queue[i].packet);
		return queued;
	}

	/** Takes back what `inflight` and `queued` gave: in flight with their packet ids, queued without. */
	restore(inflight: SessionState["inflight"], queued: readonly Uint8Array[]): void {
		for (let i = 0; i < inflight.length; i++) {
			const packet = inflight[i].packet;
			const at = packetIdOffset(packet);
			const message = outgoing(packet);
			message.packetId = (packet[at] << 8) | packet[at + 1];
			message.released = inflight[i].released;
			message.sent = true;
			this.messages.push(message);
		}
		for (let i = 0; i < queued.length; i++) this.queue.push(outgoing(queued[i]));
	}
}

/** A message as it is queued: its QoS read from the PUBLISH's first byte, no packet id yet, not sent. */
function outgoing(packet: Uint8Array, done?: Done): Outgoing {
	return { packet, qos: ((packet[0] >> 1) & 3) as QoS, packetId: 0, released: false, sent: false, done };
}

function transmit(out: MqttSession, message: Outgoing): void {
	if (message.released) return out.ack(Ack.PUBREL, message.packetId);
	if (message.sent) message.packet[0] |= Flag.DUP;
	message.sent = true;
	out.push(message.packet);
}

/** Offset of the packet id in an encoded QoS 1/2 PUBLISH: after the fixed header and topic. */
function packetIdOffset(packet: Uint8Array): number {
	let i = 1;
	while (packet[i] & 0x80) i++;
	i++;
	return i + 2 + ((packet[i] << 8) | packet[i + 1]);
}

/** The message's callback, called once. */
export function finish(message: Outgoing, error?: ProtocolError): void {
	const done = message.done;
	if (!done) return;
	message.done = void 0;
	done(error);
}
