/**
 * Subscriptions (MQTT 3.8 - 3.11): the filters the application wants, which of them the
 * broker acknowledged, and the SUBSCRIBE / UNSUBSCRIBE requests awaiting SUBACK or
 * UNSUBACK, by packet id. The broker forgets them with the session (session present 0):
 * then every acknowledged filter is requested again.
 */
import { ProtocolError } from "../common/errors";
import { encode } from "./encode";
import { PacketType, Wire, type QoS, type Subscription } from "./packet";
import type { Done } from "./inflight";
import type { Transmit } from "./transmit";

/** In `filters`: the broker acknowledged the filter. */
export const ACTIVE = 4;

export type SubscribeDone = (error: ProtocolError | undefined, returnCodes: readonly number[]) => void;

export interface Request {
	/** Present for SUBSCRIBE. */
	readonly subscriptions?: readonly Subscription[];
	/** Present for UNSUBSCRIBE. */
	readonly topics?: readonly string[];
	readonly done?: SubscribeDone | Done;
}

export class Subscriptions {
	// Fields are `declare`d and set in the constructor: a class field costs XS bytecode of its own.
	/** Filters the application wants, to their QoS, plus ACTIVE once the broker acknowledged them (a number, not an object: 3 slots less each). */
	declare readonly filters: Map<string, number>;
	/** Requests awaiting their acknowledgement, by packet id. */
	declare readonly requests: Map<number, Request>;

	constructor() {
		this.filters = new Map();
		this.requests = new Map();
	}

	/** Of `subscriptions`, those not already active at their QoS, now marked wanted. */
	wanted(subscriptions: readonly Subscription[]): Subscription[] {
		const wanted: Subscription[] = [];
		// Index loops and forEach, not for-of: an iterator loop costs XS 100 to 200 bytes of bytecode more.
		for (let i = 0; i < subscriptions.length; i++) {
			const s = subscriptions[i];
			if (this.filters.get(s.topic) === (s.qos | ACTIVE)) continue;
			this.filters.set(s.topic, s.qos);
			wanted.push(s);
		}
		return wanted;
	}

	/** `format` writes the request in the session's protocol version. */
	request(packetId: number, request: Request, out: Transmit | undefined, format: RequestFormat): void {
		this.requests.set(packetId, request);
		if (out) out.push(format.requestPacket(packetId, request));
	}

	/** A new connection: send every request again; a clean session drops its UNSUBSCRIBEs (nothing to undo). */
	resend(out: Transmit, cleanSession: boolean, format: RequestFormat): void {
		const requests = this.requests;
		requests.forEach((request, packetId) => {
			if (cleanSession && request.topics) {
				requests.delete(packetId);
				(request.done as Done | undefined)?.();
			} else out.push(format.requestPacket(packetId, request));
		});
	}

	/**
	 * The acknowledged filters: for SessionState (state.ts), or `lost` when the broker lost
	 * the session, to request again (then no longer acknowledged).
	 */
	active(lost = false): Subscription[] {
		const active: Subscription[] = [];
		const filters = this.filters;
		filters.forEach((s, topic) => {
			if (!(s & ACTIVE)) return;
			if (lost) filters.set(topic, s & 3);
			active.push({ topic, qos: (s & 3) as QoS });
		});
		return active;
	}

	suback(packetId: number, returnCodes: readonly number[]): void {
		const request = this.requests.get(packetId);
		const subscriptions = request?.subscriptions;
		if (!subscriptions) return;
		if (returnCodes.length !== subscriptions.length) throw new ProtocolError("PROTOCOL_VIOLATION", "SUBACK return codes do not match the SUBSCRIBE");
		this.requests.delete(packetId);
		let refused = "";
		for (let i = 0; i < subscriptions.length; i++) {
			const topic = subscriptions[i].topic;
			const known = this.filters.get(topic);
			// 3.1.1 has one failure code (0x80); every MQTT 5 reason code from 0x80 up is one too.
			if (returnCodes[i] >= Wire.SUBACK_FAILURE) {
				refused += (refused ? ", " : "") + topic;
				if (known !== undefined && !(known & ACTIVE)) this.filters.delete(topic);
			} else if (known !== undefined) this.filters.set(topic, known | ACTIVE);
		}
		const error = refused ? new ProtocolError("SUBSCRIPTION_REFUSED", `broker refused ${refused}`) : undefined;
		(request.done as SubscribeDone | undefined)?.(error, returnCodes);
	}

	unsuback(packetId: number): void {
		const request = this.requests.get(packetId);
		if (!request?.topics) return;
		this.requests.delete(packetId);
		(request.done as Done | undefined)?.();
	}

	/** A restored session's filters, acknowledged before it was saved. */
	restore(subscriptions: readonly Subscription[]): void {
		for (let i = 0; i < subscriptions.length; i++) this.filters.set(subscriptions[i].topic, subscriptions[i].qos | ACTIVE);
	}

	failPending(error: ProtocolError): void {
		const requests = this.requests;
		requests.forEach((request, packetId) => {
			requests.delete(packetId);
			(request.done as SubscribeDone | undefined)?.(error, []);
		});
	}
}

/** How a session's protocol version writes SUBSCRIBE and UNSUBSCRIBE (session.ts for 3.1.1, v5/session.ts for 5.0). */
export interface RequestFormat {
	requestPacket(packetId: number, request: Request): Uint8Array;
}

/** SUBSCRIBE or UNSUBSCRIBE at 3.1.1. */
export function requestPacket(packetId: number, request: Request): Uint8Array {
	return request.subscriptions
		? encode({ type: PacketType.SUBSCRIBE, packetId, subscriptions: request.subscriptions })
		: encode({ type: PacketType.UNSUBSCRIBE, packetId, topics: request.topics as readonly string[] });
}
